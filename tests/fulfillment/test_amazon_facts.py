"""What the Amazon facts say of an order (services/fulfillment/amazon_facts.py): only an Unshipped,
merchant-fulfilled order with nothing shipped is kept; any later fact that is not drops it."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.events.poller import AmazonOrderChangedData, AmazonOrderChangedV1
from schemas.types import AmazonOrder, AmazonStatus, FulfillmentChannel, OrderItem
from services.fulfillment.amazon_facts import AmazonFacts, covers, first_shipment_view
from services.fulfillment.decide import AmazonItem
from tests.fulfillment.test_decide import shipment

AT = datetime(2026, 12, 5, 9, tzinfo=UTC)


def amazon_order(status: AmazonStatus = AmazonStatus.UNSHIPPED, shipped: int = 0,
                 channel: FulfillmentChannel = FulfillmentChannel.MERCHANT) -> AmazonOrder:
    return AmazonOrder(
        amazon_order_id="113-1", marketplace_id="ATVPDKIKX0DER", status=status, fulfillment_channel=channel,
        purchase_date=AT, last_updated=AT,
        items=(OrderItem(order_item_id="A1", sku="SKU-1", quantity_ordered=2, quantity_shipped=shipped),
               OrderItem(order_item_id="A2", sku="SKU-2", quantity_ordered=3)))


def fact(order: AmazonOrder) -> AmazonOrderChangedV1:
    event: AmazonOrderChangedV1 = AmazonOrderChangedV1.build(
        key="s1:113-1", occurred_at=AT, producer="poller", identity=(order.status,),
        data=AmazonOrderChangedData(store_id="s1", order=order, observed_at=AT))
    return event


def test_an_unshipped_order_is_read_as_decide_reads_amazon() -> None:
    view = first_shipment_view(amazon_order())
    assert view is not None
    assert (view.order_id, view.status, view.fulfilled_by, view.marketplace_id, view.packages) == (
        "113-1", "UNSHIPPED", "MERCHANT", "ATVPDKIKX0DER", ())
    assert view.items == (AmazonItem("A1", "SKU-1", 2, 0), AmazonItem("A2", "SKU-2", 3, 0))


def test_orders_the_facts_cannot_decide_alone_are_left_to_amazon() -> None:
    assert first_shipment_view(amazon_order(AmazonStatus.PENDING)) is None
    assert first_shipment_view(amazon_order(AmazonStatus.PARTIALLY_SHIPPED, shipped=1)) is None
    assert first_shipment_view(amazon_order(AmazonStatus.SHIPPED, shipped=2)) is None
    assert first_shipment_view(amazon_order(AmazonStatus.CANCELED)) is None
    assert first_shipment_view(amazon_order(channel=FulfillmentChannel.AMAZON)) is None
    assert first_shipment_view(amazon_order(shipped=1)) is None  # Unshipped but a unit already left


def test_a_later_fact_replaces_or_drops_the_view() -> None:
    facts = AmazonFacts()
    facts.apply(fact(amazon_order()))
    assert len(facts) == 1 and facts.view("s1", "113-1") is not None
    assert facts.view("s2", "113-1") is None
    facts.apply(fact(amazon_order(AmazonStatus.SHIPPED, shipped=2)))
    assert facts.view("s1", "113-1") is None and len(facts) == 0


def test_a_view_covers_a_shipment_only_when_every_item_maps() -> None:
    view = first_shipment_view(amazon_order())
    assert covers(view, shipment([("A1", "SKU-1", 1), ("A2", "SKU-2", 1)]))
    assert covers(view, shipment([(None, "SKU-2", 1)]))  # SKU fallback
    assert not covers(view, shipment([("A9", "SKU-1", 1)]))
    assert not covers(view, shipment([(None, "SKU-9", 1)]))
    assert not covers(None, shipment())
