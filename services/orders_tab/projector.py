"""The Orders-tab projector: consumes the order-view (and the pre-split order-lifecycle), stores,
poller-sync and pii-erasures topics and keeps the Orders-tab tables, recording the offsets it
applied in the same transaction.

Its positions live in the database: on every assignment it seeks to the offsets stored with
the rows (or to the beginning), and skips any record below them, so it resumes exactly. It
also commits them to Kafka after each batch, for lag tooling only."""

from __future__ import annotations

import signal
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from schemas import DecodeError, Event
from schemas.events.lifecycle import OrderStateChangedV1
from schemas.topics import ORDER_LIFECYCLE, ORDER_VIEW, PII_ERASURES, POLLER_SYNC, PREFIX, STORES
from services.common.db import get_engine
from services.common.kafka import end_offsets, make_consumer, poll, subscribe
from services.common.lag import export_consumer_lag
from services.common.logging import get_logger
from services.common.settings import Settings
from services.orders_tab import ship_risk
from services.orders_tab.apply import Batch
from services.orders_tab.decoding import decode_used
from services.orders_tab.metrics import EVENTS_APPLIED, PROJECTION_LAG
from services.orders_tab.store import stored_offsets, write_batch
from services.pii import access as pii

log = get_logger("orders_tab.projector")

# ORDER_LIFECYCLE holds the view facts written before the split (issue 15); its commands are skipped
# (``decoding.IGNORED``). Reading it beside ORDER_VIEW in any order is safe: an order's row only
# takes a newer version, and log entries are keyed by their sequence number.
SOURCE_TOPICS = (ORDER_VIEW, ORDER_LIFECYCLE, STORES, POLLER_SYNC, PII_ERASURES)
GROUP_ID = f"{PREFIX}-orders-tab-projector"
SERVICE = "orders_tab"
SHIP_RISK_EVERY_S = 60.0


@dataclass
class RunStats:
    records: int = 0
    applied: int = 0
    skipped: int = 0
    poison: int = 0
    batches: int = 0
    seconds: float = 0.0
    by_type: dict[str, int] = field(default_factory=dict)
    # decode + fold + write time of the latest polled batches (bounded: the live projector runs for months)
    batch_seconds: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))


class _SeekOnAssign(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, projector: Projector) -> None:
        self.projector = projector

    def on_partitions_revoked(self, revoked: Any) -> None:
        return None  # every batch is committed before the next poll: nothing to flush

    def on_partitions_assigned(self, assigned: Any) -> None:
        self.projector.seek_to_stored(list(assigned))


class Projector:
    """One consumer applying batches. ``group_id=None`` assigns every partition itself
    (rebuild, tests); otherwise partitions come from the consumer group."""

    def __init__(
        self,
        settings: Settings,
        *,
        group_id: str | None = GROUP_ID,
        topics: tuple[str, ...] = SOURCE_TOPICS,
        max_batch: int = 5000,
    ) -> None:
        self.settings = settings
        self.group_id = group_id
        self.topics = topics
        self.max_batch = max_batch
        self.engine = get_engine(settings.database_url)
        self.pii = pii.opener(settings.database_url, settings.secrets_file)  # opens sealed buyer data
        self._next: dict[tuple[str, int], int] = {}
        self._dead_letters: Any = None
        self.consumer: KafkaConsumer = make_consumer(
            settings,
            group_id,
            [],
            max_poll_records=max_batch,
            max_partition_fetch_bytes=8 * 1024 * 1024,
            fetch_max_bytes=64 * 1024 * 1024,
        )
        if group_id is None:
            self.consumer.assign(self._all_partitions())
            self.seek_to_stored(self.consumer.assignment())
        else:
            subscribe(self.consumer, list(topics), listener=_SeekOnAssign(self))

    def _all_partitions(self, timeout_s: float = 15.0) -> list[TopicPartition]:
        parts: list[TopicPartition] = []
        for topic in self.topics:
            deadline = time.monotonic() + timeout_s
            ids = self.consumer.partitions_for_topic(topic)
            while not ids and time.monotonic() < deadline:
                time.sleep(0.2)
                ids = self.consumer.partitions_for_topic(topic)
            if not ids:
                raise RuntimeError(f"topic {topic} does not exist; run `sales-channel topics create`")
            parts += [TopicPartition(topic, p) for p in sorted(ids)]
        return parts

    def seek_to_stored(self, partitions: list[TopicPartition] | Any) -> None:
        with self.engine.connect() as conn:
            stored = stored_offsets(conn, list(self.topics))
        for tp in partitions:
            offset = stored.get((tp.topic, tp.partition))
            if offset is None:
                self.consumer.seek_to_beginning(tp)
                self._next.pop((tp.topic, tp.partition), None)
            else:
                self.consumer.seek(tp, offset)
                self._next[(tp.topic, tp.partition)] = offset

    def stored_position(self, tp: TopicPartition) -> int | None:
        """The next offset the database says is to be applied (None: nothing applied yet)."""
        return self._next.get((tp.topic, tp.partition))

    def reapply_from(self, starts: dict[TopicPartition, int]) -> None:
        """Seek to ``starts`` and apply every record from there, even those below the stored
        positions (which stay: they only ever move forward)."""
        for tp, offset in starts.items():
            self.consumer.seek(tp, offset)
        self._next.clear()

    def caught_up(self) -> bool:
        assigned = list(self.consumer.assignment())
        if not assigned:
            return False
        ends = end_offsets(self.settings, assigned)
        return all(self.consumer.position(tp) >= ends[tp] for tp in assigned)

    def _dead_letter(self, record: Any, exc: Exception) -> None:
        try:
            if self._dead_letters is None:
                from services.common.deadletters import DeadLetters
                from services.common.kafka import make_producer

                self._dead_letters = DeadLetters(make_producer(self.settings), SERVICE)
            self._dead_letters.record_input(record, exc, reason="undecodable event")
        except Exception as dl_exc:  # never stop the projection for a dead-letter failure
            log.error("dead_letter_failed", error=str(dl_exc), topic=record.topic, offset=record.offset)

    def fold_records(self, records: list[Any], stats: RunStats) -> Batch:
        """Decode, open the batch's sealed buyer data (its keys in one query), fold."""
        batch = Batch(reveal=self.pii.reveal, on_erased=self.pii.forget)
        decoded: list[tuple[Any, Event | None]] = []
        for r in records:
            stats.records += 1
            if r.offset < self._next.get((r.topic, r.partition), -1):
                stats.skipped += 1
                continue
            try:
                decoded.append((r, decode_used(r.value)))
            except DecodeError as exc:
                stats.poison += 1
                log.warning("poison_event", topic=r.topic, partition=r.partition, offset=r.offset, error=str(exc))
                self._dead_letter(r, exc)
                batch.consumed(r.topic, r.partition, r.offset)
        self.pii.prefetch([v for _, e in decoded if isinstance(e, OrderStateChangedV1)
                      for v in (e.data.buyer_name, e.data.buyer_email)])
        for r, event in decoded:
            if event is not None:
                batch.add(event)
            batch.consumed(r.topic, r.partition, r.offset)
        return batch

    def commit(self, batch: Batch, stats: RunStats) -> None:
        if batch.empty():
            return
        with self.engine.begin() as conn:
            write_batch(conn, batch)
        self._next.update(batch.offsets)
        if self.group_id is not None:
            # Informational only (lag tooling and metrics): positions come from the database.
            self.consumer.commit_async({TopicPartition(t, p): OffsetAndMetadata(o, "", -1)
                                        for (t, p), o in batch.offsets.items()})
        stats.batches += 1
        for event_type, n in batch.applied.items():
            EVENTS_APPLIED.labels(event_type).inc(n)
            stats.by_type[event_type] = stats.by_type.get(event_type, 0) + n
            stats.applied += n
        if batch.newest_event_at is not None:
            PROJECTION_LAG.set(max(0.0, (datetime.now(UTC) - batch.newest_event_at).total_seconds()))

    def step(self, stats: RunStats, timeout_ms: int = 500) -> int:
        """Poll once and apply what came; returns the number of records polled."""
        polled = poll(self.consumer, timeout_ms, self.max_batch)
        records = [r for recs in polled.values() for r in recs]
        if records:
            started = time.perf_counter()
            self.commit(self.fold_records(records, stats), stats)
            stats.batch_seconds.append(time.perf_counter() - started)
        return len(records)

    def run(
        self,
        stop: threading.Event | None = None,
        *,
        until_idle: bool = False,
        max_seconds: float | None = None,
        max_records: int | None = None,
        on_progress: Callable[[RunStats], None] | None = None,
    ) -> RunStats:
        """Apply batches until ``stop`` is set, or (``until_idle``) every assigned partition
        is read to its end, or ``max_seconds``/``max_records`` are reached."""
        stats = RunStats()
        started = time.monotonic()
        while not (stop and stop.is_set()):
            n = self.step(stats)
            if on_progress:
                on_progress(stats)
            if max_records is not None and stats.records >= max_records:
                break
            if max_seconds is not None and time.monotonic() - started > max_seconds:
                break
            if until_idle and n == 0 and self.caught_up():
                break
        stats.seconds = time.monotonic() - started
        return stats

    def close(self) -> None:
        self.consumer.close()
        if self._dead_letters is not None:
            self._dead_letters.producer.close()


def run(settings: Settings) -> None:
    """``sales-channel projector``: run until SIGTERM/SIGINT."""
    from services.common.metrics import HEALTH, serve
    from services.common.stuck_loop import StuckLoopWatchdog

    serve(settings.metrics_port, service="orders_tab_projector")
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    projector = Projector(settings)
    log.info("projector_started", group=GROUP_ID, topics=list(SOURCE_TOPICS))

    lag = export_consumer_lag("projector", projector.consumer, settings)
    last_risk, stores_seen = 0.0, False

    def beat(_: RunStats) -> None:
        nonlocal last_risk, stores_seen
        HEALTH.beat("orders_tab_projector", 120.0)
        # Every minute; every few seconds until the first store has been projected.
        if time.monotonic() - last_risk >= (SHIP_RISK_EVERY_S if stores_seen else 5.0):
            last_risk = time.monotonic()
            with projector.engine.connect() as conn:
                stores_seen = bool(ship_risk.export(conn, datetime.now(UTC)))

    watchdog = StuckLoopWatchdog("orders_tab_projector").start()
    try:
        stats = projector.run(stop, on_progress=beat)
    finally:
        watchdog.stop()
        lag.stop()
        projector.close()
    log.info("projector_stopped", records=stats.records, applied=stats.applied)
