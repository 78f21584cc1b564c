"""``services.common.kafka.subscribe``: a group consumer subscribes once its metadata holds every
topic's partitions, so its first assignment cannot leave a known topic out (kafka-python assigns
from the leader's metadata; a consumer that joined before its first metadata answer once sat with
no partitions, "No partition metadata for topic", and the writer's tests timed out). Real broker."""

from __future__ import annotations

import logging
import time
import uuid

import pytest
from kafka import KafkaConsumer

from schemas.topics import MAGENTO_RESULTS, ORDER_COMMANDS, RESERVATIONS
from services.common.kafka import make_consumer, subscribe
from services.common.kafka_security import client_options
from services.common.settings import Settings

pytestmark = pytest.mark.integration


def _assignment(consumer: KafkaConsumer, timeout_s: float = 30.0) -> set[tuple[str, int]]:
    deadline = time.monotonic() + timeout_s
    while not consumer.assignment() and time.monotonic() < deadline:
        consumer.poll(100)
    return {(tp.topic, tp.partition) for tp in consumer.assignment()}


def test_the_first_assignment_covers_every_subscribed_topic(topics: Settings) -> None:
    wanted = [ORDER_COMMANDS, RESERVATIONS, MAGENTO_RESULTS]
    consumer = make_consumer(topics, f"subscribe-{uuid.uuid4().hex[:6]}", [])
    try:
        subscribe(consumer, wanted)
        for topic in wanted:  # known before the consumer ever polls, i.e. before it joins
            assert consumer._client.cluster.partitions_for_topic(topic), topic
        assigned = _assignment(consumer)
        expected = {(t, p) for t in wanted for p in consumer.partitions_for_topic(t)}
        assert assigned == expected
    finally:
        consumer.close()


def test_a_missing_topic_is_named_and_subscribed_all_the_same(
    topics: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    missing = f"sales-channel.not-created-{uuid.uuid4().hex[:6]}"
    consumer = KafkaConsumer(**client_options(topics), group_id=f"subscribe-{uuid.uuid4().hex[:6]}",
                             enable_auto_commit=False, allow_auto_create_topics=False)
    try:
        with caplog.at_level(logging.WARNING, logger="services.common.kafka"):
            started = time.monotonic()
            subscribe(consumer, [ORDER_COMMANDS, missing], timeout_s=1.5)
            assert time.monotonic() - started < 10
        warning = next(r.getMessage() for r in caplog.records if missing in r.getMessage())
        assert "sales-channel topics create" in warning and ORDER_COMMANDS not in warning
        assert consumer.subscription() == {ORDER_COMMANDS, missing}
    finally:
        consumer.close()
