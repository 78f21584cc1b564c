"""amazon.order.changed v3 (the order with its details) beside v1 and v2: registered with its
committed schema, read by consumers written against v1/v2, older facts still readable and
explicitly upcast to v3 with empty details."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from schemas import decode, encode
from schemas.events.poller import (
    AmazonOrderChangedData,
    AmazonOrderChangedDataV2,
    AmazonOrderChangedDataV3,
    AmazonOrderChangedV1,
    AmazonOrderChangedV2,
    AmazonOrderChangedV3,
    DeliveryPreferences,
    DetailedAmazonOrder,
    DetailedOrderItem,
    GiftOption,
    ProceedsLine,
    TaxRegistration,
    TimeRange,
    detailed,
    detailed_order_of,
    order_changed_v3,
    tracks_of,
)
from schemas.registry import registered_events
from schemas.snapshots import render, snapshot_path
from schemas.types import AmazonOrder, AmazonStatus, FulfillmentChannel, Money, OrderItem, ShipmentTrack

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
KEY = "us-main:111-2223334-5556667"
TRACK = ShipmentTrack(carrier="UPS", tracking_number="1Z999")


def _order() -> AmazonOrder:
    return AmazonOrder(
        amazon_order_id="111-2223334-5556667", marketplace_id="ATVPDKIKX0DER", status=AmazonStatus.UNSHIPPED,
        fulfillment_channel=FulfillmentChannel.MERCHANT, purchase_date=T0, last_updated=T0,
        order_total=Money(amount=Decimal("19.99"), currency="EUR"),
        items=(OrderItem(order_item_id="1", sku="SKU-1", quantity_ordered=2),))


def _detailed() -> DetailedAmazonOrder:
    base = _order()
    item = DetailedOrderItem(
        **dict(base.items[0]), promotion_ids=("PROMO-1",), gift=GiftOption(message="Enjoy", wrap_level="STANDARD"),
        ioss_number="IM1234567890",
        proceeds=(ProceedsLine(type="DISCOUNT", amount=Money(amount=Decimal("-2.00"), currency="EUR")),
                  ProceedsLine(type="DISCOUNT", amount=Money(amount=Decimal("-0.50"), currency="EUR"))))
    return DetailedAmazonOrder(
        **{k: v for k, v in dict(base).items() if k != "items"}, items=(item,),
        programs=("AMAZON_BUSINESS", "SOMETHING_NEW"), fulfilled_by="MERCHANT", fulfillment_service_level="STANDARD",
        ship_by_window=TimeRange(earliest=T0, latest=T0), buyer_company_name="Doe GmbH",
        buyer_purchase_order_number="PO-1",
        tax_registrations=(TaxRegistration(entity_type="BUYER", registration_type="VAT", number="DE123"),
                           TaxRegistration(entity_type="MARKETPLACE", number="X")),
        delivery_phone="+49 30 1234", delivery_preferences=DeliveryPreferences(address_instruction="Back door"))


def _v1() -> AmazonOrderChangedV1:
    data = AmazonOrderChangedData(store_id="us-main", order=_order(), changes=("new",), observed_at=T0)
    event: AmazonOrderChangedV1 = AmazonOrderChangedV1.build(key=KEY, occurred_at=T0, producer="poller",
                                                             data=data, identity=(1, "d"))
    return event


def _v2() -> AmazonOrderChangedV2:
    data = AmazonOrderChangedDataV2(store_id="us-main", order=_order(), changes=("new",), observed_at=T0,
                                    tracks=(TRACK,))
    event: AmazonOrderChangedV2 = AmazonOrderChangedV2.build(key=KEY, occurred_at=T0, producer="poller",
                                                             data=data, identity=(1, "d"))
    return event


def _v3() -> AmazonOrderChangedV3:
    data = AmazonOrderChangedDataV3(store_id="us-main", order=_detailed(), changes=("new",), observed_at=T0,
                                    tracks=(TRACK,))
    event: AmazonOrderChangedV3 = AmazonOrderChangedV3.build(key=KEY, occurred_at=T0, producer="poller",
                                                             data=data, identity=(1, "d"))
    return event


def test_v3_round_trips_with_every_detail() -> None:
    event = _v3()
    raw = encode(event)
    assert json.loads(raw)["schema_version"] == 3
    decoded = decode(raw)
    assert decoded == event and isinstance(decoded, AmazonOrderChangedV3)
    order = decoded.data.order
    assert order.buyer_company_name == "Doe GmbH" and order.buyer_purchase_order_number == "PO-1"
    assert [r.number for r in order.buyer_tax_registrations] == ["DE123"]
    assert order.gift_messages == ("Enjoy",) and order.ioss_number == "IM1234567890"
    assert order.items[0].discount == Money(amount=Decimal("-2.50"), currency="EUR")
    assert order.earliest_ship_date == T0 and order.programs == ("AMAZON_BUSINESS", "SOMETHING_NEW")


def test_a_consumer_written_against_v1_or_v2_reads_v3() -> None:
    event = decode(encode(_v3()))
    assert isinstance(event, AmazonOrderChangedV1) and isinstance(event, AmazonOrderChangedV2)
    assert isinstance(event.data.order, AmazonOrder) and event.data.order.items[0].sku == "SKU-1"
    assert tracks_of(event) == (TRACK,)
    # what a consumer keeps of the order in an ``AmazonOrder`` field is the v1 order, nothing lost of it
    as_v1 = AmazonOrder.model_validate_json(AmazonOrder.model_validate(event.data.order.model_dump()).model_dump_json())
    assert as_v1 == _order()


def test_older_facts_decode_as_published_and_upcast_explicitly() -> None:
    for old in (_v1(), _v2()):
        decoded = decode(encode(old))
        assert decoded == old and type(decoded) is type(old)  # a replay sees what was published
        v3 = order_changed_v3(decoded)
        assert isinstance(v3, AmazonOrderChangedV3) and v3.event_id == old.event_id and v3.key == old.key
        assert v3.data.tracks == tracks_of(old) and v3.data.changes == old.data.changes
        assert detailed_order_of(old) == v3.data.order
        order = v3.data.order
        assert order.amazon_order_id == old.data.order.amazon_order_id and order.buyer_company_name is None
        assert order.delivery_preferences is None and order.items[0].gift is None
        assert decode(encode(v3)) == v3
    current = _v3()
    assert order_changed_v3(current) is current and detailed(current.data.order) is current.data.order


def test_v3_is_registered_with_its_own_committed_schema() -> None:
    assert {AmazonOrderChangedV1, AmazonOrderChangedV2, AmazonOrderChangedV3} <= set(registered_events())
    v2, v3 = (json.loads(snapshot_path(m).read_text()) for m in (AmazonOrderChangedV2, AmazonOrderChangedV3))
    assert v3 == json.loads(render(AmazonOrderChangedV3))
    assert v3["properties"]["schema_version"]["const"] == 3
    assert "DetailedAmazonOrder" in v3["$defs"] and "DetailedAmazonOrder" not in v2["$defs"]
    # v3 only adds: every property of v2's order is in v3's with the same schema, items aside
    old, new = v2["$defs"]["AmazonOrder"]["properties"], v3["$defs"]["DetailedAmazonOrder"]["properties"]
    assert {k: v for k, v in old.items() if k != "items"} == {
        k: v for k, v in new.items() if k in old and k != "items"}
