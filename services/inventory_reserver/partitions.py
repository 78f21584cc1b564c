"""Which partition an order key lives in: Kafka's default (murmur2) partitioner, the one every
producer of the order topics and the table's changelog use."""

from __future__ import annotations

from aiokafka.partitioner import murmur2


def partition_for(key: str, partitions: int) -> int:
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions
