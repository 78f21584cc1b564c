"""The commit protocol without a broker: outputs acknowledged, then states stored, then input
offsets committed (at most once per interval, never past a record read aside and unfolded)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import pytest

from services.common.partitioned_table import InMemoryStates
from services.common.records import InputRecord
from services.order_processor.checkpoint import Checkpoint, Folded


class Steps(InMemoryStates):
    """States, acks and commits that write what happened, in order, to one log."""

    def __init__(self) -> None:
        super().__init__()
        self.log: list[str] = []

    async def put_many(self, items: Mapping[bytes, bytes]) -> None:
        self.log.append("store " + ",".join(sorted(k.decode() for k in items)))
        await super().put_many(items)

    async def commit(self) -> None:
        self.log.append("commit")

    def ack(self, name: str) -> Callable[[], Awaitable[None]]:
        async def ack() -> None:
            self.log.append(f"ack {name}")
        return ack


def record(offset: int, topic: str = "in") -> InputRecord:
    return InputRecord(topic, 0, offset, b"k", b"v", 0)


def test_outputs_are_acknowledged_before_states_are_stored_and_offsets_committed_last() -> None:
    async def scenario() -> list[str]:
        steps = Steps()
        checkpoint = Checkpoint(steps, steps.commit, interval_s=1.0)
        r1, r2 = record(1), record(2)
        checkpoint.delivered(r1, steps.ack("1"))
        checkpoint.delivered(r2, steps.ack("2"))
        delivery: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        closing = asyncio.create_task(checkpoint.close(Folded([delivery], {b"a": b"1"}), [r1, r2], now=10.0))
        await asyncio.sleep(0.01)
        assert steps.log == []  # nothing stored, acked or committed while an output is unacknowledged
        steps.log.append("output acknowledged")
        delivery.set_result(None)
        assert await closing is True
        assert steps[b"a"] == b"1"
        return steps.log

    assert asyncio.run(scenario()) == ["output acknowledged", "store a", "ack 1", "ack 2", "commit"]


def test_a_failed_output_stores_no_state_and_commits_nothing() -> None:
    async def scenario() -> Steps:
        steps = Steps()
        checkpoint = Checkpoint(steps, steps.commit, interval_s=1.0)
        r1 = record(1)
        checkpoint.delivered(r1, steps.ack("1"))
        failed: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        failed.set_exception(ConnectionError("broker gone"))
        with pytest.raises(ConnectionError):
            await checkpoint.close(Folded([failed], {b"a": b"1"}), [r1], now=10.0)
        return steps

    steps = asyncio.run(scenario())
    assert steps.log == [] and b"a" not in steps


def test_commits_at_most_once_per_interval() -> None:
    async def scenario() -> list[bool]:
        steps = Steps()
        checkpoint = Checkpoint(steps, steps.commit, interval_s=1.0)
        return [await checkpoint.commit_if_due(now) for now in (100.0, 100.5, 100.99, 101.0, 101.5, 102.2)]

    assert asyncio.run(scenario()) == [True, False, False, True, False, True]


def test_no_commit_while_a_record_read_aside_is_unfolded() -> None:
    async def scenario() -> list[str]:
        steps = Steps()
        checkpoint = Checkpoint(steps, steps.commit, interval_s=1.0)
        skipped, revealing = record(4), record(5)
        checkpoint.read_aside(skipped)  # read back beside the stream: Faust would count it done
        checkpoint.delivered(revealing, steps.ack("5"))
        assert await checkpoint.commit_if_due(10.0) is False
        # the aligner released only the record that revealed the skip: still held back
        assert await checkpoint.close(Folded(), [revealing], now=20.0) is False
        assert await checkpoint.close(Folded([None], {b"a": b"2"}), [skipped], now=30.0) is True
        return steps.log

    assert asyncio.run(scenario()) == ["store ", "ack 5", "store a", "commit"]


def test_settled_deliveries_and_records_without_ack_pass_through() -> None:
    async def scenario() -> list[str]:
        steps = Steps()
        checkpoint = Checkpoint(steps, steps.commit, interval_s=1.0)
        # a sink that returns nothing awaitable (tests' lists), a record the stream never delivered
        assert await checkpoint.close(Folded([None, "sent"], {}), [record(7, "other")], now=1.0) is True
        return steps.log

    assert asyncio.run(scenario()) == ["store ", "commit"]
