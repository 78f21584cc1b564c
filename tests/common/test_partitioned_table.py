"""The table's partition for a key is the one Kafka producers give that key."""

from __future__ import annotations

from kafka.partitioner import murmur2 as kafka_python_murmur2

from services.common.partitioned_table import key_partitioner, partition_of
from services.inventory_reserver.partitions import partition_for


def test_partition_of_agrees_with_kafka_pythons_java_compatible_partitioner() -> None:
    for n in range(2000):
        key = f"store-{n % 7}:11{n % 10}-{n:07d}-0000001".encode()
        expected = (kafka_python_murmur2(key) & 0x7FFFFFFF) % 8  # kafka-python's DefaultPartitioner
        assert partition_of(key, 8) == expected
        assert partition_for(key.decode(), 8) == expected
        assert key_partitioner(key, list(range(8)), [0, 1]) == expected  # every partition, available or not
