"""Feeds API v2021-06-30 as Amazon runs it, for ``POST_ORDER_ACKNOWLEDGEMENT_DATA`` (seller
cancellations): documents to upload, feeds that process them, processing reports to download.

* ``createFeedDocument`` gives a document id and a presigned URL; the contents are PUT there.
* ``createFeed`` takes the uploaded document; the feed is ``IN_QUEUE``, then ``IN_PROGRESS`` and
  ``DONE`` with a ``resultFeedDocumentId`` (each ``getFeed`` moves it one step, so clients poll).
* Processing: each ``OrderAcknowledgement`` with ``StatusCode`` Failure cancels an Unshipped or
  Pending order (reason: its items' ``CancelReason``); a shipped or partially shipped order is
  refused (error 18028 in the report), as is an order the seller does not have. ``Success`` only
  acknowledges. A feed that is not XML, or not an acknowledgement feed, is ``FATAL``.
"""

from __future__ import annotations

import threading
import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - builds the report; uploads are read by defusedxml
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from defusedxml import ElementTree as SafeET

from sandbox.spapi.errors import invalid_input, not_found

ACKNOWLEDGEMENT_FEED = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
SUPPORTED_FEEDS = frozenset({ACKNOWLEDGEMENT_FEED})
CREATE_FEED_FIELDS = frozenset({"feedType", "marketplaceIds", "inputFeedDocumentId", "feedOptions"})
CREATE_FEED_REQUIRED = ("feedType", "marketplaceIds", "inputFeedDocumentId")
CREATE_DOCUMENT_FIELDS = frozenset({"contentType"})
CANCEL_REASONS = frozenset({
    "NoInventory", "ShippingAddressUndeliverable", "CustomerExchange", "BuyerCanceled", "GeneralAdjustment",
    "CarrierCreditDecision", "RiskAssessmentInformationNotValid", "CarrierCoverageFailure", "CustomerReturn",
    "MerchandiseNotReceived",
})
SHIPPED_CODE = "18028"
SHIPPED_MESSAGE = "The order cannot be canceled because it has already shipped."
# (seller, order id, reason) -> None when canceled, else why not
Canceller = Callable[[str, str, str], str | None]


@dataclass
class Document:
    document_id: str
    seller_id: str
    content_type: str
    content: bytes | None = None


@dataclass
class Feed:
    feed_id: str
    seller_id: str
    feed_type: str
    marketplace_ids: list[str]
    document_id: str
    created: datetime
    status: str = "IN_QUEUE"
    started: datetime | None = None
    ended: datetime | None = None
    result_document_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"feedId": self.feed_id, "feedType": self.feed_type,
                                "marketplaceIds": self.marketplace_ids, "createdTime": _iso(self.created),
                                "processingStatus": self.status}
        if self.started:
            body["processingStartTime"] = _iso(self.started)
        if self.ended:
            body["processingEndTime"] = _iso(self.ended)
        if self.result_document_id:
            body["resultFeedDocumentId"] = self.result_document_id
        return body


def _iso(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FeedBook:
    """Every document and feed of the sandbox (thread-safe)."""

    documents: dict[str, Document] = field(default_factory=dict)
    feeds: dict[str, Feed] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def create_document(self, seller_id: str, body: Any) -> Document:
        if not isinstance(body, dict):
            raise invalid_input("The request body must be a CreateFeedDocumentSpecification object.")
        _unknown(body, CREATE_DOCUMENT_FIELDS)
        content_type = body.get("contentType")
        if not isinstance(content_type, str) or not content_type:
            raise invalid_input("contentType is required.")
        document = Document(uuid.uuid4().hex, seller_id, content_type)
        with self.lock:
            self.documents[document.document_id] = document
        return document

    def upload(self, document_id: str, content: bytes) -> None:
        with self.lock:
            document = self.documents.get(document_id)
            if document is None:
                raise not_found(f"Feed document {document_id} not found.")
            document.content = content

    def create_feed(self, seller_id: str, body: Any, now: datetime) -> Feed:
        if not isinstance(body, dict):
            raise invalid_input("The request body must be a CreateFeedSpecification object.")
        _unknown(body, CREATE_FEED_FIELDS)
        for name in CREATE_FEED_REQUIRED:
            if name not in body:
                raise invalid_input(f"{name} is required.")
        feed_type, marketplaces, document_id = body["feedType"], body["marketplaceIds"], body["inputFeedDocumentId"]
        if not isinstance(feed_type, str) or feed_type not in SUPPORTED_FEEDS:
            raise invalid_input(f"Feed type {feed_type!r} is not supported by the sandbox.")
        if (not isinstance(marketplaces, list) or not 1 <= len(marketplaces) <= 25
                or not all(isinstance(m, str) for m in marketplaces)):
            raise invalid_input("marketplaceIds must be a list of 1 to 25 strings.")
        options = body.get("feedOptions", {})
        if not isinstance(options, dict) or not all(isinstance(v, str) for v in options.values()):
            raise invalid_input("feedOptions must map names to strings.")
        with self.lock:
            document = self.documents.get(document_id) if isinstance(document_id, str) else None
            if document is None or document.seller_id != seller_id:
                raise invalid_input(f"Feed document {document_id} not found.")
            if document.content is None:
                raise invalid_input(f"Feed document {document_id} has not been uploaded.")
            feed = Feed(uuid.uuid4().hex[:12], seller_id, feed_type, list(marketplaces), document_id, now)
            self.feeds[feed.feed_id] = feed
        return feed

    def advance(self, seller_id: str, feed_id: str, now: datetime, cancel: Canceller) -> Feed:
        """``getFeed``: the feed as it stands, moved one step on (processed on its way to DONE)."""
        with self.lock:
            feed = self.feeds.get(feed_id)
            if feed is None or feed.seller_id != seller_id:
                raise not_found(f"Feed {feed_id} not found.")
            if feed.status == "IN_QUEUE":
                feed.status, feed.started = "IN_PROGRESS", now
                return feed
            if feed.status != "IN_PROGRESS":
                return feed
            content = self.documents[feed.document_id].content or b""
        report = process(seller_id, feed.feed_id, content, cancel)
        with self.lock:
            feed.ended = now
            if report is None:
                feed.status = "FATAL"
                return feed
            result = Document(uuid.uuid4().hex, seller_id, "text/xml", report)
            self.documents[result.document_id] = result
            feed.status, feed.result_document_id = "DONE", result.document_id
            return feed

    def document(self, seller_id: str, document_id: str) -> Document:
        with self.lock:
            document = self.documents.get(document_id)
            if document is None or document.seller_id != seller_id:
                raise not_found(f"Feed document {document_id} not found.")
            return document

    def download(self, document_id: str) -> bytes:
        with self.lock:
            document = self.documents.get(document_id)
            if document is None or document.content is None:
                raise not_found(f"Feed document {document_id} not found.")
            return document.content


def _unknown(body: dict[str, Any], allowed: frozenset[str]) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise invalid_input(f"Unknown field {extra[0]}.")


def _text(node: ET.Element, tag: str) -> str:
    found = node.find(tag)
    return (found.text or "").strip() if found is not None else ""


def process(seller_id: str, feed_id: str, content: bytes, cancel: Canceller) -> bytes | None:
    """The processing report of an acknowledgement feed (None: the feed cannot be processed)."""
    try:
        root = SafeET.fromstring(content)
    except (SafeET.ParseError, ValueError):
        return None
    if root.tag != "AmazonEnvelope" or _text(root, "MessageType") != "OrderAcknowledgement":
        return None
    errors: list[tuple[str, str, str, str]] = []  # message id, code, description, order id
    messages = root.findall("Message")
    for message in messages:
        message_id = _text(message, "MessageID")
        ack = message.find("OrderAcknowledgement")
        order_id = _text(ack, "AmazonOrderID") if ack is not None else ""
        status = _text(ack, "StatusCode") if ack is not None else ""
        if ack is None or not order_id or status not in ("Success", "Failure"):
            errors.append((message_id, "5000", "The XML is not valid: OrderAcknowledgement needs AmazonOrderID "
                                               "and StatusCode Success or Failure.", order_id))
            continue
        if status == "Success":
            continue
        reasons = {_text(item, "CancelReason") for item in ack.findall("Item")} - {""}
        reason = next(iter(sorted(reasons)), "GeneralAdjustment")
        if not reasons <= CANCEL_REASONS:
            errors.append((message_id, "5000", f"CancelReason {sorted(reasons - CANCEL_REASONS)[0]!r} is not "
                                               "one of Amazon's cancel reasons.", order_id))
            continue
        refusal = cancel(seller_id, order_id, reason)
        if refusal is not None:
            code = SHIPPED_CODE if refusal == SHIPPED_MESSAGE else "18030"
            errors.append((message_id, code, refusal, order_id))
    return _report(seller_id, feed_id, len(messages), errors)


def _report(seller_id: str, feed_id: str, processed: int, errors: list[tuple[str, str, str, str]]) -> bytes:
    envelope = ET.Element("AmazonEnvelope")
    header = ET.SubElement(envelope, "Header")
    ET.SubElement(header, "DocumentVersion").text = "1.02"
    ET.SubElement(header, "MerchantIdentifier").text = seller_id
    ET.SubElement(envelope, "MessageType").text = "ProcessingReport"
    message = ET.SubElement(envelope, "Message")
    ET.SubElement(message, "MessageID").text = "1"
    report = ET.SubElement(message, "ProcessingReport")
    ET.SubElement(report, "DocumentTransactionID").text = feed_id
    ET.SubElement(report, "StatusCode").text = "Complete"
    summary = ET.SubElement(report, "ProcessingSummary")
    failed = len({message_id for message_id, *_ in errors})
    for tag, value in (("MessagesProcessed", processed), ("MessagesSuccessful", processed - failed),
                       ("MessagesWithError", failed), ("MessagesWithWarning", 0)):
        ET.SubElement(summary, tag).text = str(value)
    for message_id, code, description, order_id in errors:
        result = ET.SubElement(report, "Result")
        ET.SubElement(result, "MessageID").text = message_id
        ET.SubElement(result, "ResultCode").text = "Error"
        ET.SubElement(result, "ResultMessageCode").text = code
        ET.SubElement(result, "ResultDescription").text = description
        if order_id:
            ET.SubElement(ET.SubElement(result, "AdditionalInfo"), "AmazonOrderID").text = order_id
    return bytes(ET.tostring(envelope, encoding="UTF-8", xml_declaration=True))
