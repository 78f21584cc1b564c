"""A Faust table read and written with each key's partition stated, not taken from the stream
event being processed.

Faust's RocksDB store finds the partition of a write in the *current stream event* and fails
outside one (``assert event is not None``): the order processor writes a batch's states after
folding it, and the reserver's sweeper writes from a timer. With the memory store both worked,
so tests passed while ``FAUST_STORE=rocksdb://``, the production store, crashed on the first
write. Here the partition is the key's, by Kafka's default partitioner (murmur2), which is how
every producer of the order topics places a key, so a state lands in the changelog partition of
its order's input partition and each worker recovers exactly the orders of its partitions.

Every write goes through ``put_many``: the changelog records are sent through a plain producer
and acknowledged first, then the store is written and the persisted changelog offsets recorded,
so the store never holds a state its changelog lacks, and a worker never commits an input offset
whose state change is not yet in the changelog. There is no synchronous ``table[key] = value``:
Faust sends those through its producer buffer, whose ``flush`` before a commit gives up after
0.1 s without progress, so a worker that left the group right after a commit lost the state
changes still buffered (10 of 48 orders kept their reservations in the rebalance drill on Kafka).

``InMemoryStates`` is the same interface over a dict, for the processors' unit tests."""

from __future__ import annotations

import asyncio
import random
from abc import abstractmethod
from collections.abc import Awaitable, Callable, Iterator, Mapping
from functools import lru_cache
from typing import Any

from aiokafka.partitioner import murmur2
from faust.types import TP

# (topic, key, value, partition) -> the delivery future, resolving to the record's metadata
SendToPartition = Callable[[str, bytes, bytes, int], Awaitable["asyncio.Future[Any]"]]


@lru_cache(maxsize=1 << 16)
def _key_hash(key: bytes) -> int:
    return murmur2(key) & 0x7FFFFFFF  # pure Python in aiokafka: cached, as an order's key recurs


def partition_of(key: bytes, partitions: int) -> int:
    """Kafka's default partitioner, as the Java client and aiokafka place a keyed record."""
    return _key_hash(key) % partitions


def key_partitioner(key: bytes | None, all_partitions: list[int], available: list[int]) -> int:
    """aiokafka's default partitioner (murmur2 of the key over all partitions) with the hash cached."""
    if key is None:
        return random.choice(available or all_partitions)
    return all_partitions[_key_hash(key) % len(all_partitions)]


class States(Mapping[bytes, bytes]):
    """Per-order states, read synchronously, written in acknowledged batches."""

    @abstractmethod
    async def put_many(self, items: Mapping[bytes, bytes]) -> None: ...


class InMemoryStates(States):
    def __init__(self) -> None:
        self._data: dict[bytes, bytes] = {}

    async def put_many(self, items: Mapping[bytes, bytes]) -> None:
        self._data.update(items)

    def __getitem__(self, key: bytes) -> bytes:
        return self._data[key]

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class PartitionedTable(States):
    def __init__(self, table: Any, partitions: int, send: SendToPartition) -> None:
        self.table = table
        self.partitions = partitions
        self.send = send

    async def put_many(self, items: Mapping[bytes, bytes]) -> None:
        """Write ``items``: every changelog record acknowledged first, then the store."""
        topic = self.table.changelog_topic.get_topic_name()
        placed = [(key, value, partition_of(key, self.partitions)) for key, value in items.items()]
        deliveries = [await self.send(topic, key, value, partition) for key, value, partition in placed]
        offsets: dict[int, int] = {}
        for (key, value, partition), metadata in zip(placed, await asyncio.gather(*deliveries), strict=True):
            self._put_local(key, value, partition)
            offsets[partition] = max(offsets.get(partition, -1), metadata.offset)
        for partition, offset in offsets.items():
            self.table.data.set_persisted_offset(TP(topic, partition), offset)

    # RocksDB stores hold one database per partition; any other store (memory) is one mapping.
    def _db(self, partition: int) -> Any | None:
        open_db = getattr(self.table.data, "_db_for_partition", None)
        return open_db(partition) if open_db is not None else None

    def _put_local(self, key: bytes, value: bytes, partition: int) -> None:
        db = self._db(partition)
        if db is None:
            self.table.data.data[key] = value
        else:
            db.put(key, value)
            self.table.data._key_index[key] = partition

    def __getitem__(self, key: bytes) -> bytes:
        db = self._db(partition_of(key, self.partitions))
        value = self.table.data.data.get(key) if db is None else db.get(key)
        if value is None:
            raise KeyError(key)
        return value  # type: ignore[no-any-return]

    def __iter__(self) -> Iterator[bytes]:
        return iter(list(self.table.keys()))

    def __len__(self) -> int:
        return len(self.table)
