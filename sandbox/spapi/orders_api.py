"""Orders API v2026-01-01: ``searchOrders`` and ``getOrder``.

Every answer carries ``x-amzn-RequestId``. ``x-amzn-RateLimit-Limit`` comes with 200, 400 and
404 answers only, as Amazon documents (never with 403 or 429). The order of checks is
authentication (403), injected faults, throttling (429), then parameters (400)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox.spapi import errors
from sandbox.spapi.http_common import (
    ACCESS_TOKEN_HEADER,
    RATE_LIMIT_HEADER,
    REQUEST_ID_HEADER,
    QueryLists,
    new_request_id,
)
from sandbox.spapi.state import SandboxState


def orders_router(state: SandboxState) -> APIRouter:
    router = APIRouter()

    async def call(
        request: Request, operation: str, handler: Callable[[str], dict[str, Any]]
    ) -> JSONResponse:
        headers = {REQUEST_ID_HEADER: new_request_id()}
        try:
            seller_id = state.auth.seller_for(request.headers.get(ACCESS_TOKEN_HEADER), state.clock.now())
            fault = state.faults.take(operation, seller_id)
            if fault.latency_seconds:
                await asyncio.sleep(fault.latency_seconds)
            if fault.status is not None:
                raise errors.for_status(fault.status)
            if not state.rate_limiter.try_acquire(seller_id, operation):
                raise errors.quota_exceeded()
            body = handler(seller_id)
        except errors.ApiError as exc:
            if exc.rate_limit_header:
                headers[RATE_LIMIT_HEADER] = state.rate_limiter.header_value(operation)
            return JSONResponse(exc.body(), exc.status, headers=headers)
        headers[RATE_LIMIT_HEADER] = state.rate_limiter.header_value(operation)
        return JSONResponse(body, headers=headers)

    @router.get("/orders/2026-01-01/orders")
    async def search_orders(request: Request) -> JSONResponse:
        return await call(
            request, "searchOrders", lambda seller_id: state.search_orders(seller_id, QueryLists(request))
        )

    @router.get("/orders/2026-01-01/orders/{order_id}")
    async def get_order(order_id: str, request: Request) -> JSONResponse:
        return await call(
            request,
            "getOrder",
            lambda seller_id: state.get_order_response(seller_id, order_id, QueryLists(request)),
        )

    return router
