"""The pure fold and the batch writer, on SQLite (the one-machine database) — PostgreSQL is
covered by the projection tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from schemas.types import MagentoState, TabStatus
from services.common.db import get_engine, upgrade
from services.orders_tab import query
from services.orders_tab.apply import fold
from services.orders_tab.decoding import decode_used
from services.orders_tab.store import stored_offsets, truncate, write_batch
from tests.orders_tab import sample

T0 = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture()
def sqlite(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path}/orders-tab.db"
    upgrade(url)
    return get_engine(url)


def test_fold_keeps_the_newest_version_and_latest_poll() -> None:
    v = [
        sample.view("s1", "A", version=n, status=s)
        for n, s in ((2, TabStatus.SHIPPED), (3, TabStatus.COMPLETED), (1, TabStatus.PENDING))
    ]
    polls = [sample.poll_event("s1", T0 + timedelta(minutes=m)) for m in (5, 9, 7)]
    batch = fold([*map(sample.state_event, v), *polls])
    assert batch.orders[("s1", "A")]["version"] == 3
    assert batch.orders[("s1", "A")]["status"] == "Completed"
    assert batch.polls["s1"]["last_poll_at"] == T0 + timedelta(minutes=9)
    assert batch.applied == {"order.state.changed": 3, "store.poll.completed": 3}


def test_ignored_events_are_skipped_without_validation() -> None:
    raw = b'{"event_id":"x","event_type":"magento.order.requested","schema_version":1,"key":"s:a"}'
    assert decode_used(raw) is None
    event = sample.state_event(sample.view("s1", "A"))
    from schemas import encode

    assert decode_used(encode(event)) == event


def test_writes_are_idempotent_and_versioned_on_sqlite(sqlite: Engine) -> None:
    events = [
        sample.store_event("s1", "Store One", 1),
        sample.state_event(
            sample.view(
                "s1", "A", version=2, status=TabStatus.UNSHIPPED, magento_state=MagentoState.FAILED, latest_ship_date=T0
            )
        ),
        sample.log_event("s1", "A", 1, "Order imported from Amazon."),
        sample.log_event("s1", "A", 2, "Cannot create sales order: out of stock."),
        sample.poll_event("s1", T0),
    ]
    batch = fold(events)
    for offset in range(len(events)):
        batch.consumed("topic", 0, offset)
    for _ in range(2):
        with sqlite.begin() as conn:
            write_batch(conn, batch)
    older = fold([sample.state_event(sample.view("s1", "A", version=1, status=TabStatus.PENDING))])
    with sqlite.begin() as conn:
        write_batch(conn, older)
    with sqlite.connect() as conn:
        row = query.order(conn, "s1", "A")
        assert row is not None and (row["version"], row["status"]) == (2, "Unshipped")
        assert [e["seq"] for e in query.order_log(conn, "s1", "A")] == [1, 2]
        assert stored_offsets(conn) == {("topic", 0): 5}
        page = query.grid(conn, query.GridQuery(magento_states=(MagentoState.FAILED,)))
        assert [r["amazon_order_id"] for r in page.rows] == ["A"] and page.total == 1
        dash = query.dashboard(conn, "s1", 24, now=T0 + timedelta(hours=1))
        assert dash is not None and (dash.magento_failed, dash.ship_past) == (1, 1)
        assert query.utc(dash.store["last_poll_at"]) == T0
    with sqlite.begin() as conn:
        truncate(conn)
    with sqlite.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM orders_tab_orders")).scalar_one() == 0
        assert stored_offsets(conn) == {}


def test_log_entries_keep_their_level_whatever_version_they_were_written_in(sqlite: Engine) -> None:
    from schemas import encode
    from schemas.events.lifecycle import OrderLogAppendedData, OrderLogAppendedV1
    from schemas.types import LogEntry

    failed = "Unable to reserve inventory: SKU-1 is not in stock."
    old = OrderLogAppendedV1.build(
        key="s1:A", occurred_at=T0, producer="order_processor", identity=(2,),
        data=OrderLogAppendedData(store_id="s1", amazon_order_id="A", entry=LogEntry(seq=2, at=T0, message=failed)),
    )
    raw = [encode(sample.log_event("s1", "A", 1, "Order imported from Amazon.")), encode(old)]
    batch = fold([e for e in map(decode_used, raw) if e is not None])
    assert [r["level"] for r in batch.log.values()] == ["info", "error"]
    decoded = decode_used(encode(old))
    assert decoded is not None
    assert fold([old]).log == fold([decoded]).log  # (upcast on fold as well as on decode)
    with sqlite.begin() as conn:
        write_batch(conn, batch)
    with sqlite.connect() as conn:
        assert [(e["seq"], e["level"]) for e in query.order_log(conn, "s1", "A")] == [(1, "info"), (2, "error")]


def test_the_level_migration_marks_the_failures_already_in_the_log(tmp_path: Path) -> None:
    from alembic import command

    from services.common.db import alembic_config

    url = f"sqlite:///{tmp_path}/before-levels.db"
    cfg = alembic_config(url)
    command.upgrade(cfg, "0001_orders_tab")
    engine = get_engine(url)
    messages = ["Order imported from Amazon.", "Cannot create sales order: out of stock.",
                "Magento order 100000001 could not be canceled: it is shipped.",
                "Magento order 100000001 was canceled."]
    with engine.begin() as conn:
        for seq, message in enumerate(messages, 1):
            conn.execute(text("INSERT INTO orders_tab_order_log (store_id, amazon_order_id, seq, at, message) "
                              "VALUES ('s1', 'A', :q, :at, :m)"), {"q": seq, "at": T0, "m": message})
    command.upgrade(cfg, "heads")
    with engine.connect() as conn:
        levels = [e["level"] for e in query.order_log(conn, "s1", "A")]
    assert levels == ["info", "error", "error", "info"]
