"""Notifications API v1 over HTTP (``/notifications/v1/...``) and the sandbox state that emits
``ORDER_CHANGE`` for every new order version.

Checks in the Orders API's order: token (403), injected faults, throttling (429; 1 request/s,
burst 5 per seller, or per application for grantless operations), then the request (400).
Seller operations (``createSubscription``, ``getSubscription``, ``getSubscriptions``) need a
seller's token; the others are grantless and also accept one (the sandbox keeps no token scopes)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox.spapi import errors
from sandbox.spapi.http_common import ACCESS_TOKEN_HEADER, RATE_LIMIT_HEADER, REQUEST_ID_HEADER, new_request_id
from sandbox.spapi.model import SimOrder
from sandbox.spapi.notifications import NotificationHub
from sandbox.spapi.ratelimit import UsagePlan
from sandbox.spapi.state import SandboxState, Seller

BASE = "/notifications/v1"
OPERATIONS = ("getSubscriptions", "getSubscription", "createSubscription", "getSubscriptionById",
              "deleteSubscriptionById", "getDestinations", "createDestination", "getDestination",
              "deleteDestination")
PLAN = UsagePlan(1.0, 5)
APPLICATION = "application"  # the rate-limit key of grantless calls


class NotifyingSandboxState(SandboxState):
    """A ``SandboxState`` whose lifecycle engine tells ``notifications`` about every new version."""

    def __init__(self, *, notifications: NotificationHub | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.notifications = notifications or NotificationHub(seed=kwargs.get("seed"))

    def _store(self, seller: Seller, order: SimOrder, now: datetime, visible_after_seconds: float | None) -> None:
        previous = seller.store.current.get(order.order_id)
        super()._store(seller, order, now, visible_after_seconds)
        self.notifications.on_version(previous, order, now)

    def reset(self) -> None:
        super().reset()
        self.notifications.reset()


def hub_of(state: SandboxState) -> NotificationHub:
    hub = getattr(state, "notifications", None)
    if not isinstance(hub, NotificationHub):
        hub = NotificationHub()  # subscriptions work; a plain SandboxState emits nothing
        state.notifications = hub  # type: ignore[attr-defined]
    return hub


def notifications_router(state: SandboxState) -> APIRouter:
    router = APIRouter()
    hub = hub_of(state)
    for op in OPERATIONS:
        state.rate_limiter.plans.setdefault(op, PLAN)

    def caller(token: str | None, grantless: bool) -> str:
        """The seller (or ``APPLICATION`` for a grantless call) a token acts for."""
        now = state.clock.now()
        if grantless:
            grant = state.auth._access_tokens.get(token or "")  # noqa: SLF001 - any valid token
            if grant is None:
                raise errors.unauthorized("The access token you provided is revoked, malformed or invalid.")
            if now >= grant.expires_at:
                raise errors.unauthorized("The access token you provided has expired.")
            return APPLICATION
        return state.auth.seller_for(token, now)

    async def call(request: Request, operation: str, grantless: bool,
                   handler: Callable[[str, Any], dict[str, Any]]) -> JSONResponse:
        headers = {REQUEST_ID_HEADER: new_request_id()}
        try:
            who = caller(request.headers.get(ACCESS_TOKEN_HEADER), grantless)
            fault = state.faults.take(operation, None if who == APPLICATION else who)
            if fault.latency_seconds:
                await asyncio.sleep(fault.latency_seconds)
            if fault.status is not None:
                raise errors.for_status(fault.status)
            if not state.rate_limiter.try_acquire(who, operation):
                raise errors.quota_exceeded()
            body: Any = None
            if request.method == "POST":
                raw = await request.body()
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    raise errors.invalid_input("The request body is not valid JSON.") from None
            answer = handler(who, body)
        except errors.ApiError as exc:
            if exc.rate_limit_header:
                headers[RATE_LIMIT_HEADER] = state.rate_limiter.header_value(operation)
            return JSONResponse(exc.body(), exc.status, headers=headers)
        headers[RATE_LIMIT_HEADER] = state.rate_limiter.header_value(operation)
        return JSONResponse(answer, headers=headers)

    @router.get(BASE + "/destinations")
    async def get_destinations(request: Request) -> JSONResponse:
        return await call(request, "getDestinations", True,
                          lambda _w, _b: {"payload": [d.body() for d in hub.destinations.values()]})

    @router.post(BASE + "/destinations")
    async def create_destination(request: Request) -> JSONResponse:
        return await call(request, "createDestination", True,
                          lambda _w, body: {"payload": hub.create_destination(body).body()})

    @router.get(BASE + "/destinations/{destination_id}")
    async def get_destination(destination_id: str, request: Request) -> JSONResponse:
        return await call(request, "getDestination", True,
                          lambda _w, _b: {"payload": hub.get_destination(destination_id).body()})

    @router.delete(BASE + "/destinations/{destination_id}")
    async def delete_destination(destination_id: str, request: Request) -> JSONResponse:
        def handler(_w: str, _b: Any) -> dict[str, Any]:
            hub.delete_destination(destination_id)
            return {}

        return await call(request, "deleteDestination", True, handler)

    @router.get(BASE + "/subscriptions")
    async def get_subscriptions(request: Request) -> JSONResponse:
        types = [t for v in request.query_params.getlist("notificationTypes") for t in v.split(",") if t]

        def handler(seller_id: str, _b: Any) -> dict[str, Any]:
            subs = [s for s in hub.subscriptions_of(seller_id) if not types or s.notification_type in types]
            return {"payload": {"subscriptions": [s.body() for s in subs]}}

        return await call(request, "getSubscriptions", False, handler)

    @router.get(BASE + "/subscriptions/{notification_type}")
    async def get_subscription(notification_type: str, request: Request) -> JSONResponse:
        version = request.query_params.get("payloadVersion")
        return await call(request, "getSubscription", False, lambda seller_id, _b: {
            "payload": hub.get_subscription(seller_id, notification_type, version).body()})

    @router.post(BASE + "/subscriptions/{notification_type}")
    async def create_subscription(notification_type: str, request: Request) -> JSONResponse:
        return await call(request, "createSubscription", False, lambda seller_id, body: {
            "payload": hub.create_subscription(seller_id, notification_type, body).body()})

    @router.get(BASE + "/subscriptions/{notification_type}/{subscription_id}")
    async def get_subscription_by_id(notification_type: str, subscription_id: str,
                                     request: Request) -> JSONResponse:
        return await call(request, "getSubscriptionById", True, lambda _w, _b: {
            "payload": hub.get_subscription_by_id(notification_type, subscription_id).body()})

    @router.delete(BASE + "/subscriptions/{notification_type}/{subscription_id}")
    async def delete_subscription_by_id(notification_type: str, subscription_id: str,
                                        request: Request) -> JSONResponse:
        def handler(_w: str, _b: Any) -> dict[str, Any]:
            hub.delete_subscription_by_id(notification_type, subscription_id)
            return {}

        return await call(request, "deleteSubscriptionById", True, handler)

    return router
