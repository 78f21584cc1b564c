"""The consume → execute → publish → commit loop.

One consumer thread (kafka-python is not thread-safe) fetches, decodes and schedules; a bounded
pool of worker threads runs the handlers and publishes results, waiting for the broker's ack; the
consumer thread then commits, per partition, only up to the lowest unfinished offset. When as many
commands are outstanding as the capacity allows, fetching stops (partitions paused)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from schemas import DecodeError, Event, decode
from schemas.envelope import split_order_key
from schemas.topics import MAGENTO_RESULTS
from services.common.kafka import DeadLetters, publish
from services.common.logging import get_logger
from services.common.metrics import HEALTH
from services.magento_writer import metrics
from services.magento_writer.offsets import OffsetTracker
from services.magento_writer.scheduling import Scheduler, Work

log = get_logger(__name__)
Handler = Callable[[Event], list[Event]]
HANDLER_ATTEMPTS = 3
POLL_BUSY_MS = 5  # commands outstanding: come back soon to start the next ones and commit
POLL_IDLE_MS = 200


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: WriterLoop) -> None:
        self.loop = loop

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.loop.on_revoked({(tp.topic, tp.partition) for tp in revoked})

    def on_partitions_assigned(self, assigned: Any) -> None:
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
    ) -> None:
        self.consumer = consumer
        self.producer = producer
        self.dead_letters = dead_letters
        self.handler = handler
        self.handles = handles
        self.concurrency = concurrency
        self.capacity = concurrency * 2
        self.scheduler = Scheduler()
        self.offsets = OffsetTracker()
        self.completions: queue.Queue[tuple[Work, BaseException | None]] = queue.Queue()
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="writer")
        self.stop_event = threading.Event()
        self.fatal: BaseException | None = None

    def subscribe(self, topics: list[str]) -> None:
        self.consumer.subscribe(topics, listener=_Listener(self))

    # --- consumer thread ---------------------------------------------------------------

    def run(self) -> None:
        try:
            while not self.stop_event.is_set() and self.fatal is None:
                self._drain(block=False)
                self._start_ready()
                self._backpressure()
                free = max(self.capacity - len(self.scheduler), 0)
                batches = self.consumer.poll(
                    timeout_ms=POLL_BUSY_MS if len(self.scheduler) else POLL_IDLE_MS, max_records=max(free, 1)
                )
                for records in batches.values():
                    for record in records:
                        self._accept(record)
                self._start_ready()
                self._drain(block=False)
                self._commit()
                HEALTH.beat("magento_writer", max_silence_s=120)
            self._finish_inflight(timeout_s=30)
        finally:
            self.pool.shutdown(wait=False, cancel_futures=True)
        if self.fatal is not None:
            raise RuntimeError(f"writer stopped: {self.fatal}") from self.fatal

    def _accept(self, record: Any) -> None:
        tp = (record.topic, record.partition)
        self.offsets.started(tp, record.offset)
        try:
            event = decode(record.value)
            store, _ = split_order_key(event.key)
        except (DecodeError, ValueError) as exc:
            self.dead_letters.record(
                reason=str(exc)[:500],
                error=exc,
                raw_key=record.key,
                raw_value=record.value,
                source_topic=record.topic,
                partition=record.partition,
                offset=record.offset,
            )
            self.offsets.finished(tp, record.offset)
            return
        if not self.handles(event):
            self.offsets.finished(tp, record.offset)
            return
        self.scheduler.submit(
            Work(
                record.topic,
                record.partition,
                record.offset,
                event.key,
                store,
                event,
                time.monotonic(),
                {"raw_key": record.key, "raw_value": record.value},
            )
        )
        metrics.INFLIGHT.set(len(self.scheduler))

    def _start_ready(self) -> None:
        while self.scheduler.running < self.concurrency:
            work = self.scheduler.next()
            if work is None:
                return
            self.pool.submit(self._execute, work)

    def _drain(self, block: bool, timeout_s: float = 0.1) -> None:
        while True:
            try:
                work, error = self.completions.get(block=block, timeout=timeout_s if block else None)
            except queue.Empty:
                return
            block = False
            self.scheduler.done(work)
            metrics.INFLIGHT.set(len(self.scheduler))
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

    def _commit(self) -> None:
        positions = self.offsets.to_commit()
        if not positions:
            return
        assigned = {(tp.topic, tp.partition) for tp in self.consumer.assignment()}
        positions = {tp: pos for tp, pos in positions.items() if tp in assigned}
        if not positions:
            return
        try:
            self.consumer.commit(
                {TopicPartition(t, p): OffsetAndMetadata(pos, "", -1) for (t, p), pos in positions.items()}
            )
        except KafkaError as exc:  # e.g. a rebalance is under way: keep going, commit again next turn
            log.warning("commit_failed", error=str(exc))
            return
        self.offsets.committed(positions)

    def on_revoked(self, revoked: set[tuple[str, int]]) -> None:
        """Finish what already runs for the revoked partitions, commit it, drop the rest."""
        self.scheduler.drop_queued(lambda w: (w.topic, w.partition) in revoked)
        deadline = time.monotonic() + 30
        while self.scheduler.running and time.monotonic() < deadline:
            self._drain(block=True)
        self._commit()  # if it fails, the new owner redoes the uncommitted work idempotently
        self.offsets.forget(revoked)
        metrics.INFLIGHT.set(len(self.scheduler))

    def _finish_inflight(self, timeout_s: float) -> None:
        self.scheduler.drop_queued(lambda _w: True)
        deadline = time.monotonic() + timeout_s
        while self.scheduler.running and time.monotonic() < deadline:
            self._drain(block=True)
        if self.fatal is None:
            self._commit()

    # --- worker threads ----------------------------------------------------------------

    def _execute(self, work: Work) -> None:
        error: BaseException | None = None
        try:
            results = self._handle(work)
            futures = [publish(self.producer, MAGENTO_RESULTS, r) for r in results]
            for future in futures:
                future.get(timeout=30)
            metrics.COMMAND_SECONDS.labels(work.event.event_type).observe(time.monotonic() - work.received_at)
        except BaseException as exc:  # noqa: BLE001 - reported to the consumer thread
            error = exc
        self.completions.put((work, error))

    def _handle(self, work: Work) -> list[Event]:
        """The handler's results; an unexpected error is retried, then the input is dead-lettered."""
        for attempt in range(1, HANDLER_ATTEMPTS + 1):
            try:
                return self.handler(work.event)
            except Exception as exc:
                log.exception("handler_error", key=work.key, attempt=attempt, error=str(exc))
                if attempt == HANDLER_ATTEMPTS:
                    self.dead_letters.record(
                        reason=f"handler failed {attempt} times: {exc}"[:500],
                        error=exc,
                        key=work.key,
                        raw_key=work.meta.get("raw_key"),
                        raw_value=work.meta.get("raw_value"),
                        source_topic=work.topic,
                        partition=work.partition,
                        offset=work.offset,
                    )
                    return []
                time.sleep(0.5 * attempt)
        return []
