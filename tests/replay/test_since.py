"""``sales-channel replay --service orders_tab --since <time>``: keep the tables and re-apply what
was published from that time on (each partition from its offset at that time)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from schemas import encode
from schemas.envelope import order_key
from schemas.topics import ORDER_VIEW, STORES
from services.common import broker_quirks
from services.common.db import get_engine
from services.common.kafka import make_producer
from services.common.settings import Settings
from services.orders_tab.projector import Projector
from services.orders_tab.store import stored_offsets
from services.replay import replay
from tests.orders_tab import sample

pytestmark = pytest.mark.integration

TABLES = ("orders_tab_orders", "orders_tab_order_log", "orders_tab_stores")


def _publish(settings: Settings, store: str) -> None:
    order = "114-0000001-0000001"
    key = order_key(store, order)
    records = [
        (STORES, store, sample.store_event(store, f"Store {store}", 5)),
        (ORDER_VIEW, key, sample.log_event(store, order, 1, "Order imported from Amazon.")),
        (ORDER_VIEW, key, sample.state_event(sample.view(store, order, version=1))),
        (ORDER_VIEW, key, sample.log_event(store, order, 2, "Cannot create sales order: out of stock.")),
    ]
    producer = make_producer(settings)
    try:
        for topic, k, event in records:
            producer.send(topic, key=k.encode(), value=encode(event))
        producer.flush(30)
    finally:
        producer.close()


def _project(settings: Settings) -> None:
    projector = Projector(settings, group_id=None)
    try:
        projector.run(until_idle=True, max_seconds=60)
    finally:
        projector.close()


def _rows(settings: Settings, store: str) -> dict[str, list[tuple[object, ...]]]:
    with get_engine(settings.database_url).connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} WHERE store_id = :s ORDER BY 1, 2"),
                                                   {"s": store})] for t in TABLES}


def _lose(settings: Settings, *stores: str) -> None:
    with get_engine(settings.database_url).begin() as conn:
        for table in TABLES:
            for store in stores:
                conn.execute(text(f"DELETE FROM {table} WHERE store_id = :s"), {"s": store})


def test_replay_since_reapplies_only_the_records_from_that_time_on(topics: Settings) -> None:
    suffix = uuid.uuid4().hex[:6]
    older, newer = f"since-old-{suffix}", f"since-new-{suffix}"
    _publish(topics, older)
    time.sleep(1.5)  # record timestamps are the producer's clock: leave a clear gap around ``since``
    since = datetime.now(UTC)
    time.sleep(1.5)
    _publish(topics, newer)
    _project(topics)
    before = {s: _rows(topics, s) for s in (older, newer)}
    assert all(before[s]["orders_tab_orders"] and len(before[s]["orders_tab_order_log"]) == 2 for s in before)
    with get_engine(topics.database_url).connect() as conn:
        positions = stored_offsets(conn)

    _lose(topics, older, newer)  # e.g. rows deleted by hand, or a partial restore
    try:
        replay(topics, "orders_tab", force=broker_quirks.stale_members_linger(), since=since)

        assert _rows(topics, newer) == before[newer]  # re-applied from its offsets at ``since``
        assert _rows(topics, older) == {t: [] for t in TABLES}  # older than ``since``: left alone
        with get_engine(topics.database_url).connect() as conn:
            assert stored_offsets(conn) == positions  # positions never move backwards
    finally:
        # the projection matches the topics again, for later tests
        replay(topics, "orders_tab", force=broker_quirks.stale_members_linger())
    assert _rows(topics, older) == before[older]


def test_since_is_refused_where_it_does_not_apply(topics: Settings) -> None:
    with pytest.raises(ValueError, match="orders_tab only"):
        replay(topics, "all", force=broker_quirks.stale_members_linger(), since=datetime.now(UTC))
    with pytest.raises(ValueError, match="no time zone"):
        replay(topics, "orders_tab", force=broker_quirks.stale_members_linger(), since=datetime(2026, 1, 1))
