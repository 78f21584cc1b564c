"""Orders API v0 ``confirmShipment``: ``POST /orders/v0/orders/{orderId}/shipmentConfirmation``.

Checks in Amazon's order: authentication (403), injected faults, throttling (429: usage plan 2
requests/s, burst 10), the body against the model (400), the order (404), the order's state (400).
Success is 204 with no body."""

from __future__ import annotations

import asyncio
import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from sandbox.spapi import errors
from sandbox.spapi.http_common import ACCESS_TOKEN_HEADER, RATE_LIMIT_HEADER, REQUEST_ID_HEADER, new_request_id
from sandbox.spapi.ratelimit import UsagePlan
from sandbox.spapi.shipments import apply, parse
from sandbox.spapi.state import SandboxState

OPERATION = "confirmShipment"
PLAN = UsagePlan(2.0, 10)


def shipments_router(state: SandboxState) -> APIRouter:
    router = APIRouter()
    state.rate_limiter.plans.setdefault(OPERATION, PLAN)

    @router.post("/orders/v0/orders/{order_id}/shipmentConfirmation")
    async def confirm_shipment(order_id: str, request: Request) -> Response:
        headers = {REQUEST_ID_HEADER: new_request_id()}
        try:
            seller_id = state.auth.seller_for(request.headers.get(ACCESS_TOKEN_HEADER), state.clock.now())
            fault = state.faults.take(OPERATION, seller_id)
            if fault.latency_seconds:
                await asyncio.sleep(fault.latency_seconds)
            if fault.status is not None:
                raise errors.for_status(fault.status)
            if not state.rate_limiter.try_acquire(seller_id, OPERATION):
                raise errors.quota_exceeded()
            try:
                body = json.loads(await request.body() or b"null")
            except ValueError:
                raise errors.invalid_input("The request body is not valid JSON.") from None
            confirmation = parse(body)
            try:
                state.get_order(seller_id, order_id)
            except KeyError:
                raise errors.not_found(f"Order {order_id} not found.") from None
            state._transition(seller_id, order_id, None,  # noqa: SLF001 - the sandbox's own versioned store
                              lambda order, at: apply(order, confirmation, at))
        except errors.ApiError as exc:
            if exc.rate_limit_header:
                headers[RATE_LIMIT_HEADER] = state.rate_limiter.header_value(OPERATION)
            return JSONResponse(exc.body(), exc.status, headers=headers)
        headers[RATE_LIMIT_HEADER] = state.rate_limiter.header_value(OPERATION)
        return Response(status_code=204, headers=headers)

    return router
