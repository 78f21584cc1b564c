"""Every store's configuration history, read from the stores topic: the one reader of that topic.

The stores topic has one partition and every reader needs all of it, so this is a kafka-python
consumer without a group that reads from the beginning: ``read_to_end`` once (``registry.read_all``:
the CLI, the fulfillment services), or ``start`` on a thread that keeps following it, so stores
integrated, changed or disabled while a service runs are picked up (the poller; ``run`` as a task
of the processor's and the reserver's Faust apps). "The end" is always the exact end offset
(``services.common.kafka.end_offsets``), so ``ready`` and ``sync`` never stop short of a record.
Which configuration applies when is ``StoreHistory.at``'s rule."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from kafka import TopicPartition

from schemas import DecodeError, decode
from schemas.events.stores import StoreConfiguredV1
from schemas.topics import STORES
from schemas.types import StoreConfig
from services.common.kafka import end_offsets, make_consumer
from services.common.logging import get_logger
from services.common.records import InputRecord
from services.common.retry import STORES_READER, poll_until_async
from services.common.settings import Settings
from services.stores.history import StoreHistory

log = get_logger(__name__)

OnChange = Callable[[dict[str, StoreConfig]], None]
Undecodable = Callable[[InputRecord, DecodeError], None]
AsyncUndecodable = Callable[[InputRecord, DecodeError], Coroutine[Any, Any, None]]


def _log_undecodable(record: InputRecord, exc: DecodeError) -> None:
    log.warning("store_event_undecodable", offset=record.offset, error=str(exc))


class StoreDirectory:
    """The histories read so far, and the reading. ``settings=None`` makes a directory fed only
    by ``add`` (tests, benchmarks). Reads may come from any thread: each store's history is an
    immutable value that ``add`` replaces."""

    def __init__(self, settings: Settings | None = None, *, on_change: OnChange | None = None,
                 on_undecodable: Undecodable = _log_undecodable, poll_ms: int = 500, topic: str = STORES) -> None:
        self.settings = settings
        self.on_change = on_change  # called (on the reader's thread) with every store's current config
        self.on_undecodable = on_undecodable
        self.poll_ms = poll_ms
        self.ready = threading.Event()  # set once the topic was read to its end at start
        self.error: BaseException | None = None
        self._histories: dict[str, StoreHistory] = {}
        self._lock = threading.Lock()
        self._tp = TopicPartition(topic, 0)  # one partition: every store's events in one order
        self._position = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- the histories --------------------------------------------------------------------

    def add(self, event: StoreConfiguredV1) -> bool:
        """Take in one configuration event; False when it was already known."""
        sid = event.data.config.store_id
        with self._lock:
            before = self._histories.get(sid, StoreHistory(sid))
            after = before.with_event(event)
            self._histories[sid] = after
        return after is not before

    def history(self, store_id: str) -> StoreHistory | None:
        return self._histories.get(store_id)

    def config_at(self, store_id: str, when: datetime) -> StoreConfig | None:
        """The store's configuration in force at ``when``; None for a store not on the topic."""
        history = self._histories.get(store_id)
        return history.at(when) if history is not None else None

    @property
    def histories(self) -> dict[str, StoreHistory]:
        with self._lock:
            return dict(self._histories)

    def current(self) -> dict[str, StoreConfig]:
        return {sid: h.current for sid, h in self.histories.items()}

    # --- reading ----------------------------------------------------------------------------

    def read_to_end(self, timeout_s: float = 20.0) -> None:
        """Read the topic from the start to its end as of now, then return."""
        consumer = self._open()
        try:
            end = self._end()
            deadline = time.monotonic() + timeout_s
            while self._position < end and time.monotonic() < deadline:
                self._poll(consumer)
            if self._position < end:
                raise TimeoutError(f"could not read the stores topic to its end within {timeout_s}s")
            self.ready.set()
        finally:
            consumer.close()

    def start(self) -> StoreDirectory:
        """Follow the topic on a daemon thread until ``stop``; its failure is kept in ``error``."""
        self._thread = threading.Thread(target=self._follow, name="stores-reader", daemon=True)
        self._thread.start()
        return self

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _open(self) -> Any:
        if self.settings is None:
            raise ValueError("this store directory has no broker to read from (settings=None)")
        consumer = make_consumer(self.settings, None, [])
        consumer.assign([self._tp])
        consumer.seek_to_beginning(self._tp)
        return consumer

    def _end(self) -> int:
        assert self.settings is not None
        return end_offsets(self.settings, [self._tp])[self._tp]

    def _follow(self) -> None:
        try:
            consumer = self._open()
        except BaseException as exc:  # noqa: BLE001 - reported through .error (and the services' health)
            self.error = exc
            return
        try:
            end = self._end()
            while not self._stop.is_set():
                changed = self._poll(consumer)
                if not self.ready.is_set() and self._position >= end:
                    self.ready.set()
                    changed = True
                    log.info("store_configurations_loaded", stores=len(self._histories))
                if changed and self.ready.is_set() and self.on_change is not None:
                    self.on_change(self.current())
        except BaseException as exc:  # noqa: BLE001
            self.error = exc
            log.error("stores_reader_failed", error=str(exc))
        finally:
            consumer.close()

    def _poll(self, consumer: Any) -> bool:
        changed = False
        for records in consumer.poll(self.poll_ms).values():
            for r in records:
                try:
                    event = decode(r.value or b"")
                except DecodeError as exc:
                    self.on_undecodable(InputRecord.from_kafka(r), exc)
                    continue
                if isinstance(event, StoreConfiguredV1):
                    changed |= self.add(event)
        self._position = consumer.position(self._tp)
        return changed

    # --- for asyncio services ---------------------------------------------------------------

    async def run(self, on_undecodable: AsyncUndecodable | None = None) -> None:
        """Follow the topic while the calling task runs (a Faust task): returns only by raising the
        reader's error, and stops the reader when cancelled. ``on_undecodable`` runs on this loop."""
        if on_undecodable is not None:
            loop = asyncio.get_running_loop()

            def bridge(record: InputRecord, exc: DecodeError) -> None:
                asyncio.run_coroutine_threadsafe(on_undecodable(record, exc), loop).result(30)

            self.on_undecodable = bridge
        self.start()
        try:
            await poll_until_async(STORES_READER, self.alive, done=lambda alive: not alive)
        finally:
            self._stop.set()
        raise self.error or RuntimeError("the stores reader stopped")

    async def wait_ready(self) -> None:
        await poll_until_async(STORES_READER, self.ready.is_set, done=bool)

    async def sync(self, timeout_s: float = 10.0) -> bool:
        """Wait until everything on the stores topic now has been read (a store may have been
        integrated a moment ago). False when not following the topic or not caught up in time."""
        if not self.alive():
            return False
        end = await asyncio.to_thread(self._end)

        def caught_up() -> bool | None:  # None: the reader stopped, waiting is pointless
            return self._position >= end if self.alive() else None

        return bool(await poll_until_async(STORES_READER.within(timeout_s), caught_up,
                                           done=lambda reached: reached is not False))
