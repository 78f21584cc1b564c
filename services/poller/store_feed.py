"""Adapter: follow the stores topic on a thread and hand each new store set to a callback.

No consumer group: every poller process reads the whole (single-partition) topic from the
start and keeps following it, so new, changed and disabled stores are picked up while running."""

from __future__ import annotations

import threading
from collections.abc import Callable

from kafka import TopicPartition

from schemas import DecodeError, decode
from schemas.events.stores import StoreConfiguredV1
from schemas.topics import STORES
from schemas.types import StoreConfig
from services.common.kafka import end_offsets, make_consumer
from services.common.logging import get_logger
from services.common.settings import Settings
from services.stores.history import StoreHistory

log = get_logger(__name__)

OnStores = Callable[[dict[str, StoreConfig]], None]


class StoreFeed:
    def __init__(self, settings: Settings, on_stores: OnStores, poll_ms: int = 500) -> None:
        self.settings = settings
        self.on_stores = on_stores
        self.poll_ms = poll_ms
        self.histories: dict[str, StoreHistory] = {}
        self._stop = threading.Event()
        self.caught_up = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="store-feed", daemon=True)

    def start(self) -> StoreFeed:
        self._thread.start()
        return self

    def alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        try:
            consumer = make_consumer(self.settings, None, [])
        except BaseException as exc:  # noqa: BLE001 - reported through .error and health
            self.error = exc
            return
        try:
            tp = TopicPartition(STORES, 0)
            consumer.assign([tp])
            consumer.seek_to_beginning(tp)
            end = end_offsets(self.settings.kafka_bootstrap_servers, [tp])[tp]
            while not self._stop.is_set():
                changed = False
                for records in consumer.poll(self.poll_ms).values():
                    for r in records:
                        changed |= self._apply(r.value)
                if not self.caught_up.is_set() and consumer.position(tp) >= end:
                    self.caught_up.set()
                    changed = True
                if changed and self.caught_up.is_set():
                    self.on_stores({sid: h.current for sid, h in self.histories.items()})
        except BaseException as exc:  # noqa: BLE001
            self.error = exc
            log.error("store_feed_failed", error=str(exc))
        finally:
            consumer.close()

    def _apply(self, raw: bytes) -> bool:
        try:
            event = decode(raw)
        except DecodeError as exc:
            log.warning("store_event_undecodable", error=str(exc))
            return False
        if not isinstance(event, StoreConfiguredV1):
            return False
        sid = event.data.config.store_id
        return self.histories.setdefault(sid, StoreHistory(sid)).apply(event)
