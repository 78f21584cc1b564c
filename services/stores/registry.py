"""Adapter: store events on the stores topic (the registry is their only writer; the one reader
is ``services.stores.directory``)."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas.events.stores import (
    StoreConfiguredData,
    StoreConfiguredDataV2,
    StoreConfiguredDataV3,
    StoreConfiguredV1,
    StoreConfiguredV2,
    StoreConfiguredV3,
)
from schemas.topics import STORES
from schemas.types import StoreConfig, StoreConfigV2, StoreConfigV3
from services.common.kafka import make_producer, publish_sync
from services.common.settings import Settings
from services.stores.directory import StoreDirectory
from services.stores.history import StoreHistory

PRODUCER = "stores"


def configured_event(config: StoreConfig, change: str, effective_at: datetime) -> StoreConfiguredV1:
    """v3 for a configuration with a time zone (``StoreConfigV3``), v2 for one with fulfillment
    settings (``StoreConfigV2``), else v1."""
    model: type[StoreConfiguredV1]
    data_model: type[StoreConfiguredData]
    if isinstance(config, StoreConfigV3):
        model, data_model = StoreConfiguredV3, StoreConfiguredDataV3
    elif isinstance(config, StoreConfigV2):
        model, data_model = StoreConfiguredV2, StoreConfiguredDataV2
    else:
        model, data_model = StoreConfiguredV1, StoreConfiguredData
    data = data_model(change=change, effective_at=effective_at, config=config)  # type: ignore[arg-type]
    event: StoreConfiguredV1 = model.build(
        key=config.store_id, occurred_at=effective_at, producer=PRODUCER, data=data,
        identity=(change, effective_at.isoformat(), config.model_dump_json()),
    )
    return event


def read_all(settings: Settings, timeout_s: float = 20.0) -> dict[str, StoreHistory]:
    """Every store's history: the whole stores topic, read once to its end."""
    directory = StoreDirectory(settings)
    directory.read_to_end(timeout_s)
    return directory.histories


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
