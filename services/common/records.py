"""One input record of a stream processor, independent of the Kafka client that read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class InputRecord:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int | None

    @classmethod
    def from_kafka(cls, r: Any) -> InputRecord:
        """From a kafka-python ``ConsumerRecord``."""
        return cls(r.topic, r.partition, r.offset, r.key, r.value, r.timestamp)

    @classmethod
    def from_faust(cls, m: Any) -> InputRecord:
        """From a Faust ``Message`` (timestamp in seconds)."""
        return cls(m.topic, m.partition, m.offset, m.key, m.value,
                   int(m.timestamp * 1000) if m.timestamp else None)
