"""Every store's configuration history, read by every worker from the stores topic.

The stores topic has one partition and each worker needs all of it, so this is a plain
consumer without a group (not a Faust agent, which would see it on one worker only)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from aiokafka import AIOKafkaConsumer, TopicPartition

from schemas import DecodeError, decode
from schemas.events.stores import StoreConfiguredV1
from services.common.logging import get_logger
from services.stores.history import StoreHistory

log = get_logger(__name__)

# Called with (reason, error type, topic, partition, offset, raw key, raw value, timestamp ms).
BadInput = Callable[[str, str, str, int, int, bytes | None, bytes | None, int | None], Awaitable[None]]


class StoreDirectory:
    def __init__(self, bootstrap_servers: str, topic: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.topic = topic
        self.histories: dict[str, StoreHistory] = {}
        self.ready = asyncio.Event()  # set once the topic was read up to its end at start
        self._positions: dict[TopicPartition, int] = {}
        self._consumer: AIOKafkaConsumer | None = None

    def apply(self, event: StoreConfiguredV1) -> bool:
        sid = event.data.config.store_id
        return self.histories.setdefault(sid, StoreHistory(sid)).apply(event)

    def history(self, store_id: str) -> StoreHistory | None:
        return self.histories.get(store_id)

    async def run(self, on_bad_input: BadInput) -> None:
        consumer = AIOKafkaConsumer(bootstrap_servers=self.bootstrap_servers.split(","), group_id=None,
                                    enable_auto_commit=False, auto_offset_reset="earliest")
        self._consumer = consumer
        await consumer.start()
        try:
            parts = consumer.partitions_for_topic(self.topic)
            deadline = time.monotonic() + 30
            while not parts and time.monotonic() < deadline:
                await consumer._client.force_metadata_update()
                parts = consumer.partitions_for_topic(self.topic)
            tps = [TopicPartition(self.topic, p) for p in sorted(parts or {0})]
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            initial_end = await consumer.end_offsets(tps)
            self._mark_ready_if(initial_end)
            while True:
                batches = await consumer.getmany(timeout_ms=500)
                for tp, records in batches.items():
                    for r in records:
                        try:
                            event = decode(r.value or b"")
                            if isinstance(event, StoreConfiguredV1):
                                self.apply(event)
                        except DecodeError as exc:
                            await on_bad_input(f"undecodable store event: {exc}", type(exc).__name__,
                                               tp.topic, tp.partition, r.offset, r.key, r.value, r.timestamp)
                        self._positions[tp] = r.offset + 1
                for tp in tps:
                    self._positions[tp] = max(self._positions.get(tp, 0), await consumer.position(tp))
                self._mark_ready_if(initial_end)
        finally:
            await consumer.stop()

    def _mark_ready_if(self, end: dict[TopicPartition, int]) -> None:
        if not self.ready.is_set() and all(self._positions.get(tp, 0) >= off for tp, off in end.items()):
            self.ready.set()
            log.info("store configurations loaded", stores=len(self.histories))

    async def catch_up(self, timeout_s: float = 10.0) -> None:
        """Wait until everything on the stores topic right now has been read."""
        await self.ready.wait()
        if self._consumer is None:
            return
        tps = list(self._positions) or [TopicPartition(self.topic, 0)]
        end = await self._consumer.end_offsets(tps)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if all(self._positions.get(tp, 0) >= off for tp, off in end.items()):
                return
            await asyncio.sleep(0.05)
