"""The one dead-letter builder: identity, key, time and raw bytes (pure), and the sink's send."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from kafka.consumer.fetcher import ConsumerRecord

from schemas import decode, encode
from schemas.events.deadletter import DeadLetterV1
from schemas.topics import dead_letter_topic
from services.common.deadletters import DeadLetters, b64, dead_letter, record_time

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def letter(**overrides: Any) -> DeadLetterV1:
    args: dict[str, Any] = dict(service="svc", reason="decode_error: bad", error=ValueError("secret detail"),
                                occurred_at=T0, raw_key=b"us-main:A1", raw_value=b"{not json",
                                source_topic="orders", partition=2, offset=41)
    args.update(overrides)
    return dead_letter(**args)


def test_b64_keeps_none_and_round_trips_bytes() -> None:
    assert b64(None) is None
    assert b64(b"") == ""
    raw = bytes(range(256))
    encoded = b64(raw)
    assert encoded is not None and base64.b64decode(encoded) == raw


def test_record_time_is_the_broker_timestamp_or_the_epoch() -> None:
    assert record_time(1_700_000_000_123) == datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)
    assert record_time(None) == datetime(1970, 1, 1, tzinfo=UTC)


def test_a_positioned_input_keeps_its_position_raw_bytes_and_error_type_only() -> None:
    event = letter()
    assert event.key == "us-main:A1" and event.producer == "svc" and event.occurred_at == T0
    d = event.data
    assert (d.service, d.reason, d.error_type) == ("svc", "decode_error: bad", "ValueError")
    assert (d.source_topic, d.source_partition, d.source_offset) == ("orders", 2, 41)
    assert d.raw_key is not None and base64.b64decode(d.raw_key) == b"us-main:A1"
    assert d.raw_value is not None and base64.b64decode(d.raw_value) == b"{not json"
    assert "secret detail" not in event.model_dump_json()  # the exception's message is not kept


def test_the_id_is_the_position_so_a_replay_gives_the_same_letter() -> None:
    assert letter().event_id == letter(reason="another wording", raw_value=b"other").event_id
    assert letter().event_id != letter(offset=42).event_id
    assert letter().event_id != letter(partition=3).event_id


def test_without_a_position_the_id_is_the_reason_and_the_raw_bytes() -> None:
    unplaced = dict(source_topic=None, partition=None, offset=None)
    assert letter(**unplaced).event_id == letter(**unplaced).event_id
    assert letter(**unplaced).event_id != letter(**unplaced, raw_value=b"other").event_id
    assert letter(**unplaced).event_id != letter(**unplaced, reason="other reason").event_id


def test_the_key_is_the_given_key_else_the_raw_key_else_the_service() -> None:
    assert letter(key="us-main:B2").key == "us-main:B2"
    assert letter(raw_key=b"\xffus-main").key == "\ufffdus-main"  # undecodable bytes replaced, not raised
    assert letter(raw_key=None).key == "svc"
    assert letter(raw_key=None).data.raw_key is None


def test_an_error_given_as_a_type_name_is_kept_as_is() -> None:
    assert letter(error="BadEntry").data.error_type == "BadEntry"


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bytes]] = []

    def send(self, topic: str, key: str, value: bytes) -> Any:
        self.sent.append((topic, key, value))
        return self

    def get(self, timeout: float) -> None:
        return None


def test_the_sink_sends_to_the_services_dead_letter_topic_and_returns_the_letter() -> None:
    producer = FakeProducer()
    sink = DeadLetters(producer, "poller")  # type: ignore[arg-type]
    event = sink.record(reason="bad payload", error="ValidationError", key="us-main:A1",
                        raw_value=b'{"x": 1}', occurred_at=T0)
    [(topic, key, value)] = producer.sent
    assert topic == sink.topic == dead_letter_topic("poller") and key == "us-main:A1"
    assert decode(value) == event
    assert event.data.service == "poller" and event.occurred_at == T0


def test_the_sink_dates_a_letter_now_when_no_time_is_given() -> None:
    producer = FakeProducer()
    before = datetime.now(UTC)
    event = DeadLetters(producer, "poller").record(reason="r", error="E")  # type: ignore[arg-type]
    assert before <= event.occurred_at <= datetime.now(UTC)


def test_a_consumed_record_that_is_no_event_is_dead_lettered_by_its_position_and_time() -> None:
    poison = ConsumerRecord(topic="orders", partition=3, leader_epoch=0, offset=17,
                            timestamp=int(T0.timestamp() * 1000), timestamp_type=0, key=b"us-main:A1",
                            value=b'{"type": "order.fact", "v": 99', headers=[], checksum=None,
                            serialized_key_size=10, serialized_value_size=30, serialized_header_size=-1)
    producer = FakeProducer()
    sink = DeadLetters(producer, "shipment_confirmer")  # type: ignore[arg-type]
    assert sink.decode(poison) is None
    [(topic, key, value)] = producer.sent
    letter = decode(value)
    assert isinstance(letter, DeadLetterV1) and topic == dead_letter_topic("shipment_confirmer")
    assert (letter.data.source_topic, letter.data.source_partition, letter.data.source_offset) == ("orders", 3, 17)
    assert letter.data.error_type == "DecodeError" and letter.occurred_at == T0 and key == "us-main:A1"
    assert base64.b64decode(letter.data.raw_value or "") == poison.value
    assert sink.decode(poison) is None and decode(producer.sent[1][2]).event_id == letter.event_id  # same on replay


def test_a_consumed_event_is_decoded_and_nothing_is_dead_lettered() -> None:
    event = letter()
    record = ConsumerRecord(topic="t", partition=0, leader_epoch=0, offset=1, timestamp=0, timestamp_type=0,
                            key=None, value=encode(event), headers=[], checksum=None, serialized_key_size=-1,
                            serialized_value_size=1, serialized_header_size=-1)
    producer = FakeProducer()
    assert DeadLetters(producer, "poller").decode(record) == event  # type: ignore[arg-type]
    assert producer.sent == []
