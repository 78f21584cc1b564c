"""Seller cancellations as Amazon takes them (pure): the ``POST_ORDER_ACKNOWLEDGEMENT_DATA`` feed
(one ``OrderAcknowledgement`` with ``StatusCode`` Failure per order, its items with Amazon's
``CancelReason``) and what its processing report says of each order.

Amazon's XML: ``amzn-envelope.xsd`` with ``OrderAcknowledgement.xsd`` (Seller Central feed XSDs);
the report is a ``ProcessingReport`` message whose ``Result`` entries name the failed messages."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - builds our own XML; what Amazon sends is read by defusedxml
from collections.abc import Sequence
from dataclasses import dataclass

from defusedxml import ElementTree as SafeET

ACKNOWLEDGEMENT_FEED = "POST_ORDER_ACKNOWLEDGEMENT_DATA"
CONTENT_TYPE = "text/xml; charset=UTF-8"


@dataclass(frozen=True)
class Cancellation:
    """One order to cancel: every item (``item_ids``; empty: the whole order) with one reason."""

    amazon_order_id: str
    reason: str
    item_ids: tuple[str, ...] = ()


def acknowledgement_feed(merchant_identifier: str, cancellations: Sequence[Cancellation]) -> bytes:
    """The feed document: message ``i`` (from 1) is ``cancellations[i - 1]``."""
    if not cancellations:
        raise ValueError("a feed needs at least one order")
    envelope = ET.Element("AmazonEnvelope", {"xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                                             "xsi:noNamespaceSchemaLocation": "amzn-envelope.xsd"})
    header = ET.SubElement(envelope, "Header")
    ET.SubElement(header, "DocumentVersion").text = "1.01"
    ET.SubElement(header, "MerchantIdentifier").text = merchant_identifier
    ET.SubElement(envelope, "MessageType").text = "OrderAcknowledgement"
    for number, cancellation in enumerate(cancellations, 1):
        message = ET.SubElement(envelope, "Message")
        ET.SubElement(message, "MessageID").text = str(number)
        ack = ET.SubElement(message, "OrderAcknowledgement")
        ET.SubElement(ack, "AmazonOrderID").text = cancellation.amazon_order_id
        ET.SubElement(ack, "StatusCode").text = "Failure"
        for item_id in cancellation.item_ids:
            item = ET.SubElement(ack, "Item")
            ET.SubElement(item, "AmazonOrderItemCode").text = item_id
            ET.SubElement(item, "CancelReason").text = cancellation.reason
    return bytes(ET.tostring(envelope, encoding="UTF-8", xml_declaration=True))


@dataclass(frozen=True)
class ReportResult:
    """What the processing report says of one message: accepted (no error), or Amazon's reason."""

    message_id: int
    amazon_order_id: str
    error: str | None


class BadReport(ValueError):
    """A processing report that cannot be read."""


def _text(node: ET.Element | None, tag: str) -> str:
    found = node.find(tag) if node is not None else None
    return (found.text or "").strip() if found is not None else ""


def read_report(raw: bytes, cancellations: Sequence[Cancellation]) -> list[ReportResult]:
    """Each sent order's result: an ``Error`` result for its message is a refusal (its description
    the reason); a message the report does not name was processed successfully. Warnings pass."""
    return read_report_messages(raw, [(n, c.amazon_order_id) for n, c in enumerate(cancellations, 1)])


def read_report_messages(raw: bytes, messages: Sequence[tuple[int, str]]) -> list[ReportResult]:
    """``read_report`` for some messages of a feed: (message id, Amazon order id) each."""
    try:
        root = SafeET.fromstring(raw)
    except (SafeET.ParseError, ValueError) as exc:
        raise BadReport(f"the processing report is not XML: {exc}") from exc
    report = root.find("Message/ProcessingReport")
    if report is None:
        raise BadReport("the document holds no ProcessingReport")
    errors: dict[int, str] = {}
    for result in report.findall("Result"):
        if _text(result, "ResultCode").lower() != "error":
            continue
        try:
            message_id = int(_text(result, "MessageID"))
        except ValueError:
            raise BadReport("a Result names no MessageID") from None
        code = _text(result, "ResultMessageCode")
        description = _text(result, "ResultDescription") or f"error {code or 'without a description'}"
        errors[message_id] = errors.get(message_id) or description
    if _text(report, "StatusCode") != "Complete" and not errors:
        raise BadReport(f"the report's status is {_text(report, 'StatusCode') or 'missing'}, not Complete")
    return [ReportResult(number, order_id, errors.get(number)) for number, order_id in messages]
