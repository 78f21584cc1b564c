"""Request/response helpers shared by the Magento routes: JSON bodies, `?fields=`, ids, route guards."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from sandbox.magento.auth import query_params
from sandbox.magento.errors import (
    INVALID_TYPE,
    LOCK_WAIT,
    MagentoError,
    internal,
    new_report_id,
    unauthorized,
)
from sandbox.magento.search import parse_fields, trim
from sandbox.magento.state import MagentoState

SCOPE_KEY = "magento"


def state_of(request: Request) -> MagentoState:
    state: MagentoState = request.app.state.magento
    return state


def ctx(request: Request) -> dict[str, Any]:
    data: dict[str, Any] = request.scope.setdefault(SCOPE_KEY, {})
    return data


def route_key(request: Request) -> str:
    route = request.scope.get("route")
    template = getattr(route, "path", request.url.path)
    return f"{request.method} {template.removeprefix('/rest')}"


def original_url(request: Request) -> str:
    """The URL as the client sent it (raw path incl. store code), for the OAuth base string."""
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
    host = request.headers.get("host", "localhost")
    query = request.scope.get("query_string", b"").decode("latin-1")
    url = f"{request.url.scheme}://{host}{raw_path.decode('latin-1')}"
    return f"{url}?{query}" if query else url


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise MagentoError(400, "Decoding error: \nSyntax error") from None
    if not isinstance(body, dict):
        raise MagentoError(400, "Decoding error: \nSyntax error")
    return body


def int_id(value: str) -> int:
    if not value.isdigit():
        raise MagentoError(400, INVALID_TYPE, {"value": value, "type": "int"})
    return int(value)


def respond(request: Request, data: Any) -> Response:
    fields = request.query_params.get("fields")
    if fields and isinstance(data, dict | list):
        data = trim(data, parse_fields(fields))
    return JSONResponse(data, status_code=200)


def guard(resource: str) -> Callable[[Request], Awaitable[None]]:
    """Dependency for every API route: latency, authentication/ACL, then injected faults."""

    async def dependency(request: Request) -> None:
        state = state_of(request)
        key = route_key(request)
        info = ctx(request)
        info["route"] = key
        latency = state.faults.latency_for(key)
        if latency:
            await asyncio.sleep(latency / 1000.0)
        if resource != "anonymous":
            form = None
            if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                form = query_params("?" + (await request.body()).decode())
            with state.lock:
                ok = state.credentials.authorize(
                    request.headers.get("authorization"),
                    resource,
                    request.method,
                    original_url(request),
                    form,
                )
            if not ok:
                raise unauthorized(resource)
        fault = state.take_fault(key)
        if fault is None:
            return
        info["fault"] = fault.kind if fault.kind != "status" else f"status_{fault.status}"
        if fault.kind == "commit_then_drop":
            info["drop"] = True
        elif fault.kind == "lock_wait":
            raise internal(LOCK_WAIT, state.developer_mode)
        elif fault.status == 429:
            raise MagentoError(429, "Too Many Requests")
        elif fault.status == 500:
            raise internal("Injected fault", state.developer_mode)
        else:
            raise MagentoError(
                fault.status,
                "Service Unavailable" if fault.status == 503 else "Bad Gateway",
                [new_report_id()],
            )

    return dependency
