"""Consumer lag, exported by the consuming services themselves.

``sales_channel_consumer_lag_messages{service,topic,partition}`` = end offset - committed offset of
the consumer group, per partition. A background thread reads both with its own admin client
(kafka-python's consumer is not thread-safe, so the service's consumer is never called from here,
except for ``assignment()``, which only copies a set) and updates the gauge every ``interval_s``.

- kafka-python services: ``export_consumer_lag("magento_writer", consumer, settings)`` reports the partitions
  currently assigned to that consumer.
- Faust workers (or anything with a group id): ``export_group_lag("order_processor", settings,
  group_id=app.conf.id, topics=[...], assigned=lambda: app.consumer.assignment())``; without
  ``assigned`` every partition of ``topics`` is reported by every replica, which dashboards
  de-duplicate with ``max by (service, topic, partition)``.

A partition without a committed offset counts from the earliest offset still in the log (what
``auto_offset_reset=earliest`` would consume).

End offsets are ListOffsets(latest), confirmed by a read only where ``services.common.broker_quirks``
says the broker answers short. Series of partitions no longer reported (revoked
in a rebalance) are removed, so a replica never shows stale lag for a partition it gave away."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import OffsetSpec

from services.common import broker_quirks
from services.common.kafka_security import client_options
from services.common.logging import get_logger
from services.common.metrics import CONSUMER_LAG, counter
from services.common.settings import Settings

log = get_logger(__name__)

LAG_ERRORS = counter("consumer_lag_errors_total",
                     "Failed attempts to read committed or end offsets for the lag gauge.", ("service",))

Assigned = Callable[[], Iterable[TopicPartition]]


@dataclass(frozen=True)
class PartitionLag:
    topic: str
    partition: int
    committed: int | None  # None: the group has not committed on this partition yet
    end: int
    lag: int


class GroupOffsets:
    """Committed offsets of one consumer group and end offsets of its partitions, read through a
    KafkaAdminClient owned by the caller's thread."""

    def __init__(self, settings: Settings, group_id: str,
                 topics: Iterable[str] = (), assigned: Assigned | None = None,
                 request_timeout_ms: int = 10_000) -> None:
        self.settings = settings
        self._reader: KafkaConsumer | None = None
        self.group_id = group_id
        self.topics = tuple(topics)
        self.assigned = assigned
        self.request_timeout_ms = request_timeout_ms
        self._admin: KafkaAdminClient | None = None

    def _client(self) -> KafkaAdminClient:
        if self._admin is None:
            self._admin = KafkaAdminClient(**client_options(self.settings),
                                           client_id=f"lag-{self.group_id}",
                                           request_timeout_ms=self.request_timeout_ms)
        return self._admin

    def _topic_partitions(self, admin: KafkaAdminClient) -> set[TopicPartition]:
        if not self.topics:
            return set()
        parts: set[TopicPartition] = set()
        for d in admin.describe_topics(list(self.topics)):
            name = d.get("topic") or d.get("name")
            for p in d.get("partitions") or []:
                parts.add(TopicPartition(name, p["partition"] if "partition" in p else p["partition_index"]))
        return parts

    def read(self) -> list[PartitionLag]:
        admin = self._client()
        committed_all: dict[TopicPartition, Any] = admin.list_group_offsets({self.group_id: None}).get(
            self.group_id, {})
        committed = {tp: om.offset for tp, om in committed_all.items()
                     if om.offset is not None and om.offset >= 0}
        if self.assigned is not None:
            parts = {TopicPartition(tp.topic, tp.partition) for tp in self.assigned()}  # Faust's TP too
        else:
            parts = self._topic_partitions(admin) | {tp for tp in committed if not self.topics
                                                     or tp.topic in self.topics}
        if not parts:
            return []
        listed = admin.list_partition_offsets({tp: OffsetSpec.LATEST for tp in parts})
        ends = {tp: o.offset for tp, o in listed.items()}
        if broker_quirks.short_end_offsets():  # ListOffsets(latest) short of the end (note #7)
            ends = self._verified_ends(ends)
        missing = [tp for tp in parts if tp not in committed]
        starts = admin.list_partition_offsets({tp: OffsetSpec.EARLIEST for tp in missing}) if missing else {}
        out = []
        for tp in sorted(parts):
            end = ends[tp]
            base = committed.get(tp, starts[tp].offset if tp in starts else end)
            out.append(PartitionLag(tp.topic, tp.partition, committed.get(tp), end, max(0, end - base)))
        return out

    def _verified_ends(self, ends: dict[TopicPartition, int]) -> dict[TopicPartition, int]:
        """Raise each end offset to (last offset found from ``end - 1``) + 1."""
        if self._reader is None:
            self._reader = KafkaConsumer(**client_options(self.settings), group_id=None,
                                         enable_auto_commit=False, client_id=f"lag-end-{self.group_id}",
                                         request_timeout_ms=self.request_timeout_ms + 1000,
                                         max_partition_fetch_bytes=256 * 1024, max_poll_records=10_000)
        return broker_quirks.confirm_end_offsets(self._reader, ends)

    def close(self) -> None:
        if self._admin is not None:
            self._admin.close()
            self._admin = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None


class LagExporter:
    """Updates ``sales_channel_consumer_lag_messages`` for one service from a :class:`GroupOffsets`,
    every ``interval_s`` seconds on a daemon thread (``start``/``stop``, or ``with``)."""

    def __init__(self, service: str, source: GroupOffsets, interval_s: float = 15.0) -> None:
        self.service = service
        self.source = source
        self.interval_s = interval_s
        self._reported: set[tuple[str, str]] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.last: list[PartitionLag] = []
        LAG_ERRORS.labels(service)

    def collect_once(self) -> list[PartitionLag]:
        lags = self.source.read()
        now = set()
        for pl in lags:
            key = (pl.topic, str(pl.partition))
            CONSUMER_LAG.labels(self.service, *key).set(pl.lag)
            now.add(key)
        for gone in self._reported - now:
            try:
                CONSUMER_LAG.remove(self.service, *gone)
            except KeyError:
                pass
        self._reported = now
        self.last = lags
        return lags

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.collect_once()
            except Exception as exc:  # the broker may be away for a while; keep trying
                LAG_ERRORS.labels(self.service).inc()
                log.warning("consumer lag not updated", service=self.service, group=self.source.group_id,
                            error=f"{type(exc).__name__}: {exc}")
                self.source.close()  # reconnect next time
            self._stop.wait(self.interval_s)
        self.source.close()

    def start(self) -> LagExporter:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name=f"lag-{self.service}", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def __enter__(self) -> LagExporter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def export_consumer_lag(service: str, consumer: KafkaConsumer, settings: Settings, interval_s: float = 15.0,
                        start: bool = True) -> LagExporter:
    """Lag of the partitions assigned to a kafka-python consumer (which must have a group id),
    read through clients of their own connected as ``settings`` say."""
    group_id = consumer.config.get("group_id")
    if not group_id:
        raise ValueError("consumer lag needs a consumer group: this consumer has no group_id")
    source = GroupOffsets(settings, group_id,
                          topics=tuple(consumer.subscription() or ()), assigned=consumer.assignment)
    exporter = LagExporter(service, source, interval_s)
    return exporter.start() if start else exporter


def export_group_lag(service: str, settings: Settings, group_id: str, topics: Iterable[str] = (),
                     assigned: Assigned | None = None, interval_s: float = 15.0,
                     start: bool = True) -> LagExporter:
    """Lag of a consumer group from its committed offsets (Faust apps commit under their app id)."""
    source = GroupOffsets(settings, group_id, topics, assigned)
    exporter = LagExporter(service, source, interval_s)
    return exporter.start() if start else exporter
