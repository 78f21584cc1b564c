"""A replay over a topic that still holds an old event version: the raw v1 ``order.log.appended``
is upcast on the way in, and the rebuilt Orders tab is exactly what all-v2 events make."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import jsonschema
import pytest
from sqlalchemy import text

from schemas import encode
from schemas.envelope import event_id_for, order_key
from schemas.events.lifecycle import OrderLogAppendedV1
from schemas.snapshots import snapshot_path
from schemas.topics import ORDER_LIFECYCLE, STORES
from schemas.types import MagentoState, TabStatus
from services.common import broker_quirks
from services.common.db import get_engine
from services.common.kafka import make_producer
from services.common.settings import Settings
from services.replay import replay
from tests.orders_tab import sample

pytestmark = pytest.mark.integration

ORDER = "113-0000001-0000001"
FAILED = "Cannot create sales order: product SKU-001 is out of stock."
T0 = sample.EPOCH + timedelta(days=3)


def raw_v1_log_entry(store: str, seq: int, message: str) -> bytes:
    """An order.log.appended@1 as an older order processor wrote it, byte for byte (no model involved)."""
    key = order_key(store, ORDER)
    at = (T0 + timedelta(minutes=seq)).isoformat()
    value = {
        "event_id": event_id_for("order.log.appended", key, seq),
        "event_type": "order.log.appended",
        "schema_version": 1,
        "key": key,
        "occurred_at": at,
        "producer": sample.PRODUCER,
        "causation_id": None,
        "data": {"store_id": store, "amazon_order_id": ORDER, "entry": {"seq": seq, "at": at, "message": message}},
    }
    jsonschema.validate(value, json.loads(snapshot_path(OrderLogAppendedV1).read_text()))  # a genuine v1
    return json.dumps(value).encode()


def story(store: str, old_entry: bool) -> list[tuple[str, bytes, bytes]]:
    """One order's facts as (topic, key, value); with ``old_entry`` its failure entry is a raw v1."""
    key = order_key(store, ORDER).encode()
    messages = ["Order imported from Amazon.", "Status updated to Unshipped.", FAILED, "Status updated to Shipped."]
    statuses = [TabStatus.PENDING, TabStatus.UNSHIPPED, TabStatus.UNSHIPPED, TabStatus.SHIPPED]
    magento = [MagentoState.NONE, MagentoState.REQUESTED, MagentoState.FAILED, MagentoState.FAILED]
    records = [(STORES, store.encode(), encode(sample.store_event(store, f"Store {store}", 7)))]
    for seq, (message, status, state) in enumerate(zip(messages, statuses, magento, strict=True), 1):
        if old_entry and message == FAILED:
            log_value = raw_v1_log_entry(store, seq, message)
        else:
            log_value = encode(sample.log_event(store, ORDER, seq, message, T0 + timedelta(minutes=seq)))
        view = sample.view(store, ORDER, version=seq, status=status, magento_state=state, last_action=message,
                           purchase_date=T0, shipped=2 if status == TabStatus.SHIPPED else 0)
        records += [(ORDER_LIFECYCLE, key, log_value), (ORDER_LIFECYCLE, key, encode(sample.state_event(view)))]
    return records


def projected(settings: Settings, store: str) -> dict[str, list[tuple[object, ...]]]:
    """The store's Orders-tab rows, with the store id (and ids derived from it) blanked."""
    queries = {
        "orders": "SELECT * FROM orders_tab_orders WHERE store_id = :s",
        "log": "SELECT * FROM orders_tab_order_log WHERE store_id = :s ORDER BY seq",
        "stores": "SELECT * FROM orders_tab_stores WHERE store_id = :s",
    }
    out = {}
    with get_engine(settings.database_url).connect() as conn:
        for name, sql in queries.items():
            out[name] = [tuple("<store>" if isinstance(v, str) and store in v else v for v in row)
                         for row in conn.execute(text(sql), {"s": store})]
    return out


def test_replay_upcasts_a_raw_v1_event_to_the_state_all_v2_events_make(
        topics: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    suffix = uuid.uuid4().hex[:6]
    mixed, modern = f"v1mix-{suffix}", f"v2all-{suffix}"
    producer = make_producer(topics)
    try:
        for topic, key, value in story(mixed, old_entry=True) + story(modern, old_entry=False):
            producer.send(topic, key=key, value=value)
        producer.flush(30)
    finally:
        producer.close()

    # empty tables, every topic from the earliest offset

    replay(topics, "orders_tab", force=broker_quirks.stale_members_linger())

    rebuilt, expected = projected(topics, mixed), projected(topics, modern)
    assert rebuilt["orders"] and rebuilt["stores"] and len(rebuilt["log"]) == 4
    assert rebuilt == expected
    levels = {(r[2], r[-1]) for r in rebuilt["log"]}  # (seq, level)
    assert levels == {(1, "info"), (2, "info"), (3, "error"), (4, "info")}
