"""A Faust app's own producer for its output topics and its table's changelog (the order
processor's lifecycle facts, the reserver's reservations, their dead letters).

A plain aiokafka producer rather than Faust topic channels or ``Table.send_changelog``: each output
would otherwise go through Faust's per-message future and callback machinery, which cost more
CPU than the rules themselves, and a changelog write through Faust's producer buffer may still be
unsent when Faust commits the input offset (``ProducerBuffer.flush`` gives up after 0.1 s without
progress, docs/tansu-notes.md "Kafka findings"), so a worker leaving the group loses it.
``send`` returns the delivery future; a state is stored only after its outputs and its changelog
record are acknowledged (``PartitionedTable.put_many``). Keys are hashed by the Java-compatible
murmur2 partitioner, so an order's outputs land in the partition of its inputs."""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaProducer

from services.common import broker_quirks
from services.common.kafka_security import client_options
from services.common.partitioned_table import key_partitioner
from services.common.settings import Settings


class OutputProducer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._producer: AIOKafkaProducer | None = None
        self._starting = asyncio.Lock()

    async def send(self, topic: str, key: bytes, value: bytes) -> asyncio.Future[object]:
        producer = self._producer or await self._start()
        return await producer.send(topic, value=value, key=key)

    async def send_to(self, topic: str, key: bytes, value: bytes, partition: int) -> asyncio.Future[object]:
        producer = self._producer or await self._start()
        return await producer.send(topic, value=value, key=key, partition=partition)

    async def _start(self) -> AIOKafkaProducer:
        async with self._starting:
            if self._producer is None:
                # Idempotent: a batch retried after a leader failover (its first ack lost) is written
                # once, not twice (aiokafka's default is off; kafka-python's producers have it on).
                producer = AIOKafkaProducer(**client_options(self.settings), acks="all",
                                            enable_idempotence=broker_quirks.idempotent_async_producers(),
                                            linger_ms=5, max_batch_size=512 * 1024, partitioner=key_partitioner)
                await producer.start()
                self._producer = producer
            return self._producer
