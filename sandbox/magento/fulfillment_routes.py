"""Shipment tracks and the fulfillment outbox over HTTP.

REST (2.4.8 admin schema): ``POST /V1/shipment/track``, ``DELETE /V1/shipment/track/{id}``; our
module's ``GET /V1/sales-channel/fulfillment-outbox?after=&pageSize=``. Merchant actions taken in
the Magento admin (no REST of their own), under ``/_sandbox``: ``POST /_sandbox/orders/{id}/shipments``
``{items: [{order_item_id | sku, qty}], tracks: [{track_number, title, carrier_code}]}``,
``POST /_sandbox/shipments/{id}/tracks`` ``{track_number, title, carrier_code}``,
``DELETE /_sandbox/tracks/{id}``, ``POST /_sandbox/orders/{id}/cancel`` (the admin's Cancel button:
the same ``OrderManagement::cancel`` as ``POST /V1/orders/{id}/cancel``, made by an admin user),
``GET /_sandbox/fulfillment-outbox``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response

from sandbox.magento.errors import MagentoError
from sandbox.magento.fulfillment import USER_TYPE_ADMIN
from sandbox.magento.http_util import guard, int_id, json_body, respond, state_of

router = APIRouter(prefix="/rest/V1")
admin_router = APIRouter(prefix="/_sandbox")

# sales-data-shipment-track-interface's required fields (admin-schema-2.4.8.yaml)
TRACK_REQUIRED = ("order_id", "parent_id", "weight", "qty", "description", "track_number", "title", "carrier_code")
TRACK_CHANGE_REQUIRED = ("track_number", "title", "carrier_code")
ADMIN_AREA = "adminhtml"


def _require(entity: dict[str, Any], fields: tuple[str, ...], prefix: str) -> None:
    missing = [name for name in fields if entity.get(name) is None]
    if len(missing) == 1:
        raise MagentoError(400, '"%fieldName" is required. Enter and try again.', {"fieldName": prefix + missing[0]})
    if missing:
        raise MagentoError(
            400,
            "One or more input exceptions have occurred.",
            errors=[
                {"message": '"%fieldName" is required. Enter and try again.', "parameters": {"fieldName": prefix + m}}
                for m in missing
            ],
        )


@router.post("/shipment/track", dependencies=[Depends(guard("Magento_Sales::shipment"))])
async def save_track(request: Request) -> Response:
    body = await json_body(request)
    entity = body.get("entity")
    if not isinstance(entity, dict):
        raise MagentoError(400, '"%fieldName" is required. Enter and try again.', {"fieldName": "entity"})
    _require(entity, TRACK_CHANGE_REQUIRED if entity.get("entity_id") else TRACK_REQUIRED, "entity.")
    state = state_of(request)
    with state.lock:
        return respond(request, state.fulfillment.save_track(entity))


@router.delete("/shipment/track/{id}", dependencies=[Depends(guard("Magento_Sales::shipment"))])
async def delete_track(request: Request, id: str) -> Response:  # noqa: A002 - the schema's name
    state = state_of(request)
    with state.lock:
        return respond(request, state.fulfillment.delete_track(int_id(id)))


@router.get(
    "/sales-channel/fulfillment-outbox",
    dependencies=[Depends(guard("SalesChannel_Reservations::fulfillment_outbox"))],
)
async def outbox(request: Request) -> Response:
    after = request.query_params.get("after", "0")
    size = request.query_params.get("pageSize", "100")
    state = state_of(request)
    with state.lock:
        return respond(request, state.fulfillment.page(int_id(after), int_id(size)))


# ---- merchant actions in the admin ----------------------------------------------------------------
def _error(exc: MagentoError) -> Response:
    return JSONResponse({"message": exc.message, "parameters": exc.parameters}, status_code=exc.status)


@admin_router.post("/orders/{entity_id}/shipments")
async def merchant_ship(request: Request, entity_id: int) -> Response:
    """The merchant creates a shipment in the admin: items by ``order_item_id`` or ``sku``, with tracks."""
    body = await json_body(request)
    state = state_of(request)
    with state.lock:
        try:
            order = state.orders.get(entity_id)
            by_sku = {str(i.get("sku")): int(i["item_id"]) for i in order["items"]}
            items = []
            for item in body.get("items") or []:
                item_id = item.get("order_item_id") or by_sku.get(str(item.get("sku")))
                if item_id is None:
                    raise MagentoError(400, f"No item {item.get('sku')!r} in order {entity_id}.")
                items.append({"order_item_id": int(item_id), "qty": float(item.get("qty") or 0)})
            tracks = [
                {"track_number": str(t["track_number"]), "title": str(t.get("title") or t.get("carrier_code")),
                 "carrier_code": str(t.get("carrier_code") or "custom")}
                for t in body.get("tracks") or []
            ]
            with state.fulfillment.acting_as(ADMIN_AREA, USER_TYPE_ADMIN, 1):
                shipment_id = state.orders.ship(entity_id, items or None, tracks)
        except MagentoError as exc:
            return _error(exc)
        return JSONResponse({"shipment_id": shipment_id})


@admin_router.post("/shipments/{shipment_id}/tracks")
async def merchant_add_track(request: Request, shipment_id: int) -> Response:
    """The merchant adds a tracking number to an existing shipment."""
    body = await json_body(request)
    state = state_of(request)
    with state.lock:
        try:
            shipment = state.fulfillment.shipment(shipment_id)
            entity = {
                "order_id": shipment["order_id"],
                "parent_id": shipment_id,
                "track_number": str(body.get("track_number") or ""),
                "title": str(body.get("title") or body.get("carrier_code") or ""),
                "carrier_code": str(body.get("carrier_code") or "custom"),
            }
            if not entity["track_number"]:
                raise MagentoError(400, "Please enter a tracking number.")
            with state.fulfillment.acting_as(ADMIN_AREA, USER_TYPE_ADMIN, 1):
                return JSONResponse(state.fulfillment.save_track(entity))
        except MagentoError as exc:
            return _error(exc)


@admin_router.delete("/tracks/{track_id}")
async def merchant_delete_track(request: Request, track_id: int) -> Response:
    state = state_of(request)
    with state.lock:
        try:
            with state.fulfillment.acting_as(ADMIN_AREA, USER_TYPE_ADMIN, 1):
                state.fulfillment.delete_track(track_id)
        except MagentoError as exc:
            return _error(exc)
    return JSONResponse({"ok": True})


@admin_router.post("/orders/{entity_id}/cancel")
async def merchant_cancel(request: Request, entity_id: int) -> Response:
    """The merchant cancels the order in the admin (Sales → Orders → Cancel)."""
    state = state_of(request)
    with state.lock:
        try:
            with state.fulfillment.acting_as(ADMIN_AREA, USER_TYPE_ADMIN, 1):
                canceled = state.orders.cancel(entity_id)
            if not canceled:
                raise MagentoError(400, "You have not canceled the item.")
            order = state.orders.get(entity_id)
        except MagentoError as exc:
            return _error(exc)
    return JSONResponse({"ok": True, "state": order.get("state")})


@admin_router.get("/fulfillment-outbox")
async def admin_outbox(request: Request, after: int = 0, page_size: int = 500) -> Response:
    state = state_of(request)
    with state.lock:
        return JSONResponse(state.fulfillment.page(after, page_size))
