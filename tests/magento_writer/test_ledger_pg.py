"""The ledger on PostgreSQL: the row read together with the advisory lock (one round trip) sees what
the previous holder wrote under the lock; "created" and the reservation hand-over land together."""

from __future__ import annotations

import threading
import time
import uuid

import pytest

from services.magento_writer.ledger import Ledger

pytestmark = pytest.mark.integration


def test_row_read_with_the_lock_sees_the_previous_holders_write(migrated_pg_url: str) -> None:
    ledger = Ledger(migrated_pg_url, concurrency=2)
    store, amazon_id = f"l-{uuid.uuid4().hex[:6]}", "111-0000000-0000001"
    key = f"{store}:{amazon_id}"
    first_holds = threading.Event()
    seen: list[str | None] = []

    def second() -> None:
        first_holds.wait(5)
        with ledger.locked_order(key, store, amazon_id) as row:  # blocks until the first lets go
            seen.append(row.state if row else None)

    thread = threading.Thread(target=second)
    thread.start()
    try:
        with ledger.locked_order(key, store, amazon_id) as row:
            assert row is None
            first_holds.set()
            time.sleep(0.3)  # the second is waiting for the lock now
            ledger.update(store, amazon_id, store_code="default", command_id="c1", state="attempting")
            ledger.update(store, amazon_id, store_code="default", command_id="c1", state="created", entity_id=5)
        thread.join(10)
        assert seen == ["created"]
    finally:
        thread.join(10)
        ledger.dispose()


def test_record_created_marks_the_order_and_supersedes_an_unseen_placement(migrated_pg_url: str) -> None:
    ledger = Ledger(migrated_pg_url, concurrency=2)
    store = f"l-{uuid.uuid4().hex[:6]}"
    try:
        with ledger.order_lock(f"{store}:1"):
            fresh = ledger.record_created(
                store, "1", store_code="default", command_id="c", increment_id="A1", entity_id=7, stock_id=1
            )
        assert fresh.superseded and not fresh.placed
        order = ledger.get(store, "1")
        assert order is not None and (order.state, order.entity_id, order.increment_id) == ("created", 7, "A1")

        ledger.save_reservation(store, "2", stock_id=1, items=[{"sku": "A", "quantity": 2}], placed=True)
        held = ledger.record_created(
            store, "2", store_code="default", command_id="c", increment_id="A2", entity_id=8, stock_id=1
        )
        assert held.placed and not held.superseded and held.items == [{"sku": "A", "quantity": 2}]
        assert ledger.store_code_of(store) == "default"
    finally:
        ledger.dispose()
