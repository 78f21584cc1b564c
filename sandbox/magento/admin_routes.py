"""Sandbox-only admin/test API under /_sandbox (no auth): the HTTP face of MagentoState's admin methods."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from sandbox.magento.http_util import state_of

router = APIRouter(prefix="/_sandbox")


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    data = await request.json()
    return data if isinstance(data, dict) else {}


def _ok(data: Any = None) -> Response:
    return JSONResponse({"ok": True} if data is None else data)


def _bad(message: str) -> Response:
    return JSONResponse({"message": message}, status_code=400)


@router.post("/reset")
async def reset(request: Request) -> Response:
    state_of(request).reset()
    return _ok()


@router.post("/config")
async def config(request: Request) -> Response:
    """{developer_mode?, enforce_stock_on_create?, scalar_ids_as_strings?, integration_bearer_enabled?}"""
    body = await _body(request)
    state = state_of(request)
    with state.lock:
        for key in (
            "developer_mode",
            "enforce_stock_on_create",
            "scalar_ids_as_strings",
            "integration_bearer_enabled",
        ):
            if key in body:
                setattr(state, key, bool(body[key]))
    return _ok()


@router.post("/websites")
async def create_website(request: Request) -> Response:
    body = await _body(request)
    try:
        return _ok(
            state_of(request).create_website(
                str(body["code"]), body.get("name"), int(body.get("stock_id", 1))
            )
        )
    except (KeyError, ValueError, Exception) as exc:  # noqa: BLE001 - admin API reports any input error
        return _bad(str(exc))


@router.post("/stores")
async def create_store(request: Request) -> Response:
    body = await _body(request)
    try:
        return _ok(
            state_of(request).create_store_view(
                str(body["code"]),
                body.get("name"),
                str(body.get("website_code", "base")),
                str(body.get("currency", "USD")),
                str(body.get("locale", "en_US")),
                str(body.get("timezone", "America/Los_Angeles")),
                body.get("increment_prefix"),
            )
        )
    except Exception as exc:  # noqa: BLE001
        return _bad(str(exc))


@router.post("/currency-rates")
async def currency_rate(request: Request) -> Response:
    """{base, to, rate, allow? (default true: also an allowed currency)} — Stores > Currency Rates."""
    body = await _body(request)
    try:
        state_of(request).set_currency_rate(
            str(body["base"]), str(body["to"]), float(body["rate"]), bool(body.get("allow", True))
        )
    except (KeyError, TypeError, ValueError) as exc:
        return _bad(f"base, to and a numeric rate are required ({exc})")
    return _ok()


@router.post("/products")
async def create_product(request: Request) -> Response:
    """{sku, name?, price?, enabled? | status? (1/2), qty? (number or {"<stock_id>": qty}),
    type_id?, website_ids?}"""
    body = await _body(request)
    if not body.get("sku"):
        return _bad("sku is required")
    enabled = bool(body.get("enabled", True)) if "status" not in body else int(body["status"]) == 1
    qty = body.get("qty", 100)
    if isinstance(qty, dict):
        qty = {int(k): float(v) for k, v in qty.items()}
    return _ok(
        state_of(request).create_product(
            str(body["sku"]),
            body.get("name"),
            float(body.get("price", 10.0)),
            enabled,
            qty,
            str(body.get("type_id", "simple")),
            body.get("website_ids"),
        )
    )


@router.post("/products/{sku}/stock")
async def set_stock(request: Request, sku: str) -> Response:
    body = await _body(request)
    state_of(request).set_stock(sku, float(body["qty"]), int(body.get("stock_id", 1)))
    return _ok()


@router.get("/salable/{sku}/{stock_id}")
async def salable(request: Request, sku: str, stock_id: int) -> Response:
    return _ok(
        {"sku": sku, "stock_id": stock_id, "salable_qty": state_of(request).salable_qty(sku, stock_id)}
    )


@router.get("/reservations")
async def reservations(request: Request) -> Response:
    return _ok(state_of(request).reservations())


@router.get("/shipments")
async def shipments(request: Request, order_id: int | None = None) -> Response:
    return _ok(state_of(request).shipments(order_id))


@router.post("/tokens")
async def issue_token(request: Request) -> Response:
    """{ttl_s?: seconds | null} -> {"token": "..."} (admin token: all ACL resources)."""
    body = await _body(request)
    ttl = body.get("ttl_s", 4 * 3600)
    return _ok({"token": state_of(request).issue_admin_token(None if ttl is None else float(ttl))})


@router.post("/tokens/{token}/expire")
async def expire_token(request: Request, token: str) -> Response:
    state_of(request).expire_admin_token(token)
    return _ok()


@router.post("/integrations")
async def create_integration(request: Request) -> Response:
    """{name?, resources?: [ACL ids]} -> consumer_key/secret + access_token/secret."""
    body = await _body(request)
    return _ok(
        state_of(request).create_integration(str(body.get("name", "sales-channel")), body.get("resources"))
    )


@router.get("/orders")
async def list_orders(request: Request) -> Response:
    ext = request.query_params.get("ext_order_id")
    state = state_of(request)
    return _ok(state.orders_by_ext(ext) if ext is not None else state.list_orders())


@router.get("/orders/count")
async def count_orders(request: Request) -> Response:
    ext = request.query_params.get("ext_order_id", "")
    return _ok({"ext_order_id": ext, "count": state_of(request).count_orders(ext)})


@router.delete("/orders/{entity_id}")
async def delete_order(request: Request, entity_id: int) -> Response:
    try:
        state_of(request).delete_order(entity_id)
    except Exception:  # noqa: BLE001
        return JSONResponse({"message": "no such order"}, status_code=404)
    return _ok()


@router.post("/orders/{entity_id}/close")
async def close_order(request: Request, entity_id: int) -> Response:
    state_of(request).close_order(entity_id)
    return _ok()


@router.post("/faults")
async def inject_fault(request: Request) -> Response:
    """{route: "PUT /V1/orders/create" | "*", kind: status|lock_wait|commit_then_drop,
    times?: 1, status?: 500}"""
    body = await _body(request)
    try:
        fault = state_of(request).inject_fault(
            str(body["route"]),
            body.get("kind", "status"),
            int(body.get("times", 1)),
            int(body.get("status", 500)),
        )
    except (KeyError, ValueError) as exc:
        return _bad(str(exc))
    return _ok({"route": fault.route, "kind": fault.kind, "times": fault.remaining, "status": fault.status})


@router.post("/latency")
async def set_latency(request: Request) -> Response:
    """{ms: 250, route?: "*"}"""
    body = await _body(request)
    state_of(request).set_latency(float(body.get("ms", 0)), str(body.get("route", "*")))
    return _ok()


@router.delete("/faults")
async def clear_faults(request: Request) -> Response:
    state_of(request).clear_faults()
    return _ok()


@router.get("/calls")
async def calls(request: Request) -> Response:
    return _ok(state_of(request).calls(request.query_params.get("route")))


@router.delete("/calls")
async def clear_calls(request: Request) -> Response:
    state_of(request).clear_calls()
    return _ok()
