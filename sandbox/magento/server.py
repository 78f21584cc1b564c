"""The Magento 2.4 stand-in as an ASGI app: `create_app(state)` and `run(host, port)`."""

from __future__ import annotations

import gc
import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandbox.magento import admin_routes, api_routes, customer_routes, fulfillment_routes
from sandbox.magento.errors import NO_ROUTE, MagentoError, internal
from sandbox.magento.faults import CallRecord, ConnectionDropped, now
from sandbox.magento.http_util import SCOPE_KEY
from sandbox.magento.state import MagentoState


class MagentoMiddleware:
    """Resolves `/rest/<store_code>/V1/...` to `/rest/V1/...`, logs mutating calls, and performs the
    "commit then drop" fault (response started, then the connection is aborted)."""

    def __init__(self, app: ASGIApp, state: MagentoState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/rest/"):
            await self.app(scope, receive, send)
            return
        info: dict[str, Any] = {}
        scope[SCOPE_KEY] = info
        parts = scope["path"].split("/", 3)  # ['', 'rest', '<code or V1>', rest]
        store_code: str | None = None
        if len(parts) > 2 and parts[2] != "V1":
            store_code = parts[2]
            with self.state.lock:  # `all` = admin scope (store 0)
                store = self.state.catalog.store_by_code("admin" if store_code == "all" else store_code)
            if store is None:
                await self._reply(scope, send, 404, {"message": NO_ROUTE}, info, store_code)
                return
            info["store_id"] = store.id
            scope = dict(scope, path="/rest/" + (parts[3] if len(parts) > 3 else ""))
            scope[SCOPE_KEY] = info
        else:
            info["store_id"] = 1
        info["store_code"] = store_code
        status_holder = {"status": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                if info.get("drop"):
                    info["dropped"] = True
                    await send(message)
                    await send({"type": "http.response.body", "body": b"{", "more_body": True})
                    raise ConnectionDropped("commit then drop: response aborted after the order was saved")
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self._log(scope, info, store_code, status_holder["status"])

    def _log(self, scope: Scope, info: dict[str, Any], store_code: str | None, status: int) -> None:
        if scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return
        route = scope.get("route")
        route_key = info.get("route") or f"{scope['method']} {getattr(route, 'path', scope['path'])}"
        self.state.record_call(
            CallRecord(
                scope["method"],
                route_key,
                scope["path"],
                store_code,
                status,
                now(),
                info.get("fault"),
                bool(info.get("dropped")),
            )
        )

    async def _reply(
        self,
        scope: Scope,
        send: Send,
        status: int,
        body: dict[str, Any],
        info: dict[str, Any],
        store_code: str | None,
    ) -> None:
        payload = json.dumps(body).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})
        self._log(scope, info, store_code, status)


def create_app(state: MagentoState | None = None) -> FastAPI:
    state = state or MagentoState()
    app = FastAPI(title="Magento 2.4 stand-in", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.magento = state
    app.include_router(api_routes.router)
    app.include_router(customer_routes.router)
    app.include_router(admin_routes.router)
    app.include_router(fulfillment_routes.router)
    app.include_router(fulfillment_routes.admin_router)

    @app.exception_handler(MagentoError)
    async def magento_error(request: Request, exc: MagentoError) -> Response:
        return JSONResponse(exc.body(state.developer_mode), status_code=exc.status)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code in (404, 405):
            return JSONResponse({"message": NO_ROUTE}, status_code=404)
        return JSONResponse({"message": str(exc.detail)}, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        err = internal(f"{type(exc).__name__}: {exc}", state.developer_mode)
        return JSONResponse(err.body(state.developer_mode), status_code=500)

    app.add_middleware(MagentoMiddleware, state=state)
    return app


def _freeze_after_full_collections() -> None:
    """The stand-in keeps every order in memory; a full collection walks them all (~100 ms at a few
    thousand orders) while every request waits. After each one, freeze what survived, so the next
    full collection only walks what was allocated since (orders hold no reference cycles)."""

    def callback(phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info.get("generation") == 2:
            gc.freeze()

    gc.callbacks.append(callback)


def run(host: str = "127.0.0.1", port: int = 8081, http: str | None = None) -> None:
    """Serve a fresh stand-in with httptools + uvloop when installed (`http="h11"` forces the
    pure-Python parser, to compare)."""
    import uvicorn

    from sandbox._server import fast_protocols

    protocols = fast_protocols()
    if http:
        protocols["http"] = http
    app = create_app()
    gc.collect()
    gc.freeze()  # the app and the libraries: never garbage, never walked again
    _freeze_after_full_collections()
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False, **protocols)  # type: ignore[arg-type]


if __name__ == "__main__":
    import sys

    run(
        sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1",
        int(sys.argv[2]) if len(sys.argv) > 2 else 8081,
        sys.argv[3] if len(sys.argv) > 3 else None,
    )
