"""Pure reservation rules: every placement and release path, judged without I/O."""

from __future__ import annotations

from datetime import timedelta

from schemas.events.reservations import ReservationFailedV1, ReservationPlacedV1, ReservationReleasedV1
from schemas.types import AmazonStatus, FulfillmentChannel
from services.inventory_reserver.domain import Phase, ReservationState, handle, reserved_units, settle
from services.inventory_reserver.domain.ledger import Decision, OrderInput
from services.stores.history import StoreHistory, fold
from tests.inventory_reserver.factories import T0, item, magento_created, order_changed, store

KEY = "us-main:111-0000001-0000001"


def history(*events: object) -> StoreHistory:
    return fold(events or [store()])["us-main"]  # type: ignore[arg-type]


def run(events: list[OrderInput], hist: StoreHistory | None = None) -> tuple[ReservationState, list]:
    hist = hist or history()
    state: ReservationState | None = None
    outputs: list = []
    for e in events:
        state, out = handle(state, e, hist)
        outputs.extend(out)
    assert state is not None
    return state, outputs


def pending(at_hours: float = 0, **kw: object) -> OrderInput:
    return order_changed(AmazonStatus.PENDING, T0 + timedelta(hours=at_hours), **kw)  # type: ignore[arg-type]


def status(s: AmazonStatus, at_hours: float, **kw: object) -> OrderInput:
    return order_changed(s, T0 + timedelta(hours=at_hours), **kw)  # type: ignore[arg-type]


def test_pending_order_places_unshipped_quantity_per_sku() -> None:
    items = (item("SKU-B", 2, item_id="1"), item("SKU-A", 5, shipped=1, item_id="2"),
             item("SKU-B", 1, item_id="3"), item("SKU-C", 2, shipped=2, item_id="4"))
    state, out = run([pending(items=items)])
    assert state.phase is Phase.HELD
    [placed] = out
    assert isinstance(placed, ReservationPlacedV1)
    assert [(i.sku, i.quantity) for i in placed.data.items] == [("SKU-A", 4), ("SKU-B", 3)]
    assert placed.occurred_at == T0
    assert placed.data.expires_at is None
    assert reserved_units([state]) == {("us-main", "SKU-A"): 4, ("us-main", "SKU-B"): 3}


def test_pending_availability_also_reserves_and_stock_id_comes_from_store() -> None:
    state, out = run([status(AmazonStatus.PENDING_AVAILABILITY, 0)], history(store(stock_id=3)))
    assert [type(e) for e in out] == [ReservationPlacedV1]
    assert out[0].data.magento_stock_id == 3


def test_duplicates_and_later_pending_events_place_nothing_more() -> None:
    state, out = run([pending(0), pending(0), pending(1)])
    assert len(out) == 1 and state.held


def test_placement_and_release_ids_are_deterministic_per_order() -> None:
    _, first = run([pending(0), status(AmazonStatus.CANCELED, 1)])
    _, again = run([pending(0), status(AmazonStatus.CANCELED, 1)])
    assert [e.event_id for e in first] == [e.event_id for e in again]
    assert first[0].event_id != first[1].event_id


def test_magento_order_created_releases() -> None:
    state, out = run([pending(0), status(AmazonStatus.UNSHIPPED, 1),
                      magento_created(T0 + timedelta(hours=2))])
    assert [type(e) for e in out] == [ReservationPlacedV1, ReservationReleasedV1]
    assert out[1].data.reason == "magento_order_created"
    assert out[1].occurred_at == T0 + timedelta(hours=2)
    assert out[1].data.items == out[0].data.items
    assert state.phase is Phase.CLOSED and reserved_units([state]) == {}


def test_leaving_pending_keeps_holding_until_the_magento_order_exists() -> None:
    state, out = run([pending(0), status(AmazonStatus.UNSHIPPED, 1),
                      status(AmazonStatus.PARTIALLY_SHIPPED, 2)])
    assert len(out) == 1 and state.held and state.awaiting_magento_order


def test_cancellation_releases_for_both_cancel_statuses() -> None:
    for s in (AmazonStatus.CANCELED, AmazonStatus.UNFULFILLABLE):
        state, out = run([pending(0), status(s, 1)])
        assert out[-1].data.reason == "canceled" and out[-1].occurred_at == T0 + timedelta(hours=1)
        assert not state.held


def test_cancellation_while_awaiting_the_magento_order_releases() -> None:
    _, out = run([pending(0), status(AmazonStatus.UNSHIPPED, 1), status(AmazonStatus.CANCELED, 2)])
    assert out[-1].data.reason == "canceled"


def test_shipped_without_magento_order_when_import_is_off() -> None:
    _, out = run([pending(0), status(AmazonStatus.UNSHIPPED, 1)], history(store(import_orders=False)))
    assert out[-1].data.reason == "shipped" and out[-1].occurred_at == T0 + timedelta(hours=1)


def test_fba_do_not_create_releases_on_shipment() -> None:
    fba = {"channel": FulfillmentChannel.AMAZON}
    _, out = run([pending(0, **fba), status(AmazonStatus.SHIPPED, 1, **fba)],
                 history(store(amazon_fulfilled="do_not_create")))
    assert out[-1].data.reason == "shipped"


def test_fba_create_when_shipped_holds_until_created() -> None:
    fba = {"channel": FulfillmentChannel.AMAZON}
    state, out = run([pending(0, **fba), status(AmazonStatus.SHIPPED, 1, **fba)])
    assert len(out) == 1 and state.held
    state, out = run([pending(0, **fba), status(AmazonStatus.SHIPPED, 1, **fba),
                      magento_created(T0 + timedelta(hours=2))])
    assert out[-1].data.reason == "magento_order_created"


def test_import_turned_off_while_awaiting_releases_on_next_change() -> None:
    hist = history(store(), store(effective_at=T0 + timedelta(hours=2), change="updated",
                                  import_orders=False))
    _, out = run([pending(0), status(AmazonStatus.UNSHIPPED, 1), status(AmazonStatus.SHIPPED, 3)], hist)
    assert [getattr(e.data, "reason", None) for e in out] == [None, "shipped"]


def test_expiry_releases_at_expires_at_on_the_next_event() -> None:
    hist = history(store(reservation_expiry_days=2))
    state, out = run([pending(0), status(AmazonStatus.CANCELED, 72)], hist)
    placed, released = out
    assert placed.data.expires_at == T0 + timedelta(days=2)
    assert released.data.reason == "expired" and released.occurred_at == T0 + timedelta(days=2)
    assert not state.held


def test_expiry_by_the_sweeper_uses_expires_at_not_the_clock() -> None:
    state, _ = run([pending(0)], history(store(reservation_expiry_days=1)))
    assert settle(state, history(), T0 + timedelta(hours=23)).outputs == ()
    decision = settle(state, history(), T0 + timedelta(days=30))
    [released] = decision.outputs
    assert isinstance(released, ReservationReleasedV1)
    assert released.data.reason == "expired" and released.occurred_at == T0 + timedelta(days=1)
    assert settle(decision.state, history(), T0 + timedelta(days=31)).outputs == ()


def test_never_expires_without_the_setting() -> None:
    state, _ = run([pending(0)])
    assert settle(state, history(), T0 + timedelta(days=3650)) == Decision(state)


def test_store_turning_reservations_off_releases_at_the_change() -> None:
    off = T0 + timedelta(hours=5)
    hist = history(store(), store(effective_at=off, change="updated", reserve_pending=False))
    state, _ = run([pending(0)], hist)
    [released] = settle(state, hist, T0 + timedelta(hours=6)).outputs
    assert isinstance(released, ReservationReleasedV1)
    assert released.data.reason == "store_setting" and released.occurred_at == off
    _, out = run([pending(0), status(AmazonStatus.CANCELED, 9)], hist)  # the next event finds it too
    assert [getattr(e.data, "reason", None) for e in out] == [None, "store_setting"]


def test_disabling_the_store_releases_as_a_store_setting() -> None:
    off = T0 + timedelta(hours=5)
    hist = history(store(), store(effective_at=off, change="disabled", enabled=False))
    state, _ = run([pending(0)], hist)
    released = settle(state, hist, off).outputs[0]
    assert isinstance(released, ReservationReleasedV1) and released.data.reason == "store_setting"


def test_setting_off_reserves_nothing_and_turning_it_on_reserves_a_still_pending_order() -> None:
    on = T0 + timedelta(hours=1)
    hist = history(store(reserve_pending=False),
                   store(effective_at=on, change="updated", reserve_pending=True))
    state, out = run([pending(0)], hist)
    assert out == [] and state.phase is Phase.OPEN
    state, out = run([pending(0), pending(2)], hist)
    assert [type(e) for e in out] == [ReservationPlacedV1] and out[0].occurred_at == T0 + timedelta(hours=2)


def test_first_seen_unshipped_or_later_reserves_nothing_ever() -> None:
    for s in (AmazonStatus.UNSHIPPED, AmazonStatus.SHIPPED, AmazonStatus.CANCELED):
        state, out = run([status(s, 0), pending(1)])
        assert out == [] and state.phase is Phase.CLOSED


def test_orders_purchased_before_integration_or_initially_imported_are_not_reserved() -> None:
    old = T0 - timedelta(days=2)
    _, out = run([pending(0, purchased=old)])
    assert out == []
    _, out = run([pending(0, initial_import=True)])
    assert out == []


def test_event_before_the_store_existed_is_untracked() -> None:
    """Such a fact is judged by the store's first configuration (``StoreHistory.at``), and its
    order, bought before it was last updated and so before the integration, is not tracked."""
    state, out = run([pending(-48, purchased=T0 - timedelta(hours=49))])
    assert out == [] and state.closed_reason == "untracked"


def test_only_shipped_quantities_place_nothing_and_is_not_a_failure() -> None:
    state, out = run([pending(0, items=(item("SKU-A", 2, shipped=2),))])
    assert out == [] and state.phase is Phase.OPEN


def test_item_without_sku_fails_once_and_never_reserves() -> None:
    bad = (item("SKU-A", 1, item_id="1"), item(" ", 2, item_id="2"))
    state, out = run([pending(0, items=bad), pending(1, items=bad), pending(2)])
    [failed] = out
    assert isinstance(failed, ReservationFailedV1) and "item 2 has no SKU" in failed.data.reason
    assert state.phase is Phase.CLOSED


def test_magento_result_delivered_before_the_pending_fact_reproduces_the_live_facts() -> None:
    """Live, Pending comes first: placed, then released when the Magento order is created. A
    replay may deliver the result first; the same two facts (same ids) and state must follow."""
    created_at = T0 + timedelta(hours=2)
    live_state, live = run([pending(1), magento_created(created_at)])
    replay_state, replayed = run([magento_created(created_at), pending(1)])
    assert [type(e) for e in replayed] == [ReservationPlacedV1, ReservationReleasedV1]
    assert [(e.event_id, e.occurred_at) for e in replayed] == [(e.event_id, e.occurred_at) for e in live]
    assert replay_state == live_state and replay_state.closed_reason == "released:magento_order_created"


def test_magento_result_first_then_not_pending_is_judged_as_live() -> None:
    live_state, _ = run([status(AmazonStatus.UNSHIPPED, 1), magento_created(T0 + timedelta(hours=2))])
    replay_state, out = run([magento_created(T0 + timedelta(hours=2)), status(AmazonStatus.UNSHIPPED, 1)])
    assert out == [] and replay_state == live_state


def test_nothing_is_released_twice() -> None:
    _, out = run([pending(0), status(AmazonStatus.CANCELED, 1), status(AmazonStatus.CANCELED, 1),
                  magento_created(T0 + timedelta(hours=2))])
    assert [type(e) for e in out] == [ReservationPlacedV1, ReservationReleasedV1]


def test_state_round_trips_through_bytes() -> None:
    state, _ = run([pending(0)], history(store(reservation_expiry_days=3)))
    assert ReservationState.from_bytes(state.to_bytes()) == state
    assert state.key == KEY
