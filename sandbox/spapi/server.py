"""The SP-API sandbox app: LWA (``POST /auth/o2/token``), Orders API v2026-01-01
(``GET /orders/2026-01-01/orders[/{orderId}]``), ``confirmShipment`` (Orders v0), Feeds v2021-06-30
(``/feeds/2021-06-30``: seller cancellations), Notifications v1 (``/notifications/v1``) and the
``/_sandbox`` admin API."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from email.utils import format_datetime

import uvicorn
from fastapi import FastAPI, Request, Response

from sandbox.spapi.admin_api import admin_router
from sandbox.spapi.autotick import AutoTick, ticking
from sandbox.spapi.feeds_api import feeds_router
from sandbox.spapi.lwa_api import lwa_router
from sandbox.spapi.notifications_api import notifications_router
from sandbox.spapi.orders_api import orders_router
from sandbox.spapi.shipments_api import shipments_router
from sandbox.spapi.state import SandboxState


def create_app(state: SandboxState | None = None, auto_tick: AutoTick | None = None) -> FastAPI:
    """``state`` defaults to a fresh ``SandboxState``; it stays reachable as ``app.state.sandbox``.
    ``auto_tick`` makes the app generate orders and transitions on its own while it runs."""
    sandbox = state if state is not None else SandboxState()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with ticking(sandbox, auto_tick):
            yield

    app = FastAPI(
        title="Amazon SP-API sandbox",
        docs_url="/_sandbox/docs",
        openapi_url="/_sandbox/openapi.json",
        lifespan=lifespan,
    )
    app.state.sandbox = sandbox

    @app.middleware("http")
    async def amazon_date_header(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """Amazon's ``Date`` header tells clients its clock: here, the sandbox clock."""
        response = await call_next(request)
        response.headers["date"] = format_datetime(sandbox.clock.now(), usegmt=True)
        return response

    app.include_router(lwa_router(sandbox))
    app.include_router(orders_router(sandbox))
    app.include_router(shipments_router(sandbox))
    app.include_router(feeds_router(sandbox))
    app.include_router(notifications_router(sandbox))
    app.include_router(admin_router(sandbox))
    return app


def state_from_environment() -> SandboxState:
    """``SPAPI_SANDBOX_RATE_SCALE``, ``SPAPI_SANDBOX_SEED``, ``SPAPI_SANDBOX_CLIENT_ID`` and
    ``SPAPI_SANDBOX_CLIENT_SECRET`` tune a standalone sandbox."""
    seed = os.environ.get("SPAPI_SANDBOX_SEED")
    return SandboxState(
        seed=int(seed) if seed else None,
        rate_scale=float(os.environ.get("SPAPI_SANDBOX_RATE_SCALE", "1")),
        client_id=os.environ.get("SPAPI_SANDBOX_CLIENT_ID") or None,
        client_secret=os.environ.get("SPAPI_SANDBOX_CLIENT_SECRET") or None,
    )


def auto_tick_from_environment() -> AutoTick | None:
    """``SPAPI_SANDBOX_AUTO_TICK_SECONDS`` (off when unset) with ``SPAPI_SANDBOX_AUTO_NEW_ORDERS``
    and ``SPAPI_SANDBOX_AUTO_TRANSITIONS`` per seller and tick."""
    interval = os.environ.get("SPAPI_SANDBOX_AUTO_TICK_SECONDS")
    if not interval:
        return None
    return AutoTick(
        float(interval),
        int(os.environ.get("SPAPI_SANDBOX_AUTO_NEW_ORDERS", "1")),
        int(os.environ.get("SPAPI_SANDBOX_AUTO_TRANSITIONS", "2")),
    )


def run(host: str, port: int) -> None:
    app = create_app(state_from_environment(), auto_tick_from_environment())
    uvicorn.run(app, host=host, port=port, log_level="info", date_header=False)
