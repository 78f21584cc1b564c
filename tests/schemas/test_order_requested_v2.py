"""magento.order.requested v2 (the order with its details) beside v1: registered with its committed
schema, a subclass of v1, and v1 commands still readable, upcast with empty details and the same id."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

from schemas import decode, encode
from schemas.events.lifecycle import (
    MagentoOrderRequestedData,
    MagentoOrderRequestedDataV2,
    MagentoOrderRequestedV1,
    MagentoOrderRequestedV2,
    MagentoTarget,
    order_requested_v2,
)
from schemas.events.poller import DeliveryPreferences, DetailedAmazonOrder, DetailedOrderItem, GiftOption
from schemas.registry import registered_events
from schemas.snapshots import render, snapshot_path
from schemas.types import AmazonOrder, AmazonStatus, FulfillmentChannel, Money, OrderItem, OrderSettings

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
KEY = "us-main:111-2223334-5556667"
TARGET = MagentoTarget(store_id="us-main", merchant_id=1, magento_store_code="default", settings=OrderSettings())


def _order() -> AmazonOrder:
    return AmazonOrder(
        amazon_order_id="111-2223334-5556667", marketplace_id="ATVPDKIKX0DER", status=AmazonStatus.UNSHIPPED,
        fulfillment_channel=FulfillmentChannel.MERCHANT, purchase_date=T0, last_updated=T0,
        order_total=Money(amount=Decimal("19.99"), currency="USD"),
        items=(OrderItem(order_item_id="1", sku="SKU-1", quantity_ordered=2),))


def _v1() -> MagentoOrderRequestedV1:
    data = MagentoOrderRequestedData(request_seq=1, reason="status_changed", target=TARGET, order=_order())
    event: MagentoOrderRequestedV1 = MagentoOrderRequestedV1.build(
        key=KEY, occurred_at=T0, producer="order_processor", data=data, identity=(1,), causation_id="c")
    return event


def test_v2_is_registered_with_its_committed_schema_and_is_a_v1() -> None:
    assert MagentoOrderRequestedV2 in registered_events()
    assert snapshot_path(MagentoOrderRequestedV2).read_text() == render(MagentoOrderRequestedV2)
    assert issubclass(MagentoOrderRequestedV2, MagentoOrderRequestedV1)


def test_a_v1_command_decodes_as_v2_with_the_same_id_and_empty_details() -> None:
    v1 = _v1()
    raw = encode(v1)
    assert json.loads(raw)["schema_version"] == 1
    event = decode(raw)
    assert isinstance(event, MagentoOrderRequestedV2)
    assert event.event_id == v1.event_id and event.causation_id == "c"
    assert isinstance(event.data.order, DetailedAmazonOrder)
    assert AmazonOrder.model_validate(event.data.order.model_dump()) == v1.data.order
    assert event.data.order.buyer_company_name is None and event.data.order.items[0].gift is None
    assert order_requested_v2(event) is event


def test_v2_encodes_every_detail_of_the_order() -> None:
    item = DetailedOrderItem(order_item_id="1", sku="SKU-1", quantity_ordered=2, ioss_number="IM123",
                             gift=GiftOption(message="Enjoy", wrap_level="STANDARD"))
    order = DetailedAmazonOrder(**{k: v for k, v in dict(_order()).items() if k != "items"}, items=(item,),
                                buyer_company_name="Doe GmbH", buyer_purchase_order_number="PO-7",
                                delivery_phone="+49 30 1", delivery_preferences=DeliveryPreferences(
                                    address_instruction="Back door"))
    data = MagentoOrderRequestedDataV2(request_seq=2, reason="user_retry", target=TARGET, order=order)
    v2: MagentoOrderRequestedV2 = MagentoOrderRequestedV2.build(key=KEY, occurred_at=T0, producer="order_processor",
                                                                data=data, identity=(2,))
    assert v2.event_id == MagentoOrderRequestedV1.build(key=KEY, occurred_at=T0, producer="p", data=_v1().data,
                                                        identity=(2,)).event_id  # ids do not depend on version
    decoded = decode(encode(v2))
    assert decoded == v2
    assert isinstance(decoded, MagentoOrderRequestedV2)
    assert decoded.data.order.ioss_number == "IM123" and decoded.data.order.gift_messages == ("Enjoy",)
