"""A Faust table read and written with each key's partition stated, not taken from the stream
event being processed.

Faust's RocksDB store finds the partition of a write in the *current stream event* and fails
outside one (``assert event is not None``): the order processor writes a batch's states after
folding it, and the reserver's sweeper writes from a timer. With the memory store both worked,
so tests passed while ``FAUST_STORE=rocksdb://``, the production store, crashed on the first
write. Here the partition is the key's, by Kafka's default partitioner (murmur2), which is how
every producer of the order topics places a key, so a state lands in the changelog partition of
its order's input partition and each worker recovers exactly the orders of its partitions.

The changelog record is sent through the table (``send_changelog``), which also records the
persisted changelog offset in a RocksDB store, as a write inside an event would."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from aiokafka.partitioner import murmur2


def partition_of(key: bytes, partitions: int) -> int:
    """Kafka's default partitioner, as the Java client and aiokafka place a keyed record."""
    return (murmur2(key) & 0x7FFFFFFF) % partitions


class PartitionedTable(MutableMapping[bytes, bytes]):
    def __init__(self, table: Any, partitions: int) -> None:
        self.table = table
        self.partitions = partitions

    # RocksDB stores hold one database per partition; any other store (memory) is one mapping.
    def _db(self, key: bytes) -> Any | None:
        store = self.table.data
        open_db = getattr(store, "_db_for_partition", None)
        return open_db(partition_of(key, self.partitions)) if open_db is not None else None

    def __getitem__(self, key: bytes) -> bytes:
        db = self._db(key)
        value = self.table.data.data.get(key) if db is None else db.get(key)
        if value is None:
            raise KeyError(key)
        return value  # type: ignore[no-any-return]

    def __setitem__(self, key: bytes, value: bytes) -> None:
        partition = partition_of(key, self.partitions)
        db = self._db(key)
        if db is None:
            self.table.data.data[key] = value
        else:
            db.put(key, value)
            self.table.data._key_index[key] = partition
        self.table.send_changelog(partition, key, value)

    def __delitem__(self, key: bytes) -> None:
        if key not in self:
            raise KeyError(key)
        partition = partition_of(key, self.partitions)
        db = self._db(key)
        if db is None:
            del self.table.data.data[key]
        else:
            db.delete(key)
            self.table.data._key_index.pop(key, None)
        self.table.send_changelog(partition, key, None, value_serializer="raw")

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, bytes):
            return False
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[bytes]:
        return iter(list(self.table.keys()))

    def __len__(self) -> int:
        return len(self.table)
