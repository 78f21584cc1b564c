"""Snapshots of every piece of derived state, to compare a live run with a replay."""

from __future__ import annotations

from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from sqlalchemy import text

from services.common.db import get_engine
from services.common.kafka import end_offsets
from services.common.settings import Settings

PROJECTION_TABLES = ("orders_tab_orders", "orders_tab_order_log", "orders_tab_stores")


def projection(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the Orders-tab tables (offsets excluded: a replay reads further)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with get_engine(settings.database_url).connect() as conn:
        for table in PROJECTION_TABLES:
            rows = conn.execute(text(f"SELECT * FROM {table}")).all()
            out[table] = sorted((tuple(r) for r in rows), key=repr)
    return out


def changelog_tables(settings: Settings, app_id: str) -> dict[str, dict[bytes, bytes]]:
    """The content of each Faust table of ``app_id``: the latest value per key of its changelog."""
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    try:
        names = [t for t in admin.list_topics() if t.startswith(f"{app_id}-") and t.endswith("-changelog")]
    finally:
        admin.close()
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False,
                             auto_offset_reset="earliest")
    tables: dict[str, dict[bytes, bytes]] = {}
    try:
        for name in names:
            tps = [TopicPartition(name, p) for p in sorted(consumer.partitions_for_topic(name) or ())]
            consumer.assign(tps)
            ends = end_offsets(settings, tps)
            latest: dict[bytes, bytes] = {}
            while any(consumer.position(tp) < ends[tp] for tp in tps):
                for records in consumer.poll(500).values():
                    for r in records:
                        if r.value is None:
                            latest.pop(r.key, None)
                        else:
                            latest[r.key] = r.value
            tables[name.removeprefix(f"{app_id}-")] = latest
    finally:
        consumer.close()
    return tables


def magento_effects(state: Any) -> dict[str, Any]:
    """What Magento holds: orders (number, status, items) and stock reservations."""
    orders = sorted((o["increment_id"], o.get("ext_order_id"), o.get("status"), o.get("state"),
                     tuple(sorted((i["sku"], i["qty_ordered"]) for i in o.get("items", []))))
                    for o in state.list_orders())
    reservations = sorted(repr(sorted(r.items())) for r in state.reservations())
    return {"orders": orders, "reservations": reservations}
