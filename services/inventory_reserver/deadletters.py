"""Dead letters of the reserver, built here and sent through the same sink as its facts."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from schemas import encode
from schemas.events.deadletter import DeadLetterData, DeadLetterV1
from schemas.topics import dead_letter_topic

SERVICE = "inventory_reserver"
TOPIC_NAME = dead_letter_topic(SERVICE)


def _b64(raw: bytes | None) -> str | None:
    return base64.b64encode(raw).decode() if raw is not None else None


def dead_letter(*, reason: str, error_type: str, topic: str, partition: int, offset: int,
                raw_key: bytes | None, raw_value: bytes | None, timestamp_ms: int | None) -> DeadLetterV1:
    """Deterministic: the id comes from the source position, ``occurred_at`` from the record's
    timestamp, so reprocessing the same record yields the same dead letter."""
    occurred_at = datetime.fromtimestamp((timestamp_ms or 0) / 1000, UTC)
    key = raw_key.decode(errors="replace") if raw_key else SERVICE
    event: DeadLetterV1 = DeadLetterV1.build(
        key=key, occurred_at=occurred_at, producer=SERVICE, identity=(topic, partition, offset),
        data=DeadLetterData(service=SERVICE, reason=reason, error_type=error_type, source_topic=topic,
                            source_partition=partition, source_offset=offset,
                            raw_key=_b64(raw_key), raw_value=_b64(raw_value)))
    return event


def encoded(event: DeadLetterV1) -> bytes:
    return encode(event)
