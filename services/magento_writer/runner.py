"""The consume → execute → publish → commit loop.

One consumer thread (kafka-python is not thread-safe) fetches, decodes, schedules and commits; a
bounded pool of worker threads runs the handlers and hands their results to the producer. A worker
frees its Magento slot as soon as the results are sent and starts the next ready command itself, so
neither the broker's ack nor the consumer thread sits between two Magento calls. One ack thread
waits for the broker's acks in send order; only then is a command done: the next command of the
same order may start (one order's commands stay strictly sequential, results in order) and its
offset may be committed. Commits run at most every ``COMMIT_INTERVAL_S`` (and on revocation and
shutdown), per partition only up to the lowest unfinished offset. When as many commands are
outstanding as the capacity allows, fetching stops (partitions paused).

The writer's handler records each command's answer in the ledger before handing it here
(``answers.py``): a command handled again after a crash before its commit publishes that record's
exact bytes (an ``Answer``), never a second opinion under the same event id."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kafka import AsyncConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata
from sqlalchemy.exc import DBAPIError

from schemas import DecodeError, Event, decode
from schemas.envelope import split_order_key
from schemas.topics import MAGENTO_RESULTS
from services.common.deadletters import DeadLetters
from services.common.kafka import poll, publish, subscribe
from services.common.logging import get_logger
from services.common.metrics import HEALTH
from services.common.retry import LEDGER_RECONNECT, RetriesExhausted, retry_call
from services.magento_writer import metrics
from services.magento_writer.answers import Answer
from services.magento_writer.offsets import OffsetTracker
from services.magento_writer.scheduling import Scheduler, Work

log = get_logger(__name__)
Result = Event | Answer  # an Answer is published as recorded (its exact bytes), an Event encoded
Handler = Callable[[Event], Sequence[Result]]
POLL_BUSY_MS = 20  # commands outstanding: workers start the next ones themselves; come back to fetch
POLL_IDLE_MS = 200
COMMIT_INTERVAL_S = 0.25
ACK_TIMEOUT_S = 30.0
REVOKE_WAIT_S = 30.0  # how long a revocation waits for its partitions' running commands
REVOKE_LOOK_EVERY_S = 0.02


class _Listener(AsyncConsumerRebalanceListener):  # type: ignore[misc]
    """kafka-python 3 calls rebalance listeners on the consumer's IO thread, the one thread that
    sends heartbeats and reads every answer. Nothing may block there: a blocking ``commit()``
    raises (the writer once died at its first rebalance), and a revocation that waited for running
    commands by blocking stopped the heartbeats for as long (up to 30 s, past a 10 s session), the
    group dropped the member and its ``poll()`` could then wait forever (issue 14's writer hang).
    The revocation awaits: the IO loop's own sleep between looks, the commit asynchronously."""

    def __init__(self, loop: WriterLoop) -> None:
        self.loop = loop

    async def on_partitions_revoked(self, revoked: Any) -> None:
        pause = self.loop.consumer._net.sleep  # kafka-python 3's IO loop: other tasks run meanwhile
        await self.loop.on_revoked({(tp.topic, tp.partition) for tp in revoked}, pause)

    async def on_partitions_assigned(self, assigned: Any) -> None:
        log.info("partitions_assigned", partitions=sorted(f"{tp.topic}:{tp.partition}" for tp in assigned))


class WriterLoop:
    def __init__(
        self,
        consumer: KafkaConsumer,
        producer: KafkaProducer,
        dead_letters: DeadLetters,
        handler: Handler,
        handles: Callable[[Event], bool],
        concurrency: int,
        on_batch: Callable[[Sequence[Event]], None] | None = None,
    ) -> None:
        self.consumer = consumer
        self.producer = producer
        self.dead_letters = dead_letters
        self.handler = handler
        self.handles = handles
        self.on_batch = on_batch  # sees each polled batch's commands before any of them runs
        self.concurrency = concurrency
        self.capacity = concurrency * 2
        self.scheduler = Scheduler()
        self.offsets = OffsetTracker()
        self.lock = threading.Lock()  # guards scheduler and active
        self.active = 0  # commands executing their handler (Magento slots in use)
        self.sent: queue.Queue[tuple[Work, list[Any], BaseException | None] | None] = queue.Queue()
        self.completions: queue.Queue[tuple[Work, BaseException | None]] = queue.Queue()
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="writer")
        self.acker = threading.Thread(target=self._ack_loop, name="writer-acks", daemon=True)
        self.stop_event = threading.Event()
        self.fatal: BaseException | None = None
        self._last_commit = 0.0
        self.sleep: Callable[[float], None] = time.sleep  # between runs of a handler (tests: no wait)

    def subscribe(self, topics: list[str]) -> None:
        subscribe(self.consumer, topics, listener=_Listener(self))

    # --- consumer thread ---------------------------------------------------------------

    def run(self) -> None:
        self.acker.start()
        try:
            while not self.stop_event.is_set() and self.fatal is None:
                self._drain(block=False)
                self._start_ready()
                self._backpressure()
                outstanding = len(self.scheduler)
                batches = poll(self.consumer, POLL_BUSY_MS if outstanding else POLL_IDLE_MS,
                               max(self.capacity - outstanding, 1))
                accepted = [event for records in batches.values() for record in records
                            if (event := self._accept(record)) is not None]
                if accepted and self.on_batch is not None:
                    self.on_batch(accepted)
                self._start_ready()
                self._drain(block=False)
                self._commit(due_only=True)
                HEALTH.beat("magento_writer", max_silence_s=120)
            self._finish_inflight(timeout_s=30)
        finally:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.sent.put(None)
        if self.fatal is not None:
            raise RuntimeError(f"writer stopped: {self.fatal}") from self.fatal

    def _accept(self, record: Any) -> Event | None:
        """Schedule the command in ``record``; the event when it was scheduled."""
        tp = (record.topic, record.partition)
        self.offsets.started(tp, record.offset)
        try:
            event = decode(record.value)
            store, _ = split_order_key(event.key)
        except (DecodeError, ValueError) as exc:
            self.dead_letters.record_input(record, exc)
            self.offsets.finished(tp, record.offset)
            return None
        if not self.handles(event):
            self.offsets.finished(tp, record.offset)
            return None
        work = Work(
            record.topic,
            record.partition,
            record.offset,
            event.key,
            store,
            event,
            time.monotonic(),
            {"raw_key": record.key, "raw_value": record.value},
        )
        with self.lock:
            self.scheduler.submit(work)
            metrics.INFLIGHT.set(len(self.scheduler))
        return event

    def _drain(self, block: bool, timeout_s: float = 0.1) -> None:
        """Offsets of acknowledged commands become committable; a result not published is fatal."""
        while True:
            try:
                work, error = self.completions.get(block=block, timeout=timeout_s if block else None)
            except queue.Empty:
                return
            block = False
            if error is not None:
                self.fatal = error
                log.error("result_not_published", key=work.key, error=str(error))
                continue  # never commit past a command whose result is not on the topic
            self.offsets.finished((work.topic, work.partition), work.offset)

    def _backpressure(self) -> None:
        """Stop fetching while the outstanding commands fill the capacity (Magento is slow)."""
        if len(self.scheduler) >= self.capacity:
            self.consumer.pause(*self.consumer.assignment())
        elif self.consumer.paused():
            self.consumer.resume(*self.consumer.paused())

    def _commit(self, due_only: bool = False) -> None:
        """Commit the positions that moved; with ``due_only`` at most every ``COMMIT_INTERVAL_S``
        (a commit is a broker round trip; redelivery after a crash is idempotent anyway)."""
        if due_only and time.monotonic() - self._last_commit < COMMIT_INTERVAL_S:
            return
        positions = self.offsets.to_commit()
        if not positions:
            return
        assigned = {(tp.topic, tp.partition) for tp in self.consumer.assignment()}
        positions = {tp: pos for tp, pos in positions.items() if tp in assigned}
        if not positions:
            return
        self._last_commit = time.monotonic()
        try:
            self.consumer.commit(
                {TopicPartition(t, p): OffsetAndMetadata(pos, "", -1) for (t, p), pos in positions.items()}
            )
        except KafkaError as exc:  # e.g. a rebalance is under way: keep going, commit again next turn
            log.warning("commit_failed", error=str(exc))
            return
        self.offsets.committed(positions)

    async def on_revoked(self, revoked: set[tuple[str, int]], pause: Callable[[float], Awaitable[Any]]) -> None:
        """Finish what already runs for the revoked partitions, commit it, drop the rest. Runs on
        the consumer's IO thread while ``poll()`` waits: it awaits ``pause`` between looks at the
        running commands (worker and ack threads finish them; no consumer call) and awaits the
        commit, so the IO thread keeps heartbeating and reading answers meanwhile."""
        with self.lock:
            self.scheduler.drop_queued(lambda w: (w.topic, w.partition) in revoked)
        deadline = time.monotonic() + REVOKE_WAIT_S
        while self.scheduler.running and time.monotonic() < deadline:
            self._drain(block=False)
            await pause(REVOKE_LOOK_EVERY_S)
        self._drain(block=False)
        positions = self.offsets.to_commit()  # every partition is still ours until this returns
        if positions:
            try:
                await self.consumer.commit_async(
                    {TopicPartition(t, p): OffsetAndMetadata(pos, "", -1) for (t, p), pos in positions.items()})
                self.offsets.committed(positions)
            except KafkaError as exc:  # the new owner redoes the uncommitted work idempotently
                log.warning("commit_failed", error=str(exc), on="revocation")
        self.offsets.forget(revoked)
        metrics.INFLIGHT.set(len(self.scheduler))

    def _finish_inflight(self, timeout_s: float) -> None:
        with self.lock:
            self.scheduler.drop_queued(lambda _w: True)
        self._wait_running(deadline=time.monotonic() + timeout_s)
        if self.fatal is None:
            self._commit()

    def _wait_running(self, deadline: float) -> None:
        while self.scheduler.running and time.monotonic() < deadline:
            self._drain(block=True)
        self._drain(block=False)

    # --- any thread ----------------------------------------------------------------------

    def _start_ready(self) -> None:
        """Start ready commands while Magento slots are free (called by every thread that frees one)."""
        starts: list[Work] = []
        with self.lock:
            while self.active < self.concurrency:
                work = self.scheduler.next()
                if work is None:
                    break
                self.active += 1
                starts.append(work)
        for work in starts:
            try:
                self.pool.submit(self._execute, work)
            except RuntimeError:  # the pool is shut down: the loop is stopping, the offset stays open
                return

    # --- worker threads ----------------------------------------------------------------

    def _execute(self, work: Work) -> None:
        error: BaseException | None = None
        futures: list[Any] = []
        try:
            results = self._handle(work)
            futures = [self._publish(r) for r in results]
        except BaseException as exc:  # noqa: BLE001 - reported to the consumer thread
            error = exc
        with self.lock:
            self.active -= 1
        self.sent.put((work, futures, error))
        self._start_ready()

    def _publish(self, result: Result) -> Any:
        if isinstance(result, Answer):
            return self.producer.send(MAGENTO_RESULTS, key=result.key, value=result.body)
        return publish(self.producer, MAGENTO_RESULTS, result)

    # --- ack thread ----------------------------------------------------------------------

    def _ack_loop(self) -> None:
        """In send order: wait for the broker's acks, then the command is done (its order's next
        command may start, its offset may be committed)."""
        while True:
            item = self.sent.get()
            if item is None:
                return
            work, futures, error = item
            if error is None:
                try:
                    for future in futures:
                        future.get(timeout=ACK_TIMEOUT_S)
                    metrics.COMMAND_SECONDS.labels(work.event.event_type).observe(
                        time.monotonic() - work.received_at
                    )
                except BaseException as exc:  # noqa: BLE001 - reported to the consumer thread
                    error = exc
            with self.lock:
                self.scheduler.done(work)
                metrics.INFLIGHT.set(len(self.scheduler))
            self.completions.put((work, error))
            self._start_ready()

    def _handle(self, work: Work) -> Sequence[Result]:
        """The handler's results. Handlers spend the Magento retry budget themselves; the runner
        re-runs the (idempotent) handler only when the ledger's pooled database connection turned
        out dead (``LEDGER_RECONNECT``). Any other error dead-letters the input at once."""
        try:
            return retry_call(LEDGER_RECONNECT, lambda: self.handler(work.event), retry_on=_connection_lost,
                              sleep=self.sleep,
                              on_retry=lambda n, exc, _w: log.warning("ledger_reconnect", key=work.key, attempt=n,
                                                                      error=str(exc)))
        except Exception as exc:
            error = exc.last if isinstance(exc, RetriesExhausted) else exc
            log.error("handler_error", key=work.key, error=str(error), exc_info=error)
            self.dead_letters.record(
                reason=f"handler failed: {error}"[:500],
                error=error,
                key=work.key,
                raw_key=work.meta.get("raw_key"),
                raw_value=work.meta.get("raw_value"),
                source_topic=work.topic,
                partition=work.partition,
                offset=work.offset,
            )
            return []


def _connection_lost(exc: BaseException) -> bool:
    return isinstance(exc, DBAPIError) and exc.connection_invalidated
