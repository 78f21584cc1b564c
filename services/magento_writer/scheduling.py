"""Which command runs next: commands of one order strictly in order (one at a time per key),
different orders concurrently, stores served round-robin so one busy store cannot starve others."""

from __future__ import annotations

from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Work:
    topic: str
    partition: int
    offset: int
    key: str
    store: str
    event: Any
    received_at: float
    meta: dict[str, Any] = field(default_factory=dict)


class Scheduler:
    def __init__(self) -> None:
        self._queues: dict[str, deque[Work]] = {}  # per order key, FIFO
        self._ready: OrderedDict[str, deque[str]] = OrderedDict()  # store -> keys ready to start
        self._running: set[str] = set()
        self._pending = 0

    def __len__(self) -> int:
        """Works submitted and not yet done (queued or running)."""
        return self._pending

    @property
    def running(self) -> int:
        return len(self._running)

    def submit(self, work: Work) -> None:
        queue = self._queues.setdefault(work.key, deque())
        queue.append(work)
        self._pending += 1
        if len(queue) == 1 and work.key not in self._running:
            self._ready.setdefault(work.store, deque()).append(work.key)

    def next(self) -> Work | None:
        """The next work to start, or None when every ready key is busy or nothing is queued."""
        while self._ready:
            store, keys = next(iter(self._ready.items()))
            key = keys.popleft()
            if keys:
                self._ready.move_to_end(store)
            else:
                del self._ready[store]
            queue = self._queues.get(key)
            if queue:
                self._running.add(key)
                return queue[0]
        return None

    def done(self, work: Work) -> None:
        queue = self._queues[work.key]
        queue.popleft()
        self._pending -= 1
        self._running.discard(work.key)
        if queue:
            self._ready.setdefault(queue[0].store, deque()).append(work.key)
        else:
            del self._queues[work.key]

    def drop_queued(self, predicate: Callable[[Work], bool]) -> list[Work]:
        """Remove queued (not running) works matching ``predicate``; returns them."""
        dropped: list[Work] = []
        for key in list(self._queues):
            queue = self._queues[key]
            keep = deque(w for i, w in enumerate(queue) if (i == 0 and key in self._running) or not predicate(w))
            dropped += [w for w in queue if w not in keep]
            if keep:
                self._queues[key] = keep
            else:
                del self._queues[key]
        self._pending -= len(dropped)
        for store in list(self._ready):
            keys = deque(k for k in self._ready[store] if k in self._queues)
            if keys:
                self._ready[store] = keys
            else:
                del self._ready[store]
        return dropped
