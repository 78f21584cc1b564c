"""The SP-API write side: ``confirmShipment`` (Orders API v0) on the poller's HTTP client, LWA
tokens, token buckets (``DEFAULT_RATES``) and backoff: one retry loop, ``HttpOrdersClient._call``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any
from urllib.parse import quote

import httpx

from schemas.events.fulfillment import AmazonPackage
from schemas.types import StoreConfig
from services.poller.spapi.http import HttpOrdersClient
from services.poller.spapi.port import SpApiError

CONFIRM_SHIPMENT = "confirmShipment"
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

    async def confirm_shipment(self, store: StoreConfig, order_id: str, body: dict[str, Any]) -> None:
        """Send one package; retries 429/5xx and transport errors (the same packageReferenceId is an
        edit, so a retry never adds a package). Raises ``ConfirmRefused`` on 400/404, ``Throttled``
        or ``SpApiError`` when retries are exhausted."""
        path = CONFIRM_PATH.format(order_id=quote(order_id, safe=""))
        await self._call(store, CONFIRM_SHIPMENT, path, {}, json_body=body, refused=_refusal(store))


def _refusal(store: StoreConfig) -> Callable[[httpx.Response], SpApiError]:
    def refused(resp: httpx.Response) -> SpApiError:
        code, message, details = _errors(resp)
        return ConfirmRefused(f"confirmShipment for store {store.store_id}: HTTP {resp.status_code} "
                              f"{code or ''} {message}".rstrip(), resp.status_code, code, message, details)

    return refused
