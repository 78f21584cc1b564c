"""Create exactly once, through the real broker, PostgreSQL and the Magento stand-in: each failure
mode ends with exactly one Magento order (or none) and the right result on MAGENTO_RESULTS."""

from __future__ import annotations

from typing import Any

import pytest

from schemas import decode
from schemas.events.magento import (
    MagentoOrderCanceledV1,
    MagentoOrderCreatedV1,
    MagentoOrderDeletedV1,
    MagentoOrderFailedV1,
)
from schemas.topics import ORDER_LIFECYCLE
from services.common.settings import Settings
from tests.magento_writer.conftest import Bus, InProcessWriter, ledger_row
from tests.magento_writer.factories import amazon_order, cancel_requested, order_requested, store_id
from tests.orders_tab import sample

pytestmark = pytest.mark.integration


def _of(events: list[Any], kind: type) -> list[Any]:
    return [e for e in events if isinstance(e, kind)]


def _bodies(bus: Bus, event_id: str) -> list[bytes]:
    """The record values published under ``event_id`` so far."""
    bus.results.poll(100)
    return [r.value for r in bus.results.raw if event_id.encode() in r.value and decode(r.value).event_id == event_id]


@pytest.fixture(autouse=True)
def _clean_faults(magento: Any) -> Any:
    magento.clear_faults()
    yield
    magento.clear_faults()


def test_create_then_redelivered_command_gets_its_first_answer_and_a_new_request_finds_the_order(
    magento: Any, writer: InProcessWriter, bus: Bus, writer_settings: Settings
) -> None:
    magento.create_product("W-SKU-1", price=19.99, qty=100)
    store = store_id()
    order = amazon_order(items=(("W-SKU-1", 2, "19.99"),))
    cmd = order_requested(store, order, prefix_general="AMZ")
    bus.command(cmd)
    first = bus.wait(cmd.key, lambda ev: bool(_of(ev, MagentoOrderCreatedV1)), what="order created")
    created = _of(first, MagentoOrderCreatedV1)[0]
    assert created.data.outcome == "created"
    assert created.data.magento_order_number == f"AMZ{order.amazon_order_id}"
    assert created.occurred_at == cmd.occurred_at and created.causation_id == cmd.event_id
    stored = magento.orders_by_ext(order.amazon_order_id)
    assert len(stored) == 1 and stored[0]["entity_id"] == created.data.magento_order_id
    assert stored[0]["items"][0]["sku"] == "W-SKU-1" and stored[0]["grand_total"] == 44.97

    bus.command(cmd)  # the same command again: redelivery / replay
    again = bus.wait(cmd.key, lambda ev: len(_of(ev, MagentoOrderCreatedV1)) >= 2, what="second result")
    second = _of(again, MagentoOrderCreatedV1)[1]
    assert second.event_id == created.event_id  # same identity: consumers see one fact
    assert second == created  # its first answer again (issue 16), not "found"
    assert len(set(_bodies(bus, created.event_id))) == 1  # byte for byte
    assert magento.count_orders(order.amazon_order_id) == 1

    retry = order_requested(store, order, prefix_general="AMZ", seq=2)  # a new request for the order
    bus.command(retry)
    found = bus.wait(cmd.key, lambda ev: len(_of(ev, MagentoOrderCreatedV1)) >= 3, what="the new request's result")
    third = _of(found, MagentoOrderCreatedV1)[2]
    assert third.event_id != created.event_id and third.data.outcome == "found"
    assert third.data.magento_order_id == created.data.magento_order_id
    assert magento.count_orders(order.amazon_order_id) == 1
    row = ledger_row(writer_settings, store, order.amazon_order_id)
    assert row and row["state"] == "created" and row["entity_id"] == created.data.magento_order_id


def test_a_command_written_before_the_topic_split_runs_once(
    magento: Any, writer: InProcessWriter, bus: Bus, writer_settings: Settings
) -> None:
    """A create command on the pre-split order-lifecycle topic, beside a view fact the writer skips,
    is executed. A cancel on order-commands then acts on that order; the create read once more from
    the old topic after it (a redelivery: the topics are read in no set order) gets its first answer
    again, and the same command on order-commands (a processor replayed after the split) does too:
    one Magento order, one result identity, one body."""
    magento.create_product("W-SKU-SPLIT", price=9.99, qty=100)
    store = store_id()
    order = amazon_order(items=(("W-SKU-SPLIT", 1, "9.99"),))
    cmd = order_requested(store, order)
    view = sample.state_event(sample.view(store, order.amazon_order_id))
    bus.command(view, cmd, topic=ORDER_LIFECYCLE)
    created = _of(bus.wait(cmd.key, lambda ev: bool(_of(ev, MagentoOrderCreatedV1)), what="order created"),
                  MagentoOrderCreatedV1)[0]
    assert created.data.outcome == "created"

    cancel = cancel_requested(store, order.amazon_order_id, created.data.magento_order_number,
                              created.data.magento_order_id)
    bus.command(cancel)
    bus.wait(cmd.key, lambda ev: bool(_of(ev, MagentoOrderCanceledV1)), what="order canceled")
    bus.command(cmd, topic=ORDER_LIFECYCLE)
    bus.command(cmd)
    events = bus.wait(cmd.key, lambda ev: len(_of(ev, MagentoOrderCreatedV1)) >= 3, what="the repeated creates")
    results = _of(events, MagentoOrderCreatedV1)
    assert [r.data.outcome for r in results] == ["created", "created", "created"]
    assert {r.event_id for r in results} == {created.event_id}
    assert len(set(_bodies(bus, created.event_id))) == 1
    assert {e.causation_id for e in events} == {cmd.event_id, cancel.event_id}  # the view fact: no result
    assert magento.count_orders(order.amazon_order_id) == 1
    assert magento.get_order(created.data.magento_order_id)["state"] == "canceled"
    row = ledger_row(writer_settings, store, order.amazon_order_id)
    assert row and row["entity_id"] == created.data.magento_order_id


def test_timeout_after_commit_is_found_not_duplicated(magento: Any, writer: InProcessWriter, bus: Bus) -> None:
    magento.create_product("W-SKU-2", qty=100)
    for source in ("amazon", "magento"):
        store = store_id()
        order = amazon_order(items=(("W-SKU-2", 1, "10.00"),))
        magento.inject_fault("PUT /V1/orders/create", "commit_then_drop")
        cmd = order_requested(store, order, order_number_source=source)
        bus.command(cmd)
        events = bus.wait(cmd.key, lambda ev: bool(ev), what=f"result ({source})")
        created = _of(events, MagentoOrderCreatedV1)
        assert created and created[0].data.outcome == "found", events
        assert magento.count_orders(order.amazon_order_id) == 1
        dropped = [c for c in magento.calls("PUT /V1/orders/create") if c["dropped"]]
        assert dropped, "the stand-in must have dropped a committed create"


@pytest.mark.parametrize("statuses", [(500,), (429, 503)])
def test_retryable_errors_then_success(
    magento: Any, writer: InProcessWriter, bus: Bus, statuses: tuple[int, ...]
) -> None:
    magento.create_product("W-SKU-3", qty=100)
    for status in statuses:
        magento.inject_fault("PUT /V1/orders/create", "status", status=status)
    store = store_id()
    order = amazon_order(items=(("W-SKU-3", 1, "3.00"),))
    cmd = order_requested(store, order)
    bus.command(cmd)
    events = bus.wait(cmd.key, lambda ev: bool(ev))
    assert [type(e) for e in events] == [MagentoOrderCreatedV1]
    assert magento.count_orders(order.amazon_order_id) == 1
    assert ledger_row(bus_settings(writer), store, order.amazon_order_id)["attempts"] == len(statuses) + 1  # type: ignore[index]


def test_lock_wait_retried_until_attempts_run_out(magento: Any, writer: InProcessWriter, bus: Bus) -> None:
    magento.create_product("W-SKU-4", qty=100)
    magento.inject_fault("PUT /V1/orders/create", "lock_wait", times=20)
    store = store_id()
    order = amazon_order(items=(("W-SKU-4", 1, "3.00"),))
    cmd = order_requested(store, order)
    bus.command(cmd)
    events = bus.wait(cmd.key, lambda ev: bool(ev))
    failed = _of(events, MagentoOrderFailedV1)
    assert failed and failed[0].data.retryable and failed[0].data.attempts == 4
    assert magento.count_orders(order.amazon_order_id) == 0


def test_disabled_sku_is_a_business_failure_at_once(magento: Any, writer: InProcessWriter, bus: Bus) -> None:
    magento.create_product("W-SKU-OFF", qty=100, enabled=False)
    store = store_id()
    order = amazon_order(items=(("W-SKU-OFF", 1, "3.00"),))
    cmd = order_requested(store, order)
    bus.command(cmd)
    events = bus.wait(cmd.key, lambda ev: bool(ev))
    failed = _of(events, MagentoOrderFailedV1)
    assert failed and not failed[0].data.retryable and failed[0].data.attempts == 1
    assert failed[0].data.reason == "SKU W-SKU-OFF is disabled in Magento"
    assert magento.count_orders(order.amazon_order_id) == 0


def test_an_item_without_seller_sku_fails_at_once_with_a_clear_reason(
    magento: Any, writer: InProcessWriter, bus: Bus
) -> None:
    magento.create_product("W-SKU-9", qty=100)
    store = store_id()
    order = amazon_order(items=(("W-SKU-9", 1, "3.00"), ("", 1, "2.00")))
    cmd = order_requested(store, order)
    bus.command(cmd)
    failed = _of(bus.wait(cmd.key, lambda ev: bool(ev)), MagentoOrderFailedV1)
    assert failed and not failed[0].data.retryable and failed[0].data.attempts == 1
    assert failed[0].data.reason == "Amazon order item item-1 has no seller SKU"
    assert magento.count_orders(order.amazon_order_id) == 0


def test_no_stock_is_a_business_failure(magento: Any, writer: InProcessWriter, bus: Bus) -> None:
    magento.create_product("W-SKU-EMPTY", qty=0)
    store = store_id()
    order = amazon_order(items=(("W-SKU-EMPTY", 3, "3.00"),))
    cmd = order_requested(store, order)
    bus.command(cmd)
    failed = _of(bus.wait(cmd.key, lambda ev: bool(ev)), MagentoOrderFailedV1)
    assert failed and not failed[0].data.retryable and failed[0].data.http_status == 400
    assert magento.count_orders(order.amazon_order_id) == 0


def test_order_deleted_by_merchant_is_never_recreated(magento: Any, writer: InProcessWriter, bus: Bus) -> None:
    magento.create_product("W-SKU-5", qty=100)
    store = store_id()
    order = amazon_order(items=(("W-SKU-5", 1, "3.00"),))
    cmd = order_requested(store, order)
    bus.command(cmd)
    created = _of(bus.wait(cmd.key, lambda ev: bool(ev)), MagentoOrderCreatedV1)[0]
    magento.delete_order(created.data.magento_order_id)
    for seq in (2, 3):  # the order changed on Amazon, then a user retry
        bus.command(order_requested(store, order, seq=seq))
    events = bus.wait(cmd.key, lambda ev: len(_of(ev, MagentoOrderDeletedV1)) >= 2, what="deleted results")
    deleted = _of(events, MagentoOrderDeletedV1)
    assert [d.data.request_seq for d in deleted] == [2, 3]
    assert deleted[0].data.magento_order_number == created.data.magento_order_number
    assert magento.count_orders(order.amazon_order_id) == 0


def bus_settings(writer: InProcessWriter) -> Settings:
    return writer.settings


def test_unknown_magento_store_code_is_a_business_failure(magento: Any, writer: InProcessWriter, bus: Bus) -> None:
    magento.create_product("W-SKU-6", qty=100)
    store = store_id()
    order = amazon_order(items=(("W-SKU-6", 1, "3.00"),))
    cmd = order_requested(store, order, store_code="no_such_view")
    bus.command(cmd)
    failed = _of(bus.wait(cmd.key, lambda ev: bool(ev)), MagentoOrderFailedV1)
    assert failed and not failed[0].data.retryable
    assert failed[0].data.reason == "Magento store view no_such_view does not exist"
    assert magento.count_orders(order.amazon_order_id) == 0
