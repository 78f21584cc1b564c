"""Cancel, ship, reservations and poison input through the real broker, PostgreSQL and the stand-in."""

from __future__ import annotations

from typing import Any

import pytest

from schemas.events.magento import (
    MagentoOrderCanceledV1,
    MagentoOrderCreatedV1,
    MagentoOrderShippedV1,
    MagentoReservationSyncedV1,
)
from schemas.topics import ORDER_COMMANDS, dead_letter_topic
from schemas.types import ShipmentTrack
from services.common.settings import Settings
from services.magento_writer.handlers import handle
from services.magento_writer.handlers.lifecycle import ship_order, tracks_of
from services.magento_writer.main import build_context
from tests.harness import TopicReader
from tests.magento_writer.conftest import FAST_RETRIES, Bus, InProcessWriter, ledger_row
from tests.magento_writer.factories import (
    amazon_order,
    cancel_requested,
    order_requested,
    reservation_placed,
    reservation_released,
    shipment_requested,
    store_id,
)

pytestmark = pytest.mark.integration
SHIP_ROUTE = "POST /V1/order/{orderId}/ship"
CANCEL_ROUTE = "POST /V1/orders/{id}/cancel"


def _of(events: list[Any], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def _create(bus: Bus, magento: Any, sku: str, qty: int = 1) -> tuple[str, Any, MagentoOrderCreatedV1]:
    magento.create_product(sku, qty=100)
    store = store_id()
    order = amazon_order(items=((sku, qty, "7.50"),))
    cmd = order_requested(store, order)
    bus.command(cmd)
    created = _of(bus.wait(cmd.key, lambda ev: bool(_of(ev, MagentoOrderCreatedV1))), MagentoOrderCreatedV1)[0]
    return store, order, created


def test_cancel_succeeds_once_and_a_redelivered_cancel_is_ok(magento: Any, writer: InProcessWriter, bus: Bus) -> None:
    store, order, created = _create(bus, magento, "L-SKU-1")
    cancel = cancel_requested(
        store, order.amazon_order_id, created.data.magento_order_number, created.data.magento_order_id
    )
    bus.command(cancel, cancel)
    events = bus.wait(cancel.key, lambda ev: len(_of(ev, MagentoOrderCanceledV1)) >= 2)
    results = _of(events, MagentoOrderCanceledV1)
    assert all(r.data.ok for r in results) and results[0].event_id == results[1].event_id
    stored = magento.get_order(created.data.magento_order_id)
    assert stored["state"] == "canceled"
    assert any("canceled on Amazon" in h["comment"] and h["status"] == "canceled" for h in stored["status_histories"])
    assert magento.count_orders(order.amazon_order_id) == 1


def test_ship_completes_the_order_then_cancel_is_refused_with_a_reason(
    magento: Any, writer: InProcessWriter, bus: Bus
) -> None:
    store, order, created = _create(bus, magento, "L-SKU-2", qty=2)
    ship = shipment_requested(store, order, created.data.magento_order_number, created.data.magento_order_id)
    bus.command(ship)
    shipped = _of(bus.wait(ship.key, lambda ev: bool(_of(ev, MagentoOrderShippedV1))), MagentoOrderShippedV1)[0]
    assert (shipped.data.invoiced, shipped.data.shipped, shipped.data.complete) == (True, True, True)
    assert magento.get_order(created.data.magento_order_id)["state"] == "complete"

    cancel = cancel_requested(store, order.amazon_order_id, created.data.magento_order_number, None, seq=4)
    bus.command(cancel)
    refused = _of(bus.wait(cancel.key, lambda ev: bool(_of(ev, MagentoOrderCanceledV1))), MagentoOrderCanceledV1)[0]
    assert not refused.data.ok
    assert refused.data.reason == "Magento does not allow canceling an order in state complete (status complete)"
    assert magento.get_order(created.data.magento_order_id)["state"] == "complete"


def test_ship_sends_the_amazon_tracking_numbers_with_the_shipment(
    magento: Any, writer: InProcessWriter, bus: Bus, writer_settings: Settings
) -> None:
    store, order, created = _create(bus, magento, "L-SKU-4", qty=2)
    entity_id = created.data.magento_order_id
    ship = shipment_requested(store, order, created.data.magento_order_number, entity_id, seq=5)
    assert tracks_of(ship) == ()  # a v1 command carries none
    tracks = (
        ShipmentTrack(carrier="UPS", tracking_number="1Z999AA1234567890"),
        ShipmentTrack(carrier="Royal Mail", tracking_number="RR123456789GB"),
    )
    ctx = build_context(writer_settings, FAST_RETRIES)
    try:
        result = ship_order(ctx, ship, tracks)
        again = ship_order(ctx, ship, tracks)  # redelivered: already shipped, no second shipment
    finally:
        ctx.client.close()
        ctx.ledger.dispose()
    assert isinstance(result, MagentoOrderShippedV1) and result.data.complete
    assert isinstance(again, MagentoOrderShippedV1)
    assert again.event_id == result.event_id and again.data.complete
    [shipment] = magento.shipments(entity_id)
    assert shipment["tracks"] == [
        {"track_number": "1Z999AA1234567890", "title": "UPS", "carrier_code": "ups"},
        {"track_number": "RR123456789GB", "title": "Royal Mail", "carrier_code": "custom"},
    ]
    assert magento.get_order(entity_id)["state"] == "complete"


def test_ship_committed_then_dropped_is_published_complete(magento: Any, writer: InProcessWriter, bus: Bus) -> None:
    """Issue 16: the ship call committed, its answer was lost, the retry met Magento's refusal."""
    store, order, created = _create(bus, magento, "L-SKU-5", qty=2)
    entity_id = created.data.magento_order_id
    magento.inject_fault(SHIP_ROUTE, "commit_then_drop")
    ship = shipment_requested(store, order, created.data.magento_order_number, entity_id, seq=6)
    bus.command(ship)
    shipped = _of(bus.wait(ship.key, lambda ev: bool(_of(ev, MagentoOrderShippedV1))), MagentoOrderShippedV1)[0]
    assert [c["dropped"] for c in magento.calls(SHIP_ROUTE) if f"/order/{entity_id}/" in c["path"]][0]
    assert magento.get_order(entity_id)["state"] == "complete"
    assert (shipped.data.invoiced, shipped.data.shipped, shipped.data.complete) == (True, True, True)
    assert shipped.data.reason is None and shipped.data.magento_state == "complete"
    assert len(magento.shipments(entity_id)) == 1
    row = ledger_row(writer.settings, store, order.amazon_order_id)
    assert row is not None and row["state"] == "complete"


def test_cancel_committed_then_dropped_is_published_canceled(magento: Any, writer: InProcessWriter, bus: Bus) -> None:
    """Issue 16: the cancel committed, its answer was lost, the retry answered false."""
    store, order, created = _create(bus, magento, "L-SKU-6")
    entity_id = created.data.magento_order_id
    magento.inject_fault(CANCEL_ROUTE, "commit_then_drop")
    cancel = cancel_requested(store, order.amazon_order_id, created.data.magento_order_number, entity_id, seq=7)
    bus.command(cancel)
    result = _of(bus.wait(cancel.key, lambda ev: bool(_of(ev, MagentoOrderCanceledV1))), MagentoOrderCanceledV1)[0]
    assert [c["dropped"] for c in magento.calls(CANCEL_ROUTE) if f"/orders/{entity_id}/" in c["path"]][0]
    assert magento.get_order(entity_id)["state"] == "canceled"
    assert result.data.ok and result.data.reason is None and result.data.magento_state == "canceled"
    row = ledger_row(writer.settings, store, order.amazon_order_id)
    assert row is not None and row["state"] == "canceled"


def test_pending_reservation_handed_over_to_the_magento_order(magento: Any, writer: InProcessWriter, bus: Bus) -> None:
    sku = "R-SKU-1"
    magento.create_product(sku, qty=10)
    store = store_id()
    order = amazon_order(items=((sku, 3, "2.00"),))
    placed = reservation_placed(store, order.amazon_order_id, {sku: 3})
    bus.reservation(placed)
    synced = bus.wait(placed.key, lambda ev: bool(_of(ev, MagentoReservationSyncedV1)))
    assert _of(synced, MagentoReservationSyncedV1)[0].data.applied
    assert magento.salable_qty(sku) == 7

    cmd = order_requested(store, order)
    bus.command(cmd)
    bus.wait(cmd.key, lambda ev: bool(_of(ev, MagentoOrderCreatedV1)))
    assert magento.salable_qty(sku) == 7  # the order holds the 3 now; the pending hold is gone
    released = reservation_released(store, order.amazon_order_id, {sku: 3})
    bus.reservation(released)
    events = bus.wait(placed.key, lambda ev: len(_of(ev, MagentoReservationSyncedV1)) >= 2)
    late = _of(events, MagentoReservationSyncedV1)[1]
    assert not late.data.applied and late.data.reservation_event_id == released.event_id
    assert magento.salable_qty(sku) == 7
    ours = [r for r in magento.reservations() if order.amazon_order_id in str(r) and "amazon_pending" in str(r)]
    assert sorted(r["quantity"] for r in ours) == [-3.0, 3.0]  # one place, one release: twice changed nothing


def test_reservations_without_the_module_are_reported_not_synced(magento: Any, writer_settings: Settings) -> None:
    settings = writer_settings.model_copy(update={"magento_reservations_module": False})
    ctx = build_context(settings, FAST_RETRIES)
    sku = "R-SKU-2"
    magento.create_product(sku, qty=10)
    placed = reservation_placed(store_id(), "111-0000000-0000009", {sku: 1})
    try:
        [result] = handle(ctx, placed)
    finally:
        ctx.client.close()
        ctx.ledger.dispose()
    assert isinstance(result, MagentoReservationSyncedV1)
    assert not result.data.applied and "not installed" in (result.data.detail or "")
    assert magento.salable_qty(sku) == 10


def test_poison_input_goes_to_the_dead_letter_topic_and_the_rest_flows(
    magento: Any, writer: InProcessWriter, bus: Bus, writer_settings: Settings
) -> None:
    bus.producer.send(ORDER_COMMANDS, key=b"poison:1", value=b"{not json").get(30)
    dead = TopicReader(writer_settings, dead_letter_topic("magento_writer"))
    try:
        dead.wait_for(lambda ev: any(e.key == "poison:1" for e in ev), 45, "dead letter")
    finally:
        dead.close()
    _create(bus, magento, "L-SKU-3")  # still flowing
