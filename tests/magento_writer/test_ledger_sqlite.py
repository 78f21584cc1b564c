"""The ledger's SQL on SQLite (the dev default DATABASE_URL), tables from the writer's own migrations."""

from __future__ import annotations

from pathlib import Path

from services.magento_writer.ledger import Ledger
from tests.magento_writer.sqlite_ledger import migrated_sqlite


def _ledger(tmp_path: Path) -> Ledger:
    return Ledger(migrated_sqlite(tmp_path))


def test_order_rows_are_upserted_and_attempts_counted(tmp_path: Path) -> None:
    ledger = _ledger(tmp_path)
    with ledger.order_lock("s:1"):
        assert ledger.get("s", "1") is None
        first = ledger.update("s", "1", store_code="default", command_id="c1", increment_id="A1", attempts_inc=1)
        assert (first.state, first.attempts, first.increment_id) == ("attempting", 1, "A1")
        ledger.update("s", "1", store_code="default", command_id="c1", attempts_inc=1)
        done = ledger.update("s", "1", store_code="default", command_id="c1", state="created", entity_id=9)
    assert (done.state, done.attempts, done.entity_id, done.increment_id) == ("created", 2, 9, "A1")
    assert ledger.get("s", "1") == done
    assert ledger.store_code_of("s") == "default"


def test_reservations_supersede_and_release(tmp_path: Path) -> None:
    ledger = _ledger(tmp_path)
    fresh = ledger.supersede_pending("s", "2", 1)
    assert fresh.superseded and not fresh.placed
    ledger.save_reservation("s", "3", stock_id=1, items=[{"sku": "A", "quantity": 2}], placed=True)
    held = ledger.supersede_pending("s", "3", 1)
    assert held.placed and not held.superseded and held.items == [{"sku": "A", "quantity": 2}]
    ledger.save_reservation("s", "3", stock_id=1, released=True)
    row = ledger.reservation("s", "3")
    assert row is not None and row.released and row.items == [{"sku": "A", "quantity": 2}]
