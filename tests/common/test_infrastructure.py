"""The real broker and PostgreSQL, through the common adapters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import inspect

from schemas.topics import STORES, catalogue
from schemas.types import StoreConfig
from services.common.db import current_heads, get_engine
from services.common.settings import Settings
from services.common.topic_admin import ensure_topics
from services.stores import registry


def test_topics_create_is_safe_to_run_twice(settings: Settings) -> None:
    first = ensure_topics(settings)
    second = ensure_topics(settings)
    names = {s.name for s in catalogue(settings.order_topic_partitions)}
    assert set(first.created) | set(first.existing) == names
    assert second.created == [] and set(second.existing) == names


def test_migrations_reach_every_branch_head(settings: Settings) -> None:
    from alembic.script import ScriptDirectory

    from services.common.db import alembic_config

    heads = set(ScriptDirectory.from_config(alembic_config(settings.database_url)).get_heads())
    assert current_heads(settings.database_url) == heads
    tables = set(inspect(get_engine(settings.database_url)).get_table_names())
    assert "alembic_version" in tables or not heads


def test_store_integration_is_an_event_read_back_with_history(topics: Settings) -> None:
    sid = f"st-{uuid.uuid4().hex[:8]}"
    cfg = StoreConfig(store_id=sid, name="Test store", merchant_id=900000 + uuid.uuid4().int % 99999,
                      seller_id="A1", marketplace_id="ATVPDKIKX0DER", spapi_endpoint="http://x",
                      lwa_credentials_ref="env:LWA_X", integration_time=datetime(2026, 1, 1, tzinfo=UTC))
    registry.integrate(topics, cfg)
    later = cfg.model_copy(update={"settings": cfg.settings.model_copy(update={"import_orders": False})})
    registry.publish_config(topics, later, "updated", datetime(2026, 2, 1, tzinfo=UTC))
    history = registry.read_all(topics)[sid]
    assert history.at(datetime(2025, 12, 31, tzinfo=UTC)) is None
    assert history.at(datetime(2026, 1, 15, tzinfo=UTC)).settings.import_orders is True
    assert history.current.settings.import_orders is False
    try:
        registry.integrate(topics, cfg)
        raise AssertionError("integrating the same store twice must fail")
    except ValueError as exc:
        assert "already integrated" in str(exc)
    assert STORES.endswith(".stores")


def test_end_offsets_are_exact_when_records_share_a_batch(topics: Settings) -> None:
    """Tansu reports the start of the last batch + 1 as the latest offset (docs/tansu-notes.md #7)."""
    from kafka import KafkaProducer, TopicPartition
    from kafka.admin import KafkaAdminClient, NewTopic

    from services.common.kafka import end_offsets

    name = f"end-offsets-{uuid.uuid4().hex[:6]}"
    admin = KafkaAdminClient(bootstrap_servers=topics.kafka_bootstrap_servers)
    admin.create_topics([NewTopic(name, 2, 1)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=topics.kafka_bootstrap_servers, linger_ms=200)
    for _ in range(7):
        producer.send(name, value=b"x", partition=0)
    producer.flush()
    producer.send(name, value=b"y", partition=1).get(10)
    producer.close()
    ends = end_offsets(topics.kafka_bootstrap_servers, [TopicPartition(name, 0), TopicPartition(name, 1)])
    assert ends == {TopicPartition(name, 0): 7, TopicPartition(name, 1): 1}
