"""Releases the input records of co-partitioned topics in timestamp order, so the processor folds
an order's facts in the same order live and in a replay.

An order's facts arrive on four topics with the same partition. Live, each fact is fetched soon
after it is produced; in a replay every topic is full and the fetcher hands over long runs of one
topic before another's, so a Magento result could be folded before the Amazon fact that caused
it, giving a different order log. As in Kafka Streams' stream-time synchronisation, the record
with the earliest timestamp among a partition's topic heads goes next, and an empty topic holds
the others back while it is known to have records not yet received (``behind`` is True), for at
most ``max_behind_s``; when that is unknown (``None``) at most ``max_idle_s``; when it is caught up
(``False``) it holds nothing back. ``max_held`` bounds memory: past it, the earliest head goes.
The bounds keep a stuck fetch from stopping the processor; they can only cost ordering, never a
record.

Pure bookkeeping, no I/O: the caller feeds records, says which partitions are behind, and folds
what comes out."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar


class Timestamped(Protocol):
    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def timestamp_ms(self) -> int | None: ...


T = TypeVar("T", bound=Timestamped)
TP = tuple[str, int]


@dataclass(frozen=True)
class _Held(Generic[T]):
    record: T
    arrived: float


class TimeAligner(Generic[T]):
    def __init__(self, topics: Sequence[str], max_idle_s: float, max_behind_s: float, max_held: int) -> None:
        self.topics = tuple(topics)
        self.rank = {topic: n for n, topic in enumerate(self.topics)}
        self.max_idle_s = max_idle_s
        self.max_behind_s = max_behind_s
        self.max_held = max_held
        self.queues: dict[TP, deque[_Held[T]]] = {}
        self.held = 0

    def add(self, record: T, now: float) -> None:
        self.queues.setdefault((record.topic, record.partition), deque()).append(_Held(record, now))
        self.held += 1

    def release(self, behind: Callable[[TP], bool | None], now: float) -> list[T]:
        """Every record that may be folded now, in folding order."""
        out: list[T] = []
        for partition in sorted({p for (_, p), q in self.queues.items() if q}):
            lanes = [(topic, self.queues.get((topic, partition))) for topic in self.topics]
            while True:
                heads = [(q[0], topic) for topic, q in lanes if q]
                if not heads:
                    break
                head, topic = min(heads, key=lambda h: ((h[0].record.timestamp_ms or 0), self.rank[h[1]]))
                if self._must_wait(head, partition, lanes, behind, now):
                    break
                queue = self.queues[(topic, partition)]
                queue.popleft()
                self.held -= 1
                out.append(head.record)
        return out

    def _must_wait(self, head: _Held[T], partition: int, lanes: list[tuple[str, deque[_Held[T]] | None]],
                   behind: Callable[[TP], bool | None], now: float) -> bool:
        if self.held > self.max_held:
            return False
        for topic, queue in lanes:
            if queue:
                continue  # its head is no earlier than this one (this one is the minimum)
            state = behind((topic, partition))
            limit = self.max_behind_s if state is True else self.max_idle_s if state is None else 0.0
            if now - head.arrived < limit:
                return True
        return False

    def __len__(self) -> int:
        return self.held
