"""The ledger's SQL on SQLite (the dev default DATABASE_URL), tables from the writer's own migration."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.operations import Operations

from services.common.db import get_engine
from services.magento_writer.ledger import Ledger

MIGRATION = Path(__file__).resolve().parents[2] / "services/magento_writer/migrations/versions/0001_writer_tables.py"


def _ledger(tmp_path: Path) -> Ledger:
    url = f"sqlite:///{tmp_path}/writer.db"
    spec = importlib.util.spec_from_file_location("writer_migration", MIGRATION)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with get_engine(url).begin() as conn, Operations.context(MigrationContext.configure(conn)):
        module.upgrade()
    return Ledger(url)


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
