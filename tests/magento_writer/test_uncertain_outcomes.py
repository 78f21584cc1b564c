"""Uncertain Magento calls (issue 16): a cancel, invoice, ship or reservation call that committed in
Magento but whose answer was lost (commit-then-drop, 5xx). The writer re-reads Magento before it
decides, so its result states what Magento holds. The handlers run against the stand-in over a real
socket (a dropped connection is a transport error, as in production) with a SQLite ledger; no broker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sandbox.magento.faults import ORDER_CANCEL, ORDER_INVOICE, ORDER_SHIP, RESERVATIONS
from schemas.events.magento import MagentoOrderCanceledV1, MagentoOrderCreatedV1, MagentoOrderShippedV1
from services.common.retry import RetryPolicy
from services.magento_writer.catalog import Catalog
from services.magento_writer.context import WriterContext
from services.magento_writer.handlers import handle
from services.magento_writer.ledger import Ledger
from services.magento_writer.magento.auth import resolve_auth
from services.magento_writer.magento.client import MagentoClient
from tests.magento_writer.factories import (
    amazon_order,
    cancel_requested,
    order_requested,
    reservation_placed,
    reservation_released,
    shipment_requested,
    store_id,
)
from tests.magento_writer.sqlite_ledger import migrated_sqlite

RETRIES = RetryPolicy(max_attempts=3, base_s=0.0, cap_s=0.0)
SHIP, INVOICE, CANCEL, RESERVE = ORDER_SHIP, ORDER_INVOICE, ORDER_CANCEL, RESERVATIONS


@pytest.fixture(scope="module")
def magento() -> Iterator[Any]:
    from sandbox._server import serve_in_thread
    from sandbox.magento import MagentoState, create_app

    state = MagentoState()
    keys = state.create_integration("uncertain-outcomes")
    state.auth_secret = json.dumps(  # type: ignore[attr-defined]
        {k: keys[k] for k in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")}
    )
    handle_ = serve_in_thread(create_app(state))
    state.url = handle_.url  # type: ignore[attr-defined]
    try:
        yield state
    finally:
        handle_.stop()


@pytest.fixture
def ctx(magento: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WriterContext]:
    url = migrated_sqlite(tmp_path)
    monkeypatch.setenv("MAGENTO_UNCERTAIN_AUTH", magento.auth_secret)
    client = MagentoClient(magento.url, resolve_auth("env:MAGENTO_UNCERTAIN_AUTH", None), max_connections=2)
    context = WriterContext(client, Ledger(url), Catalog(client), RETRIES, "checkmo", "flatrate_flatrate")
    magento.clear_faults()
    try:
        yield context
    finally:
        magento.clear_faults()
        client.close()
        context.ledger.dispose()


def _created(ctx: WriterContext, magento: Any, sku: str, qty: int = 2) -> tuple[str, Any, MagentoOrderCreatedV1]:
    magento.create_product(sku, qty=100)
    store = store_id("u")
    order = amazon_order(items=((sku, qty, "5.00"),))
    [created] = handle(ctx, order_requested(store, order))
    assert isinstance(created, MagentoOrderCreatedV1)
    return store, order, created


def _dropped(magento: Any, route: str) -> list[dict[str, Any]]:
    return [c for c in magento.calls(route) if c["dropped"]]


def test_ship_committed_then_dropped_is_recorded_complete(ctx: WriterContext, magento: Any) -> None:
    store, order, created = _created(ctx, magento, "U-SHIP-1")
    magento.inject_fault(SHIP, "commit_then_drop")
    ship = shipment_requested(store, order, created.data.magento_order_number, created.data.magento_order_id)
    [result] = handle(ctx, ship)
    assert len(_dropped(magento, SHIP)) == 1  # the fault hit the ship route and committed
    assert magento.get_order(created.data.magento_order_id)["state"] == "complete"
    assert isinstance(result, MagentoOrderShippedV1)
    assert (result.data.invoiced, result.data.shipped, result.data.complete) == (True, True, True)
    assert result.data.reason is None
    assert getattr(result.data, "magento_state", None) == "complete"
    assert len(magento.shipments(created.data.magento_order_id)) == 1
    row = ctx.ledger.get(store, order.amazon_order_id)
    assert row is not None and row.state == "complete"


def test_invoice_committed_then_dropped_still_ships(ctx: WriterContext, magento: Any) -> None:
    store, order, created = _created(ctx, magento, "U-SHIP-2")
    magento.inject_fault(INVOICE, "commit_then_drop")
    ship = shipment_requested(store, order, created.data.magento_order_number, created.data.magento_order_id)
    [result] = handle(ctx, ship)
    assert len(_dropped(magento, INVOICE)) == 1
    assert isinstance(result, MagentoOrderShippedV1)
    assert (result.data.invoiced, result.data.shipped, result.data.complete) == (True, True, True)
    assert magento.get_order(created.data.magento_order_id)["state"] == "complete"


def test_ship_answered_5xx_every_time_but_committed_first_is_complete(ctx: WriterContext, magento: Any) -> None:
    store, order, created = _created(ctx, magento, "U-SHIP-3")
    magento.inject_fault(SHIP, "commit_then_drop")
    magento.inject_fault(SHIP, "status", times=RETRIES.max_attempts, status=503)
    ship = shipment_requested(store, order, created.data.magento_order_number, created.data.magento_order_id)
    [result] = handle(ctx, ship)
    assert isinstance(result, MagentoOrderShippedV1) and result.data.complete and result.data.reason is None


def test_ship_that_never_committed_says_why(ctx: WriterContext, magento: Any) -> None:
    store, order, created = _created(ctx, magento, "U-SHIP-4")
    magento.inject_fault(SHIP, "status", times=RETRIES.max_attempts, status=503)
    ship = shipment_requested(store, order, created.data.magento_order_number, created.data.magento_order_id)
    [result] = handle(ctx, ship)
    assert isinstance(result, MagentoOrderShippedV1)
    assert (result.data.invoiced, result.data.shipped, result.data.complete) == (True, False, False)
    assert result.data.reason and "Service Unavailable" in result.data.reason
    assert getattr(result.data, "magento_state", None) == "processing"


def test_ship_of_a_canceled_order_states_it_is_canceled(ctx: WriterContext, magento: Any) -> None:
    store, order, created = _created(ctx, magento, "U-SHIP-5")
    handle(ctx, cancel_requested(store, order.amazon_order_id, created.data.magento_order_number, None))
    ship = shipment_requested(store, order, created.data.magento_order_number, created.data.magento_order_id)
    [result] = handle(ctx, ship)
    assert isinstance(result, MagentoOrderShippedV1) and not result.data.complete
    assert result.data.reason == "the Magento order is canceled"
    assert getattr(result.data, "magento_state", None) == "canceled"


def test_cancel_committed_then_dropped_is_recorded_canceled(ctx: WriterContext, magento: Any) -> None:
    store, order, created = _created(ctx, magento, "U-CANCEL-1")
    magento.inject_fault(CANCEL, "commit_then_drop")
    cancel = cancel_requested(
        store, order.amazon_order_id, created.data.magento_order_number, created.data.magento_order_id
    )
    [result] = handle(ctx, cancel)
    assert len(_dropped(magento, CANCEL)) == 1
    stored = magento.get_order(created.data.magento_order_id)
    assert stored["state"] == "canceled"
    assert isinstance(result, MagentoOrderCanceledV1)
    assert result.data.ok and result.data.reason is None
    assert getattr(result.data, "magento_state", None) == "canceled"
    row = ctx.ledger.get(store, order.amazon_order_id)
    assert row is not None and row.state == "canceled"
    assert any("canceled on Amazon" in h["comment"] for h in stored["status_histories"])


def test_cancel_answered_5xx_every_time_but_committed_first_is_canceled(ctx: WriterContext, magento: Any) -> None:
    store, order, created = _created(ctx, magento, "U-CANCEL-2")
    magento.inject_fault(CANCEL, "commit_then_drop")
    magento.inject_fault(CANCEL, "status", times=RETRIES.max_attempts, status=500)
    cancel = cancel_requested(store, order.amazon_order_id, created.data.magento_order_number, None)
    [result] = handle(ctx, cancel)
    assert isinstance(result, MagentoOrderCanceledV1) and result.data.ok


def test_cancel_refused_gives_the_state_magento_holds_after_the_call(ctx: WriterContext, magento: Any) -> None:
    store, order, created = _created(ctx, magento, "U-CANCEL-3")
    handle(ctx, shipment_requested(store, order, created.data.magento_order_number, created.data.magento_order_id))
    [result] = handle(ctx, cancel_requested(store, order.amazon_order_id, created.data.magento_order_number, None))
    assert isinstance(result, MagentoOrderCanceledV1) and not result.data.ok
    assert result.data.reason == "Magento does not allow canceling an order in state complete (status complete)"
    assert getattr(result.data, "magento_state", None) == "complete"


def test_cancel_never_committed_reports_the_failure(ctx: WriterContext, magento: Any) -> None:
    store, order, created = _created(ctx, magento, "U-CANCEL-4")
    magento.inject_fault(CANCEL, "status", times=RETRIES.max_attempts, status=503)
    [result] = handle(ctx, cancel_requested(store, order.amazon_order_id, created.data.magento_order_number, None))
    assert isinstance(result, MagentoOrderCanceledV1) and not result.data.ok
    assert result.data.reason and "Service Unavailable" in result.data.reason
    assert magento.get_order(created.data.magento_order_id)["state"] == "new"
    assert getattr(result.data, "magento_state", None) == "new"


def _ours(magento: Any, amazon_id: str) -> list[float]:
    return sorted(r["quantity"] for r in magento.reservations() if amazon_id in str(r) and "amazon_pending" in str(r))


def test_reservation_placed_then_dropped_is_recorded_applied(ctx: WriterContext, magento: Any) -> None:
    sku = "U-RES-1"
    magento.create_product(sku, qty=10)
    placed = reservation_placed(store_id("u"), "111-0000000-0000001", {sku: 3})
    magento.inject_fault(RESERVE, "commit_then_drop")
    [result] = handle(ctx, placed)
    assert len(_dropped(magento, RESERVE)) == 1
    assert magento.salable_qty(sku) == 7
    assert result.data.applied and result.data.detail is None  # type: ignore[attr-defined]
    row = ctx.ledger.reservation(placed.data.store_id, placed.data.amazon_order_id)
    assert row is not None and row.placed


def test_reservation_with_unknown_outcome_is_resolved_by_the_release(ctx: WriterContext, magento: Any) -> None:
    """Every placement attempt answered 5xx, the first one committed: the writer cannot know. The
    release re-applies the placement (same key: a no-op if it was held) before releasing, so Magento
    ends with nothing held either way."""
    sku = "U-RES-2"
    magento.create_product(sku, qty=10)
    store, amazon_id = store_id("u"), "111-0000000-0000002"
    placed = reservation_placed(store, amazon_id, {sku: 3})
    magento.inject_fault(RESERVE, "commit_then_drop")
    magento.inject_fault(RESERVE, "status", times=RETRIES.max_attempts, status=503)
    [result] = handle(ctx, placed)
    assert not result.data.applied  # type: ignore[attr-defined]
    assert "unknown" in (result.data.detail or "")  # type: ignore[attr-defined]
    assert magento.salable_qty(sku) == 7  # the first attempt did commit
    [released] = handle(ctx, reservation_released(store, amazon_id, {sku: 3}))
    assert released.data.applied  # type: ignore[attr-defined]
    assert magento.salable_qty(sku) == 10
    assert _ours(magento, amazon_id) == [-3.0, 3.0]  # one place, one release: re-applying changed nothing


def test_reservation_never_placed_with_unknown_outcome_is_not_released_twice(ctx: WriterContext, magento: Any) -> None:
    sku = "U-RES-3"
    magento.create_product(sku, qty=10)
    store, amazon_id = store_id("u"), "111-0000000-0000003"
    magento.inject_fault(RESERVE, "status", times=RETRIES.max_attempts, status=503)
    [result] = handle(ctx, reservation_placed(store, amazon_id, {sku: 3}))
    assert not result.data.applied  # type: ignore[attr-defined]
    assert magento.salable_qty(sku) == 10
    handle(ctx, reservation_released(store, amazon_id, {sku: 3}))
    assert magento.salable_qty(sku) == 10  # placed then released: never above the real stock


def test_unknown_placement_is_resolved_when_the_magento_order_takes_the_stock(ctx: WriterContext, magento: Any) -> None:
    sku = "U-RES-4"
    magento.create_product(sku, qty=10)
    store = store_id("u")
    order = amazon_order(items=((sku, 3, "2.00"),))
    magento.inject_fault(RESERVE, "commit_then_drop")
    magento.inject_fault(RESERVE, "status", times=RETRIES.max_attempts, status=503)
    handle(ctx, reservation_placed(store, order.amazon_order_id, {sku: 3}))
    [created] = handle(ctx, order_requested(store, order))
    assert isinstance(created, MagentoOrderCreatedV1)
    assert magento.salable_qty(sku) == 7  # the order holds the 3 now; the pending hold is gone
    assert _ours(magento, order.amazon_order_id) == [-3.0, 3.0]
    row = ctx.ledger.reservation(store, order.amazon_order_id)
    assert row is not None and row.placed and row.released
