"""Every store's configuration history, read by each worker from the whole stores topic
(one partition, no consumer group), so any worker can judge any order."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas import DecodeError, decode
from schemas.events.stores import StoreConfiguredV1
from schemas.topics import STORES
from schemas.types import StoreConfig
from services.stores.history import StoreHistory

log = logging.getLogger(__name__)


class StoreDirectory:
    def __init__(self) -> None:
        self.histories: dict[str, StoreHistory] = {}
        self.ready = asyncio.Event()
        self._consumer: AIOKafkaConsumer | None = None
        self._tp = TopicPartition(STORES, 0)

    def add(self, event: StoreConfiguredV1) -> None:
        sid = event.data.config.store_id
        self.histories.setdefault(sid, StoreHistory(sid)).apply(event)

    def add_raw(self, raw: bytes | None) -> None:
        try:
            event = decode(raw or b"")
        except DecodeError as exc:
            log.warning("ignoring undecodable store event: %s", exc)
            return
        if isinstance(event, StoreConfiguredV1):
            self.add(event)

    def config_for(self, store_id: str, when: datetime) -> StoreConfig | None:
        """The config in force at ``when``. An event dated before the store's first config
        (e.g. an initial-import fact stamped with Amazon's time) is judged by that first one."""
        history = self.histories.get(store_id)
        if history is None or not history.configs:
            return None
        return history.at(when) or history.configs[0]

    async def run(self, bootstrap: str) -> None:
        """Read the stores topic from the start, forever; ``ready`` once caught up."""
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
        await consumer.start()
        self._consumer = consumer
        try:
            consumer.assign([self._tp])
            await consumer.seek_to_beginning(self._tp)
            end = (await consumer.end_offsets([self._tp]))[self._tp]
            while True:
                batches = await consumer.getmany(self._tp, timeout_ms=500)
                for record in batches.get(self._tp, []):
                    self.add_raw(record.value)
                if not self.ready.is_set() and await consumer.position(self._tp) >= end:
                    self.ready.set()
        finally:
            self._consumer = None
            await consumer.stop()

    async def sync(self, timeout_s: float = 5.0) -> bool:
        """Wait until everything on the stores topic right now has been read."""
        consumer = self._consumer
        if consumer is None:
            return False
        end = (await consumer.end_offsets([self._tp]))[self._tp]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while await consumer.position(self._tp) < end:
            if loop.time() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True
