"""Counting a consumer group's live members (replay refuses to run while there are any)."""

from __future__ import annotations

import time
import uuid

from kafka import KafkaAdminClient

from schemas.topics import STORES
from services.common.kafka import group_member_count, make_consumer
from services.common.settings import Settings


def test_group_member_count_sees_a_live_consumer_and_its_departure(topics: Settings) -> None:
    group = f"members-{uuid.uuid4().hex[:6]}"
    admin = KafkaAdminClient(bootstrap_servers=topics.kafka_bootstrap_servers)
    consumer = make_consumer(topics, group, [STORES])
    try:
        assert group_member_count(admin, f"never-{group}") == 0
        deadline = time.monotonic() + 30
        while not consumer.assignment() and time.monotonic() < deadline:
            consumer.poll(200)
        assert consumer.assignment(), "the consumer never joined its group"
        assert group_member_count(admin, group) == 1
        consumer.close()
        deadline = time.monotonic() + 20
        while group_member_count(admin, group) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert group_member_count(admin, group) == 0
    finally:
        consumer.close()
        admin.close()
