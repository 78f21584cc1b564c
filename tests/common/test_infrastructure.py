"""The real broker and PostgreSQL, through the common adapters."""

from __future__ import annotations

import uuid

from sqlalchemy import inspect

from schemas.topics import catalogue
from services.common.db import current_heads, get_engine
from services.common.settings import Settings
from services.common.topic_admin import ensure_topics


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
    ends = end_offsets(topics, [TopicPartition(name, 0), TopicPartition(name, 1)])
    assert ends == {TopicPartition(name, 0): 7, TopicPartition(name, 1): 1}
