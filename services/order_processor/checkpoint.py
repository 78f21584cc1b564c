"""The order processor's commit protocol, in the order of quix-streams' ``Checkpoint.commit``:

1. **outputs acknowledged** — every output delivery of the batch is awaited;
2. **states stored** — ``States.put_many``: each changelog record acknowledged, then the store;
3. **input offsets committed** — the batch's records are acked, and the consumer commits what is
   acked at most once per interval, never while a record read back beside the stream is held
   unfolded (Faust counts offsets its stream skipped as done and would commit past them).

So the changelog never gets ahead of the outputs it implies, and no input offset is committed
before both are acknowledged: a crash anywhere replays inputs against an older state and re-sends
identical events, never loses them. Independent of Faust: acks and the commit are callables."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from services.common.partitioned_table import States
from services.common.records import InputRecord

Position = tuple[str, int, int]  # (topic, partition, offset)
Ack = Callable[[], Awaitable[object]]
Commit = Callable[[], Awaitable[object]]


def position(record: InputRecord) -> Position:
    return record.topic, record.partition, record.offset


@dataclass
class Folded:
    """What a batch of inputs produced that is not yet durable: output deliveries in flight (or
    already settled: anything not awaitable) and each order's new state."""

    deliveries: list[object] = field(default_factory=list)
    states: dict[bytes, bytes] = field(default_factory=dict)


async def make_durable(folded: Folded, states: States) -> None:
    """Steps 1 and 2: the outputs acknowledged, then the states stored."""
    pending = [d for d in folded.deliveries if inspect.isawaitable(d)]
    if pending:
        await asyncio.gather(*pending)
    await states.put_many(folded.states)


class Checkpoint:
    def __init__(self, states: States, commit: Commit, interval_s: float) -> None:
        self._states = states
        self._commit = commit
        self._interval_s = interval_s
        self._unacked: dict[Position, Ack] = {}
        self._read_aside: set[Position] = set()
        self._last_commit: float | None = None

    def delivered(self, record: InputRecord, ack: Ack) -> None:
        """The stream delivered ``record``; ``ack`` acknowledges it to the stream once folded."""
        self._unacked[position(record)] = ack

    def read_aside(self, record: InputRecord) -> None:
        """``record`` was read back beside the stream: no commit until it is folded."""
        self._read_aside.add(position(record))

    async def close(self, folded: Folded, records: Iterable[InputRecord], now: float) -> bool:
        """Make ``folded`` (the result of ``records``) durable, ack the records and commit when
        due. Returns whether the consumer committed."""
        await make_durable(folded, self._states)
        for record in records:
            self._read_aside.discard(position(record))
            ack = self._unacked.pop(position(record), None)
            if ack is not None:
                await ack()
        return await self.commit_if_due(now)

    async def commit_if_due(self, now: float) -> bool:
        """Step 3: commit the acked offsets, at most once per interval and never while a record
        read aside is held unfolded."""
        if self._read_aside:
            return False
        if self._last_commit is not None and now - self._last_commit < self._interval_s:
            return False
        self._last_commit = now
        await self._commit()
        return True
