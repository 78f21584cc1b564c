"""Topic provisioning rules (pure) and ensure_topics against the test broker."""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from schemas.topics import DEAD_LETTER_RETENTION_MS, STORES, catalogue, dead_letter_topic, spec
from services.common import broker_quirks
from services.common.settings import Settings
from services.common.topic_admin import (
    TopicMismatch,
    _described_configs,
    config_drift,
    desired_configs,
    ensure_topics,
    partition_problem,
    replication_for,
)


def test_replication_is_three_on_a_cluster_of_three_or_more_else_one_per_broker() -> None:
    s = Settings()
    assert [replication_for(s, n) for n in (1, 2, 3, 5)] == [1, 2, 3, 3]
    assert replication_for(Settings(topic_replication_factor=2), 5) == 2
    with pytest.raises(TopicMismatch, match="TOPIC_REPLICATION_FACTOR=3"):
        replication_for(Settings(topic_replication_factor=3), 1)


def test_desired_configs_keep_facts_for_replay_and_dead_letters_for_thirty_days() -> None:
    specs = {s.name: s for s in catalogue(4)}
    for name, s in specs.items():
        configs = desired_configs(s, 3)
        assert configs["min.insync.replicas"] == "2"
        assert configs["cleanup.policy"] == "delete"
        if ".dead-letters." in name:
            assert configs["retention.ms"] == str(DEAD_LETTER_RETENTION_MS)
        else:
            assert configs["retention.ms"] == "-1", name  # the source of truth is never expired
    assert desired_configs(specs[STORES], 1)["min.insync.replicas"] == "1"


def test_config_drift_lists_each_differing_value() -> None:
    assert config_drift({"a": "1", "b": "2"}, {"a": "1", "b": "3"}) == {"b": ("2", "3")}
    assert config_drift({"a": "1"}, {}) == {"a": ("1", None)}
    assert config_drift({"a": "1"}, {"a": "1", "other": "x"}) == {}


def test_partition_problems_name_the_setting_that_applies() -> None:
    order_topic = spec(f"{STORES.rsplit('.', 1)[0]}.amazon-orders", 4)
    assert partition_problem(order_topic, 4, 4) is None
    assert "Set ORDER_TOPIC_PARTITIONS=8" in (partition_problem(order_topic, 8, 4) or "")
    stores = spec(STORES, 4)
    problem = partition_problem(stores, 4, 4) or ""
    assert "ORDER_TOPIC_PARTITIONS" not in problem and "recreate" in problem


@pytest.mark.integration
class DescribesLate:
    """An admin client whose broker describes a new topic only from its ``known_from``-th answer."""

    def __init__(self, known_from: int) -> None:
        self.known_from = known_from
        self.asked = 0

    def describe_configs(self, resources: list[ConfigResource], config_filter: str) -> dict[str, object]:
        self.asked += 1
        if self.asked < self.known_from:
            return {"topic": {}}
        return {"topic": {r.name: {k: {"value": "x"} for k in r.configs} for r in resources}}


def test_described_configs_wait_for_a_topic_the_broker_does_not_describe_yet() -> None:
    admin = DescribesLate(known_from=3)
    waits: list[float] = []
    configs = _described_configs(admin, ["t"], ["cleanup.policy"], sleep=waits.append)  # type: ignore[arg-type]
    assert configs == {"t": {"cleanup.policy": "x"}}
    assert admin.asked == 3 and waits == [0.3, 0.3]  # the TOPIC_DESCRIBED policy


def test_described_configs_give_up_at_the_deadline_naming_the_topic() -> None:
    admin = DescribesLate(known_from=10**6)
    with pytest.raises(TopicMismatch, match="no configs for \\['t'\\]"):
        _described_configs(admin, ["t"], ["cleanup.policy"], timeout_s=0.0)  # type: ignore[arg-type]
    assert admin.asked == 1


def test_ensure_topics_applies_and_verifies_configs(topics: Settings) -> None:
    again = ensure_topics(topics)
    assert again.created == [] and again.reconfigured == {}
    if not broker_quirks.enforces_topic_configs():
        pytest.skip("this broker keeps no topic configs to verify (tansu-notes #4)")
    admin = KafkaAdminClient(bootstrap_servers=topics.kafka_bootstrap_servers)
    try:
        name = dead_letter_topic("poller")
        admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, name, {"retention.ms": "1000"})],
                            incremental=True)
        repaired = ensure_topics(topics)
        assert repaired.reconfigured == {name: {"retention.ms": (str(DEAD_LETTER_RETENTION_MS), "1000")}}
        assert ensure_topics(topics).reconfigured == {}
    finally:
        admin.close()
