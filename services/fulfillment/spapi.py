"""The SP-API write side: ``confirmShipment`` (Orders API v0) on the poller's HTTP client, LWA
tokens, token buckets and backoff.

``HttpOrdersClient._call`` only sends GETs, and the poller's rate table does not know
``confirmShipment``; this module adds both without changing the poller (a generalised ``_call``
and a ``DEFAULT_RATES`` entry there would make the subclass below a few lines)."""

from __future__ import annotations

import asyncio
from datetime import UTC
from typing import Any
from urllib.parse import quote

import httpx

from schemas.events.fulfillment import AmazonPackage
from schemas.types import StoreConfig
from services.common.logging import get_logger
from services.poller.ratelimit import RateLimits, TokenBucket
from services.poller.spapi.http import RETRY_STATUSES, USER_AGENT, HttpOrdersClient
from services.poller.spapi.port import SpApiError, Throttled

log = get_logger(__name__)
CONFIRM_SHIPMENT = "confirmShipment"
CONFIRM_RATE = (2.0, 10)  # Amazon's usage plan: 2 requests/s, burst 10, per selling partner
CONFIRM_PATH = "/orders/v0/orders/{order_id}/shipmentConfirmation"


class ConfirmRefused(SpApiError):
    """Amazon answered 400/404: the request will not pass as it is (``message`` is Amazon's)."""

    def __init__(self, message: str, status: int, code: str | None, amazon_message: str, details: str) -> None:
        super().__init__(message, status, code)
        self.amazon_message = amazon_message
        self.details = details

    @property
    def already_fulfilled(self) -> bool:
        text = f"{self.amazon_message} {self.details}".lower()
        return "packagetoupdatenotfound" in text or "already" in text and "fulfilled" in text


class FulfillmentRateLimits(RateLimits):
    """The poller's buckets, knowing ``confirmShipment``'s plan too."""

    def bucket(self, store_id: str, operation: str) -> TokenBucket:
        if operation == CONFIRM_SHIPMENT and (store_id, operation) not in self._buckets:
            rate, burst = CONFIRM_RATE
            self._buckets[(store_id, operation)] = TokenBucket(rate * self.rate_scale, burst, self._clock)
        return super().bucket(store_id, operation)


def confirm_request(marketplace_id: str, package: AmazonPackage) -> dict[str, Any]:
    """The ``ConfirmShipmentRequest`` body: only fields of the model, required ones always present."""
    detail: dict[str, Any] = {
        "packageReferenceId": package.package_reference_id,
        "carrierCode": package.carrier_code,
        "trackingNumber": package.tracking_number,
        "shipDate": package.ship_date.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "orderItems": [{"orderItemId": i.amazon_order_item_id, "quantity": i.quantity} for i in package.items],
    }
    if package.carrier_name:
        detail["carrierName"] = package.carrier_name
    if package.shipping_method:
        detail["shippingMethod"] = package.shipping_method
    if not package.package_reference_id.isdigit() or not package.items or not package.tracking_number:
        raise ValueError("a package needs a numeric packageReferenceId, items and a tracking number")
    return {"marketplaceId": marketplace_id, "packageDetail": detail}


def _errors(resp: httpx.Response) -> tuple[str | None, str, str]:
    try:
        first = resp.json()["errors"][0]
        return str(first.get("code") or "") or None, str(first.get("message") or ""), str(first.get("details") or "")
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        return None, "", ""


class ShipmentsClient(HttpOrdersClient):
    """``get_order`` (inherited) to read what Amazon holds, ``confirm_shipment`` to send a package."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("limits", FulfillmentRateLimits())
        super().__init__(**kwargs)

    async def confirm_shipment(self, store: StoreConfig, order_id: str, body: dict[str, Any]) -> None:
        """Send one package; retries 429/5xx and transport errors (the same packageReferenceId is an
        edit, so a retry never adds a package). Raises ``ConfirmRefused`` on 400/404, ``Throttled``
        or ``SpApiError`` when retries are exhausted."""
        bucket = self.limits.bucket(store.store_id, CONFIRM_SHIPMENT)
        url = store.spapi_endpoint.rstrip("/") + CONFIRM_PATH.format(order_id=quote(order_id, safe=""))
        reauthed = False
        attempt = 0
        while True:
            await bucket.acquire()
            token = await self.lwa.access_token(store)
            headers = {"x-amz-access-token": token, "user-agent": USER_AGENT, "accept": "application/json",
                       "content-type": "application/json",
                       "x-amz-date": self._clock().strftime("%Y%m%dT%H%M%SZ")}
            status: int | None = None
            try:
                async with self._in_flight:
                    resp = await self._http.post(url, json=body, headers=headers)
            except httpx.HTTPError as exc:
                failure = type(exc).__name__
            else:
                status = resp.status_code
                if status in (200, 204):
                    self.limits.observe_limit(store.store_id, CONFIRM_SHIPMENT,
                                              resp.headers.get("x-amzn-ratelimit-limit"))
                    return
                if status == 429:
                    bucket.drain()
                if status in (401, 403) and not reauthed:
                    reauthed = True
                    self.lwa.invalidate(store)
                    continue
                if status not in RETRY_STATUSES:
                    code, message, details = _errors(resp)
                    raise ConfirmRefused(f"confirmShipment for store {store.store_id}: HTTP {status} "
                                         f"{code or ''} {message}".rstrip(), status, code, message, details)
                failure = f"HTTP {status}"
            if attempt + 1 >= self.backoff.max_attempts:
                cls = Throttled if status == 429 else SpApiError
                raise cls(f"confirmShipment for store {store.store_id}: {failure} after {attempt + 1} attempts",
                          status)
            delay = self.backoff.delay(attempt)
            log.info("spapi_retry", store=store.store_id, operation=CONFIRM_SHIPMENT, failure=failure,
                     attempt=attempt + 1, delay_s=round(delay, 2))
            await asyncio.sleep(delay)
            attempt += 1
