"""Which partition an order key lives in: Kafka's default (murmur2) partitioner, the one every
producer of the order topics and the table's changelog use."""

from __future__ import annotations

from services.common.partitioned_table import partition_of


def partition_for(key: str, partitions: int) -> int:
    return partition_of(key.encode(), partitions)
