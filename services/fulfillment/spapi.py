"""The SP-API write side: ``confirmShipment`` (Orders API v0) and the Feeds API v2021-06-30 (seller
cancellations) on the poller's HTTP client, LWA tokens, token buckets (``DEFAULT_RATES``) and
backoff: one retry loop, ``HttpOrdersClient._call``."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from urllib.parse import quote

import httpx

from schemas.events.fulfillment import AmazonPackage
from schemas.types import StoreConfig
from services.poller.spapi.http import HttpOrdersClient, _json
from services.poller.spapi.port import SpApiError

CONFIRM_SHIPMENT = "confirmShipment"
CONFIRM_PATH = "/orders/v0/orders/{order_id}/shipmentConfirmation"
FEEDS_PATH = "/feeds/2021-06-30"
FINISHED = frozenset({"DONE", "FATAL", "CANCELLED"})


@dataclass(frozen=True)
class FeedStatus:
    """``getFeed``: where a feed stands, and its processing report's document once DONE."""

    feed_id: str
    status: str  # IN_QUEUE | IN_PROGRESS | DONE | FATAL | CANCELLED
    result_document_id: str | None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


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
    """``get_order`` (inherited) to read what Amazon holds, ``confirm_shipment`` to send a package,
    ``send_feed`` / ``feed`` / ``feed_report`` for a feed's flow."""

    async def confirm_shipment(self, store: StoreConfig, order_id: str, body: dict[str, Any]) -> None:
        """Send one package; retries 429/5xx and transport errors (the same packageReferenceId is an
        edit, so a retry never adds a package). Raises ``ConfirmRefused`` on 400/404, ``Throttled``
        or ``SpApiError`` when retries are exhausted."""
        path = CONFIRM_PATH.format(order_id=quote(order_id, safe=""))
        await self._call(store, CONFIRM_SHIPMENT, path, {}, json_body=body, refused=_refusal(store))

    async def send_feed(self, store: StoreConfig, feed_type: str, content: bytes, content_type: str) -> str:
        """``createFeedDocument``, upload to its presigned URL, ``createFeed``: the feed's id."""
        created = _json(await self._call(store, "createFeedDocument", f"{FEEDS_PATH}/documents", {},
                                         json_body={"contentType": content_type}))
        document_id, url = created.get("feedDocumentId"), created.get("url")
        if not isinstance(document_id, str) or not isinstance(url, str):
            raise SpApiError("createFeedDocument answer has no feedDocumentId and url", 201)
        try:  # a presigned URL: no SP-API token, no SP-API rate limit
            upload = await self._http.put(url, content=content, headers={"content-type": content_type})
        except httpx.HTTPError as exc:
            raise SpApiError(f"feed upload failed: {type(exc).__name__}", None) from exc
        if upload.status_code >= 300:
            raise SpApiError(f"feed upload answered HTTP {upload.status_code}", upload.status_code)
        made = _json(await self._call(store, "createFeed", f"{FEEDS_PATH}/feeds", {}, json_body={
            "feedType": feed_type, "marketplaceIds": [store.marketplace_id], "inputFeedDocumentId": document_id}))
        feed_id = made.get("feedId")
        if not isinstance(feed_id, str):
            raise SpApiError("createFeed answer has no feedId", 202)
        return feed_id

    async def feed(self, store: StoreConfig, feed_id: str) -> FeedStatus:
        body = _json(await self._call(store, "getFeed", f"{FEEDS_PATH}/feeds/{quote(feed_id, safe='')}", {}))
        result = body.get("resultFeedDocumentId")
        return FeedStatus(feed_id, str(body.get("processingStatus") or "UNKNOWN"),
                          result if isinstance(result, str) else None)

    async def feed_report(self, store: StoreConfig, document_id: str) -> bytes:
        """``getFeedDocument`` and the download of its presigned URL (gunzipped when Amazon says GZIP)."""
        document = _json(await self._call(store, "getFeedDocument",
                                          f"{FEEDS_PATH}/documents/{quote(document_id, safe='')}", {}))
        url = document.get("url")
        if not isinstance(url, str):
            raise SpApiError("getFeedDocument answer has no url", 200)
        try:
            resp = await self._http.get(url)
        except httpx.HTTPError as exc:
            raise SpApiError(f"report download failed: {type(exc).__name__}", None) from exc
        if resp.status_code >= 300:
            raise SpApiError(f"report download answered HTTP {resp.status_code}", resp.status_code)
        return gzip.decompress(resp.content) if document.get("compressionAlgorithm") == "GZIP" else resp.content


def _refusal(store: StoreConfig) -> Callable[[httpx.Response], SpApiError]:
    def refused(resp: httpx.Response) -> SpApiError:
        code, message, details = _errors(resp)
        return ConfirmRefused(f"confirmShipment for store {store.store_id}: HTTP {resp.status_code} "
                              f"{code or ''} {message}".rstrip(), resp.status_code, code, message, details)

    return refused
