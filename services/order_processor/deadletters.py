"""Dead-letter events for inputs the processor cannot handle (reason, offsets, raw bytes)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from schemas.events.deadletter import DeadLetterData, DeadLetterV1

SERVICE = "order_processor"


def _b64(raw: bytes | None) -> str | None:
    return base64.b64encode(raw).decode() if raw is not None else None


def dead_letter(*, reason: str, error: BaseException | str, topic: str, partition: int, offset: int,
                key: bytes | None, value: bytes | None, timestamp_ms: int | None) -> DeadLetterV1:
    """Identity = the source position, and time = the record's timestamp: a replay
    dead-letters the same input with the same event id."""
    occurred_at = datetime.fromtimestamp((timestamp_ms or 0) / 1000, UTC)
    event: DeadLetterV1 = DeadLetterV1.build(
        key=key.decode(errors="replace") if key else SERVICE,
        occurred_at=occurred_at, producer=SERVICE, identity=(topic, partition, offset),
        data=DeadLetterData(service=SERVICE, reason=reason,
                            error_type=error if isinstance(error, str) else type(error).__name__,
                            source_topic=topic, source_partition=partition, source_offset=offset,
                            raw_key=_b64(key), raw_value=_b64(value)),
    )
    return event
