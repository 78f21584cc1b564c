"""The consume/execute/commit loop with a scripted consumer: backpressure, per-order ordering and
commits that never pass an unfinished command."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import namedtuple
from typing import Any

from kafka import TopicPartition
from sqlalchemy.exc import DBAPIError

from schemas import encode
from schemas.envelope import Event
from services.magento_writer.runner import WriterLoop
from services.magento_writer.scheduling import Work
from tests.harness import wait_until
from tests.magento_writer.factories import amazon_order, order_requested

Record = namedtuple("Record", "topic partition offset key value")
TOPIC = "lifecycle"
TP = TopicPartition(TOPIC, 0)


class FakeConsumer:
    def __init__(self, records: list[Record]) -> None:
        self.pending = list(records)
        self.paused_tps: set[TopicPartition] = set()
        self.commits: list[int] = []
        self.max_paused = 0

    def subscribe(self, topics: list[str], listener: Any = None) -> None:
        self.listener = listener

    def partitions_for_topic(self, topic: str) -> set[int]:
        return {TP.partition} if topic == TOPIC else set()

    def assignment(self) -> set[TopicPartition]:
        return {TP}

    def pause(self, *tps: TopicPartition) -> None:
        self.paused_tps |= set(tps)

    def resume(self, *tps: TopicPartition) -> None:
        self.paused_tps -= set(tps)

    def paused(self) -> set[TopicPartition]:
        return set(self.paused_tps)

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> dict[TopicPartition, list[Record]]:
        if TP in self.paused_tps or not self.pending:
            time.sleep(timeout_ms / 1000)
            return {}
        batch, self.pending = self.pending[: max_records or 1], self.pending[max_records or 1 :]
        return {TP: batch}

    def commit(self, offsets: dict[TopicPartition, Any]) -> None:
        self.commits.append(offsets[TP].offset)


class FakeFuture:
    def get(self, timeout: float | None = None) -> None:
        return None


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes]] = []

    def send(self, topic: str, key: str | None = None, value: bytes = b"") -> FakeFuture:
        self.sent.append((topic, value))
        return FakeFuture()


def test_backpressure_ordering_and_commits() -> None:
    orders = {name: amazon_order() for name in "abc"}
    keys = ["a", "b", "a", "c", "b"]
    events = [order_requested("st", orders[k], seq=i + 1) for i, k in enumerate(keys)]
    records = [Record(TOPIC, 0, i, e.key.encode(), encode(e)) for i, e in enumerate(events)]
    consumer, producer = FakeConsumer(records), FakeProducer()
    gates = {i: threading.Event() for i in range(len(events))}
    started: list[int] = []

    def handler(event: Event) -> list[Event]:
        index = next(i for i, e in enumerate(events) if e.event_id == event.event_id)
        started.append(index)
        gates[index].wait(10)
        return [event]

    loop = WriterLoop(consumer, producer, None, handler, lambda e: True, concurrency=2)  # type: ignore[arg-type]
    loop.capacity = 3
    loop.subscribe([TOPIC])
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: TP in consumer.paused_tps, 5, what="fetching paused at capacity")
        assert sorted(started) == [0, 1]  # a and b run; the second a waits for the first
        assert len(consumer.pending) == 2  # offsets 3 and 4 not fetched while full

        gates[1].set()  # b finishes first: offset 0 is still open, nothing to commit past it
        wait_until(lambda: len(started) == 3, 5, what="a free slot refilled")
        assert started[2] == 3  # the next fetched order (c), not the second a
        assert set(consumer.commits) <= {0}

        for i in (0, 2, 3, 4):
            gates[i].set()
        wait_until(lambda: consumer.commits and consumer.commits[-1] == 5, 5, what="all committed")
        assert started.index(0) < started.index(2) and started.index(1) < started.index(4)
        assert len(producer.sent) == 5
    finally:
        for gate in gates.values():
            gate.set()
        loop.stop_event.set()
        thread.join(10)


class GatedFuture:
    """A send future the test acknowledges by hand."""

    def __init__(self) -> None:
        self.acked = threading.Event()

    def get(self, timeout: float | None = None) -> None:
        if not self.acked.wait(timeout):
            raise TimeoutError("not acknowledged")


class GatedProducer:
    def __init__(self) -> None:
        self.futures: list[GatedFuture] = []

    def send(self, topic: str, key: str | None = None, value: bytes = b"") -> GatedFuture:
        self.futures.append(GatedFuture())
        return self.futures[-1]


def test_slot_is_freed_at_send_but_the_order_and_its_offset_wait_for_the_ack() -> None:
    orders = {name: amazon_order() for name in "ab"}
    keys = ["a", "b", "a"]
    events = [order_requested("st", orders[k], seq=i + 1) for i, k in enumerate(keys)]
    records = [Record(TOPIC, 0, i, e.key.encode(), encode(e)) for i, e in enumerate(events)]
    consumer, producer = FakeConsumer(records), GatedProducer()
    started: list[int] = []

    def handler(event: Event) -> list[Event]:
        started.append(next(i for i, e in enumerate(events) if e.event_id == event.event_id))
        return [event]

    loop = WriterLoop(consumer, producer, None, handler, lambda e: True, concurrency=1)  # type: ignore[arg-type]
    loop.subscribe([TOPIC])
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    try:
        # one Magento slot: the first a is sent, not acknowledged; b still gets the slot
        wait_until(lambda: started == [0, 1], 5, what="b started while a's result awaits its ack")
        time.sleep(0.4)  # longer than a commit interval
        assert started == [0, 1]  # the second a waits for the first a's ack
        assert set(consumer.commits) <= {0}  # nothing committed past the unacknowledged offset 0
        producer.futures[0].acked.set()
        wait_until(lambda: started == [0, 1, 2], 5, what="the second a after the first a's ack")
        for future in producer.futures:
            future.acked.set()
        wait_until(lambda: bool(consumer.commits) and consumer.commits[-1] == 3, 5, what="all committed")
    finally:
        for future in producer.futures:
            future.acked.set()
        loop.stop_event.set()
        thread.join(10)


class RecordingDeadLetters:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def record(self, **fields: Any) -> None:
        self.records.append(fields)


def _one_command_loop(handler: Any) -> tuple[WriterLoop, RecordingDeadLetters, Work]:
    event = order_requested("st", amazon_order(), seq=1)
    dead = RecordingDeadLetters()
    loop = WriterLoop(FakeConsumer([]), FakeProducer(), dead, handler, lambda e: True, concurrency=1)  # type: ignore[arg-type]
    loop.sleep = lambda _s: None
    work = Work(TOPIC, 0, 7, event.key, "st", event, time.monotonic(), {"raw_key": b"k", "raw_value": b"v"})
    return loop, dead, work


def test_an_unexpected_handler_error_is_dead_lettered_after_one_run() -> None:
    """Handlers spend the Magento retry budget themselves: the runner never multiplies it."""
    runs: list[Event] = []

    def handler(event: Event) -> list[Event]:
        runs.append(event)
        raise ValueError("a bug")

    loop, dead, work = _one_command_loop(handler)
    assert loop._handle(work) == []
    assert len(runs) == 1
    [letter] = dead.records
    assert "a bug" in letter["reason"] and letter["offset"] == 7 and letter["raw_value"] == b"v"


def test_a_dead_ledger_connection_reruns_the_handler_once() -> None:
    runs: list[Event] = []
    lost = DBAPIError("SELECT 1", None, Exception("server closed the connection"), connection_invalidated=True)

    def flaky(event: Event) -> list[Event]:
        runs.append(event)
        if len(runs) == 1:
            raise lost
        return [event]

    loop, dead, work = _one_command_loop(flaky)
    assert loop._handle(work) == [work.event] and len(runs) == 2 and not dead.records

    runs.clear()

    def always_lost(event: Event) -> list[Event]:
        runs.append(event)
        raise lost

    loop, dead, work = _one_command_loop(always_lost)
    assert loop._handle(work) == [] and len(runs) == 2
    assert len(dead.records) == 1 and dead.records[0]["error"] is lost


class RevokingConsumer(FakeConsumer):
    async def commit_async(self, offsets: dict[TopicPartition, Any]) -> None:
        self.commits.append(offsets[TP].offset)


def test_a_revocation_waits_for_running_commands_without_blocking_its_thread() -> None:
    """kafka-python 3 runs the listener on the consumer's IO thread, which also sends the heartbeats:
    the revocation awaits between looks at the running command (here the IO loop is asyncio's, and a
    heartbeat task counts its turns), then commits what finished. A revocation that blocked stopped
    the heartbeats for as long as the command ran, and the group dropped the member."""
    event = order_requested("st", amazon_order(), seq=1)
    consumer = RevokingConsumer([])
    loop = WriterLoop(consumer, FakeProducer(), None, lambda e: [], lambda e: True, concurrency=1)  # type: ignore[arg-type]
    work = Work(TOPIC, 0, 7, event.key, "st", event, time.monotonic(), {})
    loop.offsets.started((TOPIC, 0), 7)
    loop.scheduler.submit(work)
    assert loop.scheduler.next() is work and loop.scheduler.running == 1

    def finish() -> None:  # the ack thread, once the command's result is acknowledged
        with loop.lock:
            loop.scheduler.done(work)
        loop.completions.put((work, None))

    async def revoke() -> int:
        beats = 0

        async def heartbeat() -> None:
            nonlocal beats
            while True:
                beats += 1
                await asyncio.sleep(0.01)

        beating = asyncio.create_task(heartbeat())
        threading.Timer(0.5, finish).start()
        await loop.on_revoked({(TOPIC, 0)}, asyncio.sleep)
        beating.cancel()
        return beats

    beats = asyncio.run(revoke())
    assert beats >= 10, f"the IO loop turned {beats} times while the revocation waited 0.5 s"
    assert consumer.commits == [8]
    assert loop.scheduler.running == 0
