from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from schemas.types import AmazonStatus, FulfillmentChannel
from services.poller.mapping import KNOWN_PROGRAMS, MalformedOrder, UnknownValue, map_order
from tests.poller.factory import contract_example, raw_item, raw_order, with_changes

STATUSES = {
    "PENDING_AVAILABILITY": AmazonStatus.PENDING_AVAILABILITY,
    "PENDING": AmazonStatus.PENDING,
    "UNSHIPPED": AmazonStatus.UNSHIPPED,
    "PARTIALLY_SHIPPED": AmazonStatus.PARTIALLY_SHIPPED,
    "SHIPPED": AmazonStatus.SHIPPED,
    "CANCELLED": AmazonStatus.CANCELED,
    "UNFULFILLABLE": AmazonStatus.UNFULFILLABLE,
}


def test_contract_example_maps_every_field_we_keep() -> None:
    order = map_order(contract_example())
    assert order.amazon_order_id == "123-4567890-1234567"
    assert order.marketplace_id == "ATVPDKIKX0DER"
    assert order.status is AmazonStatus.SHIPPED
    assert order.fulfillment_channel is FulfillmentChannel.MERCHANT
    assert order.purchase_date == datetime(2024, 12, 25, 10, 30, tzinfo=UTC)
    assert order.last_updated == datetime(2024, 12, 25, 14, 45, tzinfo=UTC)
    assert order.latest_ship_date == datetime(2024, 12, 27, 23, 59, 59, tzinfo=UTC)
    assert (order.is_prime, order.is_business, order.is_premium) == (True, True, False)
    assert order.order_total is not None and order.order_total.amount == Decimal("154.99")
    assert order.order_total.currency == "USD"
    assert order.buyer_name == "John Smith"
    assert order.buyer_email == "buyer-email@marketplace.amazon.com"
    assert order.ship_to is not None
    assert order.ship_to.lines == ("123 Main Street", "Suite 456")
    assert order.ship_to.city == "Seattle" and order.ship_to.region == "WA"
    item = order.items[0]
    assert item.sku == "ECHO-DOT-4-CHARCOAL"
    assert (item.quantity_ordered, item.quantity_shipped) == (2, 2)
    assert item.unit_price is not None and item.unit_price.amount == Decimal("49.99")
    assert item.buyer_cancel_requested is True


def test_phone_never_leaves_the_mapping() -> None:
    order = map_order(contract_example())
    dumped = order.model_dump_json()
    assert "555-123-4567" not in dumped
    assert "phone" not in dumped


@pytest.mark.parametrize("raw,expected", list(STATUSES.items()))
def test_every_status(raw: str, expected: AmazonStatus) -> None:
    assert map_order(raw_order(status=raw)).status is expected


@pytest.mark.parametrize("channel", ["MERCHANT", "AMAZON"])
def test_fulfillment_channels(channel: str) -> None:
    assert map_order(raw_order(fulfilled_by=channel)).fulfillment_channel.value == channel


@pytest.mark.parametrize(
    "programs,flags",
    [
        ((), (False, False, False)),
        (("PRIME",), (True, False, False)),
        (("AMAZON_BUSINESS",), (False, True, False)),
        (("PREMIUM",), (False, False, True)),
        (("PRIME", "AMAZON_BUSINESS", "PREMIUM", "PREORDER"), (True, True, True)),
    ],
)
def test_programs(programs: tuple[str, ...], flags: tuple[bool, bool, bool]) -> None:
    o = map_order(raw_order(programs=programs))
    assert (o.is_prime, o.is_business, o.is_premium) == flags


def test_every_documented_program_is_accepted() -> None:
    assert map_order(raw_order(programs=tuple(sorted(KNOWN_PROGRAMS)))).is_prime


def test_quantities_money_and_shipping_total() -> None:
    o = map_order(
        raw_order(
            items=[
                raw_item("1", "A", ordered=3, fulfilled=1, price="9.99"),
                raw_item("2", "B", ordered=1, fulfilled=0, cancel_requested=True),
            ]
        )
    )
    assert o.items_shipped == 1 and o.items_unshipped == 3
    assert o.items[0].unit_price is not None and o.items[0].unit_price.amount == Decimal("9.99")
    assert o.shipping_total is not None and o.shipping_total.amount == Decimal("4.99")
    assert o.buyer_cancel_requested and not o.items[0].buyer_cancel_requested


def test_pending_order_without_prices_or_address() -> None:
    raw = raw_order(status="PENDING")
    del raw["proceeds"], raw["recipient"], raw["buyer"]
    del raw["orderItems"][0]["product"]["price"], raw["orderItems"][0]["fulfillment"]
    o = map_order(raw)
    assert o.order_total is None and o.ship_to is None and o.buyer_name is None
    assert o.items[0].unit_price is None and o.items[0].quantity_shipped == 0


@pytest.mark.parametrize("status", ["CANCELED", "INVOICE_UNCONFIRMED", "Shipped", "LOST"])
def test_unknown_status(status: str) -> None:
    with pytest.raises(UnknownValue) as err:
        map_order(raw_order("111-1", status=status))
    assert err.value.order_id == "111-1" and err.value.reason == "unknown_value"


def test_unknown_program_and_channel() -> None:
    with pytest.raises(UnknownValue):
        map_order(raw_order(programs=("PRIME", "SUPER_PRIME")))
    with pytest.raises(UnknownValue):
        map_order(raw_order(fulfilled_by="PARTNER"))


BASE = raw_order("111-2")


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        "order",
        {k: v for k, v in BASE.items() if k != "orderId"},
        {k: v for k, v in BASE.items() if k != "lastUpdatedTime"},
        {k: v for k, v in BASE.items() if k != "orderItems"},
        {k: v for k, v in BASE.items() if k != "fulfillment"},
        {k: v for k, v in BASE.items() if k != "salesChannel"},
        with_changes(BASE, createdTime="yesterday"),
        with_changes(BASE, proceeds__grandTotal={"amount": "12,50", "currencyCode": "USD"}),
        with_changes(BASE, proceeds__grandTotal={"amount": "NaN", "currencyCode": "USD"}),
        with_changes(BASE, proceeds__grandTotal={"amount": "1.00"}),
        with_changes(BASE, orderItems__0__quantityOrdered=-1),
        with_changes(BASE, orderItems__0__quantityOrdered="2"),
        with_changes(BASE, orderItems__0__product={"asin": "B0"}),
        with_changes(BASE, orderItems__0="item"),
        with_changes(BASE, fulfillment__fulfillmentStatus=None),
        with_changes(BASE, fulfillment__fulfilledBy=None),
        with_changes(BASE, programs="PRIME"),
        with_changes(BASE, buyer="Jane"),
    ],
)
def test_malformed(raw: object) -> None:
    with pytest.raises(MalformedOrder):
        map_order(raw)


def test_malformed_keeps_the_order_id_when_there_is_one() -> None:
    with pytest.raises(MalformedOrder) as err:
        map_order(with_changes(BASE, createdTime="yesterday"))
    assert err.value.order_id == "111-2"
