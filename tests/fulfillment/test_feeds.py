"""The acknowledgement feed and its processing report (services/fulfillment/feeds.py), pure."""

from __future__ import annotations

import pytest
from defusedxml import ElementTree

from services.fulfillment.feeds import BadReport, Cancellation, acknowledgement_feed, read_report

SENT = [Cancellation("111-1", "NoInventory", ("A1", "A2")), Cancellation("111-2", "BuyerCanceled")]


def test_each_order_is_one_failure_acknowledgement_with_its_items_reason() -> None:
    root = ElementTree.fromstring(acknowledgement_feed("SELLER1", SENT))
    assert root.tag == "AmazonEnvelope" and root.findtext("Header/MerchantIdentifier") == "SELLER1"
    assert root.findtext("MessageType") == "OrderAcknowledgement"
    messages = root.findall("Message")
    assert [m.findtext("MessageID") for m in messages] == ["1", "2"]
    first = messages[0].find("OrderAcknowledgement")
    assert first is not None
    assert (first.findtext("AmazonOrderID"), first.findtext("StatusCode")) == ("111-1", "Failure")
    assert [(i.findtext("AmazonOrderItemCode"), i.findtext("CancelReason")) for i in first.findall("Item")] == [
        ("A1", "NoInventory"), ("A2", "NoInventory")]
    assert messages[1].findall("OrderAcknowledgement/Item") == []


def test_a_feed_needs_an_order() -> None:
    with pytest.raises(ValueError):
        acknowledgement_feed("SELLER1", [])


def report(*results: str, status: str = "Complete") -> bytes:
    return (f"<?xml version='1.0'?><AmazonEnvelope><MessageType>ProcessingReport</MessageType><Message>"
            f"<MessageID>1</MessageID><ProcessingReport><DocumentTransactionID>9</DocumentTransactionID>"
            f"<StatusCode>{status}</StatusCode>{''.join(results)}</ProcessingReport></Message></AmazonEnvelope>"
            ).encode()


def result(message_id: str, code: str, description: str = "") -> str:
    return (f"<Result><MessageID>{message_id}</MessageID><ResultCode>{code}</ResultCode>"
            f"<ResultMessageCode>18028</ResultMessageCode><ResultDescription>{description}</ResultDescription></Result>")


def test_errors_name_their_message_and_unnamed_messages_passed() -> None:
    results = read_report(report(result("2", "Error", "already shipped"), result("1", "Warning", "odd")), SENT)
    assert [(r.amazon_order_id, r.error) for r in results] == [("111-1", None), ("111-2", "already shipped")]


def test_an_error_without_a_description_still_gives_a_reason() -> None:
    [first, _] = read_report(report(result("1", "Error")), SENT)
    assert first.error == "error 18028"


@pytest.mark.parametrize("raw", [b"not xml", b"<AmazonEnvelope/>", report(status="Processing"),
                                 report(result("x", "Error", "bad"))])
def test_unreadable_reports_are_refused(raw: bytes) -> None:
    with pytest.raises(BadReport):
        read_report(raw, SENT)


def test_entities_are_not_expanded() -> None:
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><AmazonEnvelope>&a;</AmazonEnvelope>'
    with pytest.raises(BadReport):
        read_report(bomb, SENT)
