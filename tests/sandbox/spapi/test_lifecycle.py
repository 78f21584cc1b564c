"""The lifecycle engine: transitions, the random walk and the generator tick."""

from __future__ import annotations

import re
import time

import pytest

from sandbox.spapi import SandboxState
from sandbox.spapi.lifecycle import TransitionError
from sandbox.spapi.model import TERMINAL_STATUSES
from sandbox.spapi.render import ALL_INCLUDED
from tests.sandbox.spapi.contract import assert_valid

SELLER = "A1LIFECYCLE"


@pytest.fixture
def sandbox(state: SandboxState) -> SandboxState:
    state.create_seller(SELLER)
    return state


def test_every_transition_moves_last_updated_time_forward(sandbox: SandboxState) -> None:
    order = sandbox.create_order(
        SELLER, fulfilled_by="MERCHANT", items=[{"quantity": 2, "unit_price": "3.00"}, {"quantity": 1}]
    )
    assert order.status == "PENDING" and order.last_updated_time == order.created_time
    times = [order.last_updated_time]
    steps = [
        lambda: sandbox.set_status(SELLER, order.order_id, "UNSHIPPED"),
        lambda: sandbox.request_cancellation(SELLER, order.order_id, "Found a better price"),
        lambda: sandbox.ship(SELLER, order.order_id, {order.items[0].order_item_id: 1}),
        lambda: sandbox.ship(SELLER, order.order_id),
    ]
    for step in steps:  # the clock is frozen: times must still go up
        times.append(step().last_updated_time)
    assert times == sorted(set(times))
    final = sandbox.get_order(SELLER, order.order_id)
    assert final.status == "SHIPPED" and len(final.packages) == 2
    assert [item.quantity_shipped for item in final.items] == [2, 1]


def test_impossible_transitions_are_refused(sandbox: SandboxState) -> None:
    pending = sandbox.create_order(SELLER, fulfilled_by="MERCHANT")
    with pytest.raises(TransitionError, match="must not be shipped"):
        sandbox.ship(SELLER, pending.order_id)
    unshipped = sandbox.create_order(
        SELLER, fulfilled_by="MERCHANT", status="UNSHIPPED", items=[{"quantity": 1}]
    )
    with pytest.raises(TransitionError, match="cannot ship 2"):
        sandbox.ship(SELLER, unshipped.order_id, {unshipped.items[0].order_item_id: 2})
    sandbox.cancel(SELLER, unshipped.order_id)
    with pytest.raises(TransitionError):
        sandbox.ship(SELLER, unshipped.order_id)
    with pytest.raises(TransitionError, match="unknown fulfillment status"):
        sandbox.set_status(SELLER, pending.order_id, "Canceled")
    with pytest.raises(KeyError):
        sandbox.set_status(SELLER, "111-0000000-0000000", "SHIPPED")


def test_random_walk_reaches_terminal_states_and_stays_valid(sandbox: SandboxState) -> None:
    result = sandbox.tick(SELLER, new_orders=60)
    assert len(result.created) == 60 and len(set(result.created)) == 60
    for _ in range(8):
        sandbox.clock.advance(60)
        sandbox.tick(SELLER, transitions=60)
    orders = [sandbox.get_order(SELLER, order_id) for order_id in result.created]
    statuses = {order.status for order in orders}
    assert {"SHIPPED", "CANCELLED"} <= statuses and statuses <= TERMINAL_STATUSES
    assert {order.fulfilled_by for order in orders} == {"MERCHANT", "AMAZON"}
    for order in orders:
        assert re.fullmatch(r"\d{3}-\d{7}-\d{7}", order.order_id)
        if order.fulfilled_by == "AMAZON" and order.status == "SHIPPED":
            assert not order.packages
        assert_valid("Order", sandbox.order_json(SELLER, order.order_id, ALL_INCLUDED | {"FULFILLMENT"}))


def test_tick_all_covers_every_seller(state: SandboxState) -> None:
    for index in range(5):
        state.create_seller(f"A{index}TICK")
    result = state.tick_all(new_orders_per_seller=3)
    assert len(result.created) == 15
    moved = state.tick_all(transitions_per_seller=2)
    assert len(moved.transitioned) == 10
    assert all(seller["orders"] == 3 for seller in state.describe_sellers())


def test_reset_forgets_everything(sandbox: SandboxState) -> None:
    credentials = sandbox.create_seller("A2RESET")
    sandbox.create_order(SELLER)
    sandbox.inject_fault("searchOrders", status=500)
    sandbox.reset()
    assert sandbox.seller_ids() == [] and sandbox.faults.pending() == []
    assert sandbox.auth.seller_of_refresh_token(credentials.refresh_token) is None
    assert not sandbox.clock.frozen


def test_auto_tick_generates_orders_while_the_app_runs(state: SandboxState) -> None:
    from fastapi.testclient import TestClient

    from sandbox.spapi.autotick import AutoTick
    from sandbox.spapi.server import create_app

    state.create_seller("A1AUTO")
    with TestClient(create_app(state, AutoTick(0.05, new_orders_per_seller=2, transitions_per_seller=1))):
        deadline = time.monotonic() + 5
        while state.describe_sellers()[0]["orders"] < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
    assert state.describe_sellers()[0]["orders"] >= 6


def test_orders_pending_for_21_days_get_cancelled(sandbox: SandboxState) -> None:
    order = sandbox.create_order(SELLER, fulfilled_by="MERCHANT")
    sandbox.clock.advance(21 * 24 * 3600 + 1)
    sandbox.rng.seed(0)  # 0.84 on the first roll: would be UNSHIPPED without the timeout
    moved = sandbox.advance_randomly(SELLER, order.order_id)
    assert moved.status == "CANCELLED" and moved.cancelled_by == "SYSTEM"
