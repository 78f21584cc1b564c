"""Dead letters: input a service could not process, kept with its reason and raw bytes."""

from __future__ import annotations

from typing import ClassVar, Literal

from schemas.envelope import Event, Model


class DeadLetterData(Model):
    service: str
    reason: str
    error_type: str
    source_topic: str | None = None
    source_partition: int | None = None
    source_offset: int | None = None
    raw_key: str | None = None  # base64
    raw_value: str | None = None  # base64 (or the raw API payload, as JSON text, base64)


class DeadLetterV1(Event):
    EVENT_TYPE: ClassVar[str] = "deadletter.recorded"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["deadletter.recorded"] = "deadletter.recorded"
    schema_version: Literal[1] = 1
    data: DeadLetterData
