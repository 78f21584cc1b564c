"""Consumer lag on the real broker: produce N, consume and commit M, lag == N - M per partition."""

from __future__ import annotations

import uuid

from kafka import OffsetAndMetadata, TopicPartition
from kafka.errors import KafkaConnectionError
from prometheus_client import REGISTRY

from schemas.topics import PREFIX, TopicSpec
from services.common.kafka import make_consumer, make_producer
from services.common.lag import GroupOffsets, LagExporter, PartitionLag, export_consumer_lag, export_group_lag
from services.common.settings import Settings
from services.common.topic_admin import ensure_topics
from tests.harness import wait_until

PRODUCED = {0: 7, 1: 4, 2: 3}
COMMITTED = {0: 5, 1: 4}  # partition 2: nothing committed yet


def lag_sample(service: str, topic: str, partition: int) -> float | None:
    return REGISTRY.get_sample_value("sales_channel_consumer_lag_messages",
                                     {"service": service, "topic": topic, "partition": str(partition)})


def test_lag_is_produced_minus_committed_per_partition(topics: Settings) -> None:
    settings = topics
    topic = f"{PREFIX}.lag-test-{uuid.uuid4().hex[:8]}"
    ensure_topics(settings, [TopicSpec(topic, "test", 3, "order", "delete", ("test",))])
    producer = make_producer(settings)
    for partition, n in PRODUCED.items():
        for i in range(n):
            producer.send(topic, key=f"k{i}", value=b"{}", partition=partition)
    producer.flush(30)
    producer.close()

    group = f"lag-test-{uuid.uuid4().hex[:8]}"
    consumer = make_consumer(settings, group, [])
    parts = [TopicPartition(topic, p) for p in PRODUCED]
    consumer.assign(parts)
    consumed: dict[int, int] = {p: 0 for p in PRODUCED}

    def consume() -> bool:
        for tp, records in consumer.poll(500).items():
            consumed[tp.partition] += len(records)
        return consumed == PRODUCED

    wait_until(consume, timeout=30, what="every produced message consumed")
    consumer.commit({TopicPartition(topic, p): OffsetAndMetadata(m, "", -1) for p, m in COMMITTED.items()})

    exporter = export_consumer_lag("lag_test", consumer, settings, interval_s=0.2, start=False)
    lags = {pl.partition: pl for pl in exporter.collect_once()}
    assert {p: pl.lag for p, pl in lags.items()} == {p: PRODUCED[p] - COMMITTED.get(p, 0) for p in PRODUCED}
    assert lags[2].committed is None and lags[0].committed == 5 and lags[0].end == 7
    for p in PRODUCED:
        assert lag_sample("lag_test", topic, p) == PRODUCED[p] - COMMITTED.get(p, 0)

    # The background thread follows the commits.
    with exporter:
        consumer.commit({TopicPartition(topic, p): OffsetAndMetadata(n, "", -1) for p, n in PRODUCED.items()})
        wait_until(lambda: all(lag_sample("lag_test", topic, p) == 0 for p in PRODUCED), timeout=15,
                   what="lag gauge back to 0 after committing everything")

    # A revoked partition's series disappears; the others stay.
    consumer.assign(parts[:1])
    exporter.collect_once()
    assert lag_sample("lag_test", topic, 0) == 0
    assert lag_sample("lag_test", topic, 1) is None and lag_sample("lag_test", topic, 2) is None
    consumer.close()

    # The group view (Faust apps): every partition of the topics, from committed offsets alone.
    group_exporter = export_group_lag("lag_group_test", settings, group, [topic], start=False)
    assert {pl.partition: pl.lag for pl in group_exporter.collect_once()} == {0: 0, 1: 0, 2: 0}
    fresh = export_group_lag("lag_group_test", settings, f"never-committed-{uuid.uuid4().hex[:6]}", [topic],
                             start=False)
    assert {pl.partition: pl.lag for pl in fresh.collect_once()} == PRODUCED
    group_exporter.source.close()
    fresh.source.close()


class FlakySource(GroupOffsets):
    """Fails twice (broker away), then answers."""

    def __init__(self) -> None:
        super().__init__("127.0.0.1:1", "flaky-group")  # type: ignore[arg-type]
        self.calls = 0
        self.closed = 0

    def read(self) -> list[PartitionLag]:
        self.calls += 1
        if self.calls <= 2:
            raise KafkaConnectionError("broker away")
        return [PartitionLag("t", 0, 3, 10, 7)]

    def close(self) -> None:
        self.closed += 1


def test_the_exporter_survives_broker_errors_and_counts_them() -> None:
    source = FlakySource()
    labels = {"service": "lag_flaky"}
    before = REGISTRY.get_sample_value("sales_channel_consumer_lag_errors_total", labels) or 0
    with LagExporter("lag_flaky", source, interval_s=0.05):
        wait_until(lambda: lag_sample("lag_flaky", "t", 0) == 7, timeout=10, what="lag after two failures")
    errors = REGISTRY.get_sample_value("sales_channel_consumer_lag_errors_total", labels)
    assert errors == before + 2
    assert source.closed >= 3  # reconnects after each failure, closes on stop
