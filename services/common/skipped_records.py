"""Records a Faust stream skipped, found and handed back in order (both stream processors).

faust-streaming dropped fetched records after a restart: table recovery's second
``flow_control.resume()`` cleared the records fetched meanwhile, while the fetch position had
moved past them (docs/tansu-notes.md #10; fixed by ``faust_app.ResumeOnceFlowControl``). This
guard stays as a second line for any other way a stream skips or stalls. Offsets of our input
topics are contiguous (no compaction, no transactions), so a jump past the next expected offset
of a partition is a skip: the missing range is read with a side reader and processed first,
keeping each order's facts in order. A jump over offsets that hold no record (compacted or
control records elsewhere) reads nothing and costs one fetch. A partition that stays behind with
nothing arriving (the dropped records were its last) is found by ``lagging`` and its consumer is
sought back, so the stream itself delivers, acks and commits them."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from faust.types import TP
from kafka import KafkaConsumer, TopicPartition

from services.common.kafka import end_offsets
from services.common.kafka_security import client_options
from services.common.metrics import counter
from services.common.records import InputRecord
from services.common.settings import Settings

log = logging.getLogger(__name__)

SIDE_READ_TIMEOUT_S = 10.0
STUCK_FETCH_S = 30.0  # a partition behind with no record and no skip this long has its fetch restarted
SKIPPED = counter("stream_skipped_records_recovered_total",
                  "Input records a Faust stream skipped, read back and processed in order.", ("group", "topic"))


class SkippedReadIncomplete(RuntimeError):
    """Records the stream skipped could not all be read back: folding on would move past an unread
    offset, so the worker must stop (and resume from its last commit) instead."""


class SkippedRecords:
    def __init__(self, settings: Settings, group_id: str) -> None:
        self.settings = settings
        self.group_id = group_id
        self.expected: dict[tuple[str, int], int] = {}
        self.ends_at_assignment: dict[tuple[str, int], int] = {}
        self.moved_at: dict[tuple[str, int], float] = {}  # monotonic time ``expected`` last changed
        self.still_since: dict[tuple[str, int], float] = {}  # lagging with no skip seen, since
        self._lock = threading.Lock()
        self._offsets: KafkaConsumer | None = None
        self._reader: KafkaConsumer | None = None

    def forget(self) -> None:
        """After a rebalance the next record of a partition is checked against the committed offset."""
        self.expected.clear()
        self.ends_at_assignment.clear()
        self.moved_at.clear()
        self.still_since.clear()

    async def prime(self, tps: Sequence[tuple[str, int]]) -> None:
        """Expect each partition's committed offset next (0 where the group has none yet), and
        note each partition's end offset now (confirmed where the broker answers short, note #7)."""
        committed, ends = await asyncio.to_thread(self._committed_and_ends, sorted(set(tps)))
        self.expected.update({tp: offset or 0 for tp, offset in committed.items()})
        self.ends_at_assignment.update(ends)
        now = time.monotonic()
        self.moved_at.update({tp: now for tp in committed})

    def lagging(self, end_of: Callable[[tuple[str, int]], int | None], still_for: float) -> list[tuple[str, int]]:
        """Partitions with records past the next expected offset whose position has not moved for
        ``still_for`` seconds: the stream is not delivering them (or is very slow; seeking back
        then only costs duplicates, which the folds ignore)."""
        now = time.monotonic()
        out = []
        for tp, expected in self.expected.items():
            end = end_of(tp)
            if end is not None and expected < end and now - self.moved_at.get(tp, now) > still_for:
                out.append(tp)
        return out

    def end_of(self, tp: tuple[str, int], highwater: int | None) -> int | None:
        """The partition's end as last known: the consumer's ``highwater``, or its end offset when
        it was assigned (before any fetch answered)."""
        known = [end for end in (highwater, self.ends_at_assignment.get(tp)) if end is not None]
        return max(known) if known else None

    async def seek_back(self, consumer: Any, still_for: float) -> None:
        """Seek the stream's ``consumer`` (a Faust consumer) back on every partition that is
        ``lagging`` and ``rewound`` says to restart."""
        for tp in self.lagging(lambda t: self.end_of(t, consumer.highwater(TP(*t))), still_for):
            offset = self.rewound(tp, await consumer.position(TP(*tp)))
            if offset is not None:
                await consumer.seek(TP(*tp), offset)

    def _advance(self, tp: tuple[str, int], offset: int) -> None:
        if offset > self.expected.get(tp, -1):
            self.expected[tp] = offset
            self.moved_at[tp] = time.monotonic()
            self.still_since.pop(tp, None)

    def rewound(self, tp: tuple[str, int], position: int | None) -> int | None:
        """The offset to seek the stream's consumer back to for a lagging partition, so the stream
        delivers (and acks, and commits) the records itself; the wait starts over.

        When the consumer's ``position`` is past the next expected offset, records were fetched
        and never delivered: seek back at once. When it is not, nothing was skipped and a fetch
        may still be under way (a slow broker: seeking would restart it, for ever on a large
        backlog), so seek only once the partition has been still for ``STUCK_FETCH_S``."""
        now = time.monotonic()
        self.moved_at[tp] = now
        start = self.expected.get(tp)
        if start is None:
            return None
        if position is None or position <= start:
            since = self.still_since.setdefault(tp, now)
            if now - since < STUCK_FETCH_S:
                return None
            reason = f"no record delivered for {now - since:.0f}s"
        else:
            reason = f"fetched to {position} but nothing delivered"
        self.still_since.pop(tp, None)
        SKIPPED.labels(self.group_id, tp[0]).inc()
        log.warning("%s[%d]: %s from offset %d; seeking back to it", tp[0], tp[1], reason, start)
        return start

    async def complete(self, records: Sequence[InputRecord]) -> list[InputRecord]:
        """``records`` with any skipped ones inserted before the record that revealed the skip."""
        unknown = {(r.topic, r.partition) for r in records} - set(self.expected)
        if unknown:
            committed = await asyncio.to_thread(self._committed, sorted(unknown))
            self.expected.update({tp: offset for tp, offset in committed.items() if offset is not None})
        out: list[InputRecord] = []
        for record in records:
            tp = (record.topic, record.partition)
            expected = self.expected.get(tp)
            if expected is not None and record.offset > expected:
                missed = await asyncio.to_thread(self._read, tp, expected, record.offset)
                if missed:
                    SKIPPED.labels(self.group_id, record.topic).inc(len(missed))
                    log.warning("%s[%d]: offsets %d..%d skipped by the stream; %d records read back",
                                record.topic, record.partition, expected, record.offset - 1, len(missed))
                    out.extend(missed)
            out.append(record)
            self._advance(tp, record.offset + 1)
        return out

    def _committed_and_ends(self, tps: list[tuple[str, int]]
                            ) -> tuple[dict[tuple[str, int], int | None], dict[tuple[str, int], int]]:
        committed = self._committed(tps)
        ends = end_offsets(self.settings, [TopicPartition(*tp) for tp in tps])
        return committed, {(tp.topic, tp.partition): end for tp, end in ends.items()}

    def _committed(self, tps: list[tuple[str, int]]) -> dict[tuple[str, int], int | None]:
        with self._lock:
            if self._offsets is None:
                self._offsets = KafkaConsumer(**client_options(self.settings), group_id=self.group_id,
                                              enable_auto_commit=False)
            return {tp: self._offsets.committed(TopicPartition(*tp)) for tp in tps}

    def _read(self, tp: tuple[str, int], start: int, stop: int) -> list[InputRecord]:
        with self._lock:
            if self._reader is None:
                self._reader = KafkaConsumer(**client_options(self.settings), group_id=None,
                                             enable_auto_commit=False)
            reader = self._reader
            partition = TopicPartition(*tp)
            reader.assign([partition])
            reader.seek(partition, start)
            found: list[InputRecord] = []
            deadline = time.monotonic() + SIDE_READ_TIMEOUT_S
            while time.monotonic() < deadline and reader.position(partition) < stop:
                batch = reader.poll(timeout_ms=500).get(partition, [])
                found.extend(InputRecord.from_kafka(r) for r in batch if start <= r.offset < stop)
            reached = reader.position(partition)
            if reached < stop:
                raise SkippedReadIncomplete(
                    f"{tp[0]}[{tp[1]}]: offsets {start}..{stop - 1} were skipped by the stream and only read back "
                    f"to {reached} within {SIDE_READ_TIMEOUT_S:.0f}s; stopping rather than folding past them")
            return found

    def close(self) -> None:
        for consumer in (self._offsets, self._reader):
            if consumer is not None:
                consumer.close(autocommit=False)
