from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from prometheus_client import REGISTRY
from structlog.testing import capture_logs

from schemas.events.poller import DetailedAmazonOrder
from schemas.types import AmazonOrder, AmazonStatus, FulfillmentChannel
from services.poller.mapping import KNOWN_PROGRAMS, KNOWN_VALUES, MalformedOrder, UnknownValue, map_order
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


def test_the_phone_is_carried_only_as_the_delivery_phone() -> None:
    # Issue 17: the phone is carried for the Magento address (SPEC §84: kept encrypted, never
    # logged); it stays out of the address itself and out of the v1/v2 order model.
    order = map_order(contract_example())
    assert order.delivery_phone == "555-123-4567"
    assert order.ship_to is not None and "555-123-4567" not in order.ship_to.model_dump_json()
    dumped = AmazonOrder.model_validate(order.model_dump()).model_dump_json()
    assert "555-123-4567" not in dumped and "phone" not in dumped


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


def test_unknown_program_and_channel_are_kept_as_sent() -> None:
    seen: list[tuple[str, str, str | None]] = []
    o = map_order(raw_order("111-9", programs=("PRIME", "SUPER_PRIME")), on_unknown=lambda *a: seen.append(a))
    assert o.is_prime and o.programs == ("PRIME", "SUPER_PRIME")
    assert seen == [("programs", "SUPER_PRIME", "111-9")]
    seen.clear()
    o = map_order(raw_order("111-9", fulfilled_by="PARTNER"), on_unknown=lambda *a: seen.append(a))
    assert o.fulfillment_channel is FulfillmentChannel.MERCHANT and o.fulfilled_by == "PARTNER"
    assert seen == [("fulfillment.fulfilledBy", "PARTNER", "111-9")]


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
        with_changes(BASE, orderItems__0="item"),
        with_changes(BASE, fulfillment__fulfillmentStatus=None),
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


# --- tolerant reader (issue 17) ------------------------------------------------------------------


def _unknowns(raw: object, **kw: object) -> tuple[object, list[tuple[str, str, str | None]]]:
    seen: list[tuple[str, str, str | None]] = []
    return map_order(raw, on_unknown=lambda *a: seen.append(a), **kw), seen  # type: ignore[arg-type]


def test_optional_fields_the_old_mapping_required_are_optional() -> None:
    raw = raw_order("111-4")
    del raw["fulfillment"]["fulfilledBy"], raw["salesChannel"]["marketplaceId"]
    del raw["orderItems"][0]["product"]["sellerSku"]
    o, seen = _unknowns(raw)
    assert isinstance(o, DetailedAmazonOrder) and not seen
    assert o.fulfillment_channel is FulfillmentChannel.MERCHANT and o.fulfilled_by is None
    assert o.marketplace_id == "" and o.items[0].sku == "" and o.items[0].asin == "B000000001"
    assert map_order(raw, marketplace_id="A1F83G8C2ARO7P").marketplace_id == "A1F83G8C2ARO7P"
    assert map_order(raw_order(), marketplace_id="A1F83G8C2ARO7P").marketplace_id == "ATVPDKIKX0DER"


def test_unknown_values_of_every_open_string_field_are_kept_and_reported() -> None:
    raw = with_changes(
        raw_order("111-5", programs=("PRIME", "NEW_PROGRAM")),
        salesChannel__channelName="NEW_CHANNEL",
        fulfillment__fulfilledBy="AMAZON",
        fulfillment__fulfillmentServiceLevel="HYPERSONIC",
        proceeds__breakdowns__1__type="NEW_FEE",
        recipient__deliveryAddress__addressType="LOCKER",
    )
    raw["orderItems"][0]["programs"] = ["NEW_ITEM_PROGRAM"]
    raw["orderItems"][0]["cancellation"] = {"cancellationRequest": {"requester": "CARRIER"}}
    raw["orderItems"][0]["proceeds"] = {"breakdowns": [
        {"type": "NEW_ITEM_FEE", "subtotal": {"amount": "1.00", "currencyCode": "USD"},
         "detailedBreakdowns": [{"subtype": "NEW_SUBTYPE", "value": {"amount": "1.00", "currencyCode": "USD"}}]}]}
    raw["tax"] = {"taxRegistrations": [{"entityType": "CARRIER", "taxRegistrationType": "GST",
                                        "taxRegistrationAttributes": [{"key": "NEW_KEY", "value": "v"}]}],
                  "taxInvoicing": {"buyerInvoicePreference": "GOVERNMENT"}}
    o, seen = _unknowns(raw)
    assert isinstance(o, DetailedAmazonOrder)
    assert o.programs == ("PRIME", "NEW_PROGRAM") and o.is_prime
    assert o.fulfillment_channel is FulfillmentChannel.AMAZON
    assert (o.sales_channel, o.fulfillment_service_level) == ("NEW_CHANNEL", "HYPERSONIC")
    assert o.shipping_total is None and [p.type for p in o.proceeds] == ["ITEM", "NEW_FEE"]
    assert o.ship_to is not None and o.ship_to.address_type == "LOCKER"
    item = o.items[0]
    assert item.programs == ("NEW_ITEM_PROGRAM",) and not item.buyer_cancel_requested
    assert item.proceeds[0].type == "NEW_ITEM_FEE" and item.proceeds[0].details[0].subtype == "NEW_SUBTYPE"
    reg = o.tax_registrations[0]
    assert (reg.entity_type, reg.registration_type, reg.attributes[0].key) == ("CARRIER", "GST", "NEW_KEY")
    assert o.buyer_invoice_preference == "GOVERNMENT"
    assert {(f, v) for f, v, _ in seen} == {
        ("programs", "NEW_PROGRAM"), ("salesChannel.channelName", "NEW_CHANNEL"),
        ("fulfillment.fulfillmentServiceLevel", "HYPERSONIC"), ("proceeds.breakdowns.type", "NEW_FEE"),
        ("recipient.deliveryAddress.addressType", "LOCKER"), ("orderItems.programs", "NEW_ITEM_PROGRAM"),
        ("orderItems.cancellation.cancellationRequest.requester", "CARRIER"),
        ("orderItems.proceeds.breakdowns.type", "NEW_ITEM_FEE"),
        ("orderItems.proceeds.breakdowns.detailedBreakdowns.subtype", "NEW_SUBTYPE"),
        ("tax.taxRegistrations.entityType", "CARRIER"), ("tax.taxRegistrations.taxRegistrationType", "GST"),
        ("tax.taxRegistrations.taxRegistrationAttributes.key", "NEW_KEY"),
        ("tax.taxInvoicing.buyerInvoicePreference", "GOVERNMENT"),
    }
    assert {f for f, _, _ in seen} <= set(KNOWN_VALUES) and {oid for _, _, oid in seen} == {"111-5"}


def _unknown_count(field: str) -> float:
    return REGISTRY.get_sample_value("sales_channel_poller_unknown_values_total", {"field": field}) or 0.0


def test_an_unknown_value_is_counted_every_time_and_logged_once_per_process() -> None:
    value = f"PROGRAM_{uuid.uuid4().hex[:8].upper()}"
    before = _unknown_count("programs")
    with capture_logs() as logs:
        for n in range(3):
            map_order(raw_order(f"111-6{n}", programs=(value,)))
    assert _unknown_count("programs") == before + 3
    lines = [e for e in logs if e["event"] == "unknown_amazon_value"]
    assert len(lines) == 1
    assert (lines[0]["field"], lines[0]["value"], lines[0]["order"]) == ("programs", value, "111-60")
    assert lines[0]["log_level"] == "warning"


def test_every_known_field_has_its_metric_series_from_the_start() -> None:
    for field in KNOWN_VALUES:
        assert REGISTRY.get_sample_value("sales_channel_poller_unknown_values_total", {"field": field}) is not None


def test_a_free_text_unknown_value_is_logged_by_its_length_only() -> None:
    secret = f"Jane Doe, 1 Main St {uuid.uuid4().hex}"
    with capture_logs() as logs:
        map_order(with_changes(raw_order("111-7"), fulfillment__fulfillmentServiceLevel=secret))
    [line] = [e for e in logs if e["event"] == "unknown_amazon_value"]
    assert line["value"] == f"<{len(secret)} characters>" and secret not in repr(logs)


PII = ("Jane Doe", "jane@marketplace.amazon.com", "1 Main St", "Apt 2", "98101", "555-0100",
       "Leave at the back door", "Happy birthday Jane", "DE123456789", "Doe GmbH", "PO-77")


def _pii_order(order_id: str) -> dict[str, object]:
    raw = raw_order(order_id, programs=(f"P_{uuid.uuid4().hex[:6].upper()}",))
    raw["buyer"].update({"buyerCompanyName": "Doe GmbH", "buyerPurchaseOrderNumber": "PO-77"})
    raw["recipient"]["deliveryPreference"] = {"addressInstruction": "Leave at the back door"}
    raw["orderItems"][0]["fulfillment"]["packing"] = {"giftOption": {"giftMessage": "Happy birthday Jane"}}
    raw["tax"] = {"taxRegistrations": [{"entityType": "BUYER", "taxRegistrationNumber": "DE123456789",
                                        "legalName": "Jane Doe"}]}
    return raw


@pytest.mark.parametrize("breakage", [
    {},  # maps (an unknown program is logged)
    {"createdTime": "yesterday"},
    {"fulfillment__fulfillmentStatus": "LOST"},
    {"recipient__deliveryAddress__postalCode": 98101},
    {"buyer__buyerName": ["Jane Doe"]},
    {"orderItems__0__quantityOrdered": -1},
])
def test_no_buyer_pii_in_logs_or_dead_letter_reasons(breakage: dict[str, object]) -> None:
    raw = with_changes(_pii_order("111-8"), **breakage)
    with capture_logs() as logs:
        try:
            o = map_order(raw)
            assert o.delivery_preferences is not None and o.buyer_company_name == "Doe GmbH"
            reason = ""
        except MalformedOrder as exc:  # an unknown status is an UnknownValue, a MalformedOrder's sibling
            reason = str(exc)
        except UnknownValue as exc:
            reason = str(exc)
    text = repr(logs) + reason
    assert not [p for p in PII if p in text], text


@pytest.mark.parametrize("raw", [
    with_changes(BASE, fulfillment__fulfillmentStatus="LOST"),  # the status decides the lifecycle
    {k: v for k, v in BASE.items() if k != "fulfillment"},
    with_changes(BASE, orderItems__0__product=None),
    with_changes(BASE, orderItems__0__orderItemId=""),
    with_changes(BASE, orderItems__0__quantityOrdered=None),
    {k: v for k, v in BASE.items() if k != "orderId"},
])
def test_only_what_the_lifecycle_needs_makes_a_dead_letter(raw: object) -> None:
    with pytest.raises((MalformedOrder, UnknownValue)):
        map_order(raw)
