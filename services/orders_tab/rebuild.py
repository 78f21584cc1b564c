"""Rebuild of the Orders-tab projection (``sales-channel replay --service orders_tab``).

Empties the tables, drops the secondary indexes (PostgreSQL), then applies every record from the
earliest offsets until the consumer's positions reach the exact end offsets, and builds the
indexes again. It is the live apply path (the same decoding, folding, dead letters and
transactional offsets) with two changes for speed:

* larger transactions (``batch_records``): more events for one order coalesce into its last
  version in memory, and there are fewer commits;
* a writer thread: while PostgreSQL applies batch *n* (psycopg2 releases the GIL), the main
  thread fetches and decodes batch *n + 1*. Batches are written one at a time and in order, each
  with the offsets it covers, so an interrupted rebuild stays consistent and resumable.

``reapply_since`` is the replay from a given time (``--since``): keep the tables and re-apply,
over them, every record from the offset each source partition had at that time."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from services.common import broker_quirks
from services.common.db import get_engine
from services.common.kafka import end_offsets
from services.common.logging import get_logger
from services.common.settings import Settings
from services.orders_tab.apply import Batch
from services.orders_tab.projector import Projector, RunStats
from services.orders_tab.store import create_indexes, drop_secondary_indexes, truncate

log = get_logger("orders_tab.rebuild")

BATCH_RECORDS = 20_000


class BatchWriter:
    """Commits folded batches in a background thread, in order; at most one waits in line."""

    def __init__(self, projector: Projector, stats: RunStats) -> None:
        self.projector = projector
        self.stats = stats
        self._queue: queue.Queue[Batch | None] = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="orders-tab-rebuild-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain, so that the producer side never blocks
            try:
                started = time.perf_counter()
                self.projector.commit(batch, self.stats)
                self.stats.batch_seconds.append(time.perf_counter() - started)
            except BaseException as exc:  # handed to the main thread by the next submit/close
                self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def submit(self, batch: Batch) -> None:
        self._raise()
        self._queue.put(batch)

    def close(self) -> None:
        """Wait for every submitted batch to be committed; re-raise the first failure."""
        self._queue.put(None)
        self._thread.join()
        self._raise()


def _poll(projector: Projector, limit: int) -> list[object]:
    """Up to ``limit`` records: what the fetcher has, topped up while more keeps coming."""
    records: list[object] = []
    timeout_ms = 500
    while len(records) < limit:
        polled = projector.consumer.poll(timeout_ms=timeout_ms, max_records=limit - len(records))
        got = [r for recs in polled.values() for r in recs]
        if not got:
            break
        records += got
        timeout_ms = 50
    return records


def apply_all(
    projector: Projector,
    *,
    batch_records: int = BATCH_RECORDS,
    on_progress: Callable[[RunStats], None] | None = None,
) -> RunStats:
    """Apply everything up to the current end offsets of the projector's partitions. Only for a
    group-less projector: the writer thread must not touch the consumer (no Kafka commits)."""
    if projector.group_id is not None:
        raise ValueError("apply_all needs a projector without a consumer group (group_id=None)")
    stats = RunStats()
    started = time.monotonic()
    writer = BatchWriter(projector, stats)
    try:
        while True:
            records = _poll(projector, batch_records)
            if records:
                writer.submit(projector.fold_records(records, stats))
            if on_progress:
                on_progress(stats)
            if not records and projector.caught_up():
                break
    finally:
        writer.close()
    stats.seconds = time.monotonic() - started
    return stats


def offsets_at(
    consumer: KafkaConsumer, settings: Settings, partitions: Iterable[TopicPartition], since: datetime
) -> dict[TopicPartition, int]:
    """Per partition, the first offset whose record is at or after ``since``; the end offset where
    every record is older. Where ``broker_quirks.short_end_offsets`` (the same broker answers
    offset 0 with timestamp -1 instead of "none", note #11), an answer older than ``since`` counts
    as none (docs/operations.md, "Replay")."""
    tps = list(partitions)
    ms = int(since.timestamp() * 1000)
    found = consumer.offsets_for_times({tp: ms for tp in tps})
    ends = end_offsets(settings, tps)
    out: dict[TopicPartition, int] = {}
    for tp in tps:
        answer: Any = found.get(tp)
        older = broker_quirks.short_end_offsets() and answer is not None and answer.timestamp < ms
        out[tp] = answer.offset if answer is not None and not older else ends[tp]
    return out


def reapply_since(settings: Settings, since: datetime, *, batch_records: int = BATCH_RECORDS) -> RunStats:
    """Re-apply every record since ``since`` over the current tables, up to the current end offsets.
    Rows only move forward as in live apply (a newer order version replaces, an entry already
    logged stays), so this restores rows lost or damaged since then and changes nothing else.
    A partition the projection had not yet applied up to ``since`` starts at its stored
    position instead: nothing unapplied is skipped. Stored positions never move backwards."""
    projector = Projector(settings, group_id=None, max_batch=batch_records)
    try:
        assigned = list(projector.consumer.assignment())
        since_offsets = offsets_at(projector.consumer, settings, assigned, since)
        first = projector.consumer.beginning_offsets(assigned)
        starts = {}
        for tp in assigned:
            stored = projector.stored_position(tp)
            starts[tp] = min(since_offsets[tp], first[tp] if stored is None else stored)
        projector.reapply_from(starts)
        log.info("reapply_started", since=since.isoformat(), starts={f"{tp.topic}/{tp.partition}": o
                                                                     for tp, o in starts.items()})
        stats = apply_all(projector, batch_records=batch_records)
    finally:
        projector.close()
    log.info("reapply_done", since=since.isoformat(), records=stats.records, applied=stats.applied,
             poison=stats.poison, seconds=round(stats.seconds, 1))
    return stats


def _warn_if_slow_crc() -> None:
    """kafka-python checks each record batch's CRC-32C in pure Python unless the ``crc32c``
    package is installed: then that check alone takes most of a rebuild (about 3x slower)."""
    from kafka.record import util

    if util.crc32c_c is None:
        log.warning("slow_crc32c", note="install the crc32c package: a rebuild is about 3x faster with it")


def rebuild(settings: Settings, *, batch_records: int = BATCH_RECORDS) -> RunStats:
    """Empty the Orders-tab tables and apply every event again from the earliest offsets.
    Stop the running projector first: it would otherwise keep applying from its positions.
    On PostgreSQL the secondary indexes are dropped for the replay and built again after it."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    _warn_if_slow_crc()
    engine = get_engine(settings.database_url)
    with engine.begin() as conn:
        truncate(conn)
        index_ddl = drop_secondary_indexes(conn)
    try:
        projector = Projector(settings, group_id=None, max_batch=batch_records)
        try:
            ends = end_offsets(settings, projector.consumer.assignment())
            columns = (
                TextColumn("rebuilding the Orders tab"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(),
            )
            with Progress(*columns, console=console) as progress:
                task = progress.add_task("rebuild", total=sum(ends.values()), rate="")
                started = time.monotonic()

                def show(stats: RunStats) -> None:
                    rate = stats.records / max(time.monotonic() - started, 1e-6)
                    progress.update(task, completed=stats.records, rate=f"{rate:,.0f} events/s")

                stats = apply_all(projector, batch_records=batch_records, on_progress=show)
        finally:
            projector.close()
    finally:
        if index_ddl:
            console.print(f"building {len(index_ddl)} indexes …")
            with engine.begin() as conn:
                create_indexes(conn, index_ddl)
    log.info("rebuild_done", records=stats.records, applied=stats.applied, poison=stats.poison,
             seconds=round(stats.seconds, 1))
    return stats
