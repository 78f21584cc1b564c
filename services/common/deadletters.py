"""The one builder of ``deadletter.recorded`` records, and the sink that sends them.

A dead letter keeps what a service could not process: its reason, the error's type, where the
input sat (topic, partition, offset) and its raw key and value (base64). Its identity is the
input's position when it has one, so reprocessing the same record yields the same event id;
input without a position (an API payload) is identified by the reason and the raw bytes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from kafka import KafkaProducer

from schemas import DecodeError, Event, decode
from schemas.events.deadletter import DeadLetterData, DeadLetterV1
from schemas.topics import dead_letter_topic
from services.common.kafka import publish


def b64(raw: bytes | None) -> str | None:
    """Raw bytes as base64 text (``None`` stays ``None``)."""
    return base64.b64encode(raw).decode() if raw is not None else None


def record_time(timestamp_ms: int | None) -> datetime:
    """A record's broker timestamp as an aware datetime (the epoch when it has none), so a
    dead letter dated by its input is the same on every replay."""
    return datetime.fromtimestamp((timestamp_ms or 0) / 1000, UTC)


def dead_letter(*, service: str, reason: str, error: BaseException | str, occurred_at: datetime,
                key: str | None = None, raw_key: bytes | None = None, raw_value: bytes | None = None,
                source_topic: str | None = None, partition: int | None = None,
                offset: int | None = None) -> DeadLetterV1:
    """The dead letter of one input. ``key`` defaults to the raw key as text, then to the service's name;
    ``error`` is an exception (its type's name is kept, never its message) or a type name."""
    identity = (source_topic, partition, offset) if offset is not None else (reason, b64(raw_value))
    event: DeadLetterV1 = DeadLetterV1.build(
        key=key or (raw_key.decode(errors="replace") if raw_key else service),
        occurred_at=occurred_at,
        producer=service,
        identity=identity,
        data=DeadLetterData(
            service=service,
            reason=reason,
            error_type=error if isinstance(error, str) else type(error).__name__,
            source_topic=source_topic,
            source_partition=partition,
            source_offset=offset,
            raw_key=b64(raw_key),
            raw_value=b64(raw_value),
        ),
    )
    return event


class DeadLetters:
    """Sends a service's dead letters to its dead-letter topic and waits for the broker's acknowledgement
    (for services on a kafka-python producer; the Faust services send ``dead_letter``'s records
    through their own sink)."""

    def __init__(self, producer: KafkaProducer, service: str) -> None:
        self.producer = producer
        self.service = service
        self.topic = dead_letter_topic(service)

    def record(self, *, reason: str, error: BaseException | str, key: str | None = None,
               raw_key: bytes | None = None, raw_value: bytes | None = None,
               source_topic: str | None = None, partition: int | None = None,
               offset: int | None = None, occurred_at: datetime | None = None) -> DeadLetterV1:
        event = dead_letter(service=self.service, reason=reason, error=error,
                            occurred_at=occurred_at or datetime.now(UTC), key=key, raw_key=raw_key,
                            raw_value=raw_value, source_topic=source_topic, partition=partition,
                            offset=offset)
        publish(self.producer, self.topic, event).get(timeout=30)
        return event

    def record_input(self, record: Any, error: BaseException, reason: str | None = None) -> DeadLetterV1:
        """The dead letter of a consumed record (kafka-python's ``ConsumerRecord``), dated by the
        record so that its replay yields the same dead letter."""
        return self.record(reason=(reason or str(error))[:500], error=error, raw_key=record.key,
                           raw_value=record.value, source_topic=record.topic, partition=record.partition,
                           offset=record.offset, occurred_at=record_time(record.timestamp))

    def decode(self, record: Any) -> Event | None:
        """The event in a consumed record, or ``None`` once a record that is no known event
        (poison, a version this code cannot read) is dead-lettered."""
        try:
            return decode(record.value)
        except DecodeError as exc:
            self.record_input(record, exc)
            return None
