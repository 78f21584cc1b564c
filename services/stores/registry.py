"""Adapter: store events on the stores topic (the registry is their only writer)."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from schemas import decode
from schemas.events.stores import StoreConfiguredData, StoreConfiguredV1
from schemas.topics import STORES
from schemas.types import StoreConfig
from services.common.kafka import end_offsets, make_consumer, make_producer, publish_sync
from services.common.settings import Settings
from services.stores.history import StoreHistory, fold

PRODUCER = "stores"


def configured_event(config: StoreConfig, change: str, effective_at: datetime) -> StoreConfiguredV1:
    data = StoreConfiguredData(change=change, effective_at=effective_at, config=config)  # type: ignore[arg-type]
    return StoreConfiguredV1.build(
        key=config.store_id, occurred_at=effective_at, producer=PRODUCER, data=data,
        identity=(change, effective_at.isoformat(), config.model_dump_json()),
    )


def read_all(settings: Settings, timeout_s: float = 20.0) -> dict[str, StoreHistory]:
    """Read the whole stores topic (no consumer group) and fold it."""
    from kafka import TopicPartition

    consumer = make_consumer(settings, None, [])
    try:
        tp = TopicPartition(STORES, 0)
        consumer.assign([tp])  # no group, no commit: starts at the earliest offset
        end = end_offsets(settings.kafka_bootstrap_servers, [tp])[tp]
        events: list[StoreConfiguredV1] = []
        deadline = time.monotonic() + timeout_s
        while consumer.position(tp) < end and time.monotonic() < deadline:
            for records in consumer.poll(500).values():
                for r in records:
                    ev = decode(r.value)
                    if isinstance(ev, StoreConfiguredV1):
                        events.append(ev)
        if consumer.position(tp) < end:
            raise TimeoutError(f"could not read the stores topic to its end within {timeout_s}s")
        return fold(events)
    finally:
        consumer.close()


def publish_config(settings: Settings, config: StoreConfig, change: str,
                   effective_at: datetime | None = None) -> StoreConfiguredV1:
    event = configured_event(config, change, effective_at or datetime.now(UTC))
    producer = make_producer(settings)
    try:
        publish_sync(producer, STORES, [event])
    finally:
        producer.close()
    return event


def integrate(settings: Settings, config: StoreConfig) -> StoreConfiguredV1:
    existing = read_all(settings)
    if config.store_id in existing:
        raise ValueError(f"store {config.store_id!r} is already integrated; use `stores update`")
    taken = {h.current.merchant_id: sid for sid, h in existing.items()}
    if config.merchant_id in taken:
        raise ValueError(f"merchant id {config.merchant_id} is already used by store {taken[config.merchant_id]!r}")
    return publish_config(settings, config, "integrated", config.integration_time)


def next_merchant_id(histories: dict[str, StoreHistory]) -> int:
    return max((h.current.merchant_id for h in histories.values()), default=0) + 1
