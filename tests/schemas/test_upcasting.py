"""order.log.appended v2 (entries carry a level) and the upcast from v1."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from schemas import decode, encode
from schemas.events.lifecycle import (
    LeveledLogEntry,
    LogLevel,
    OrderLogAppendedData,
    OrderLogAppendedDataV2,
    OrderLogAppendedV1,
    OrderLogAppendedV2,
    level_of,
)
from schemas.registry import registered_events
from schemas.snapshots import render, snapshot_path
from schemas.types import LogEntry

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
KEY = "us-main:111-2223334-5556667"


def _v1(message: str, seq: int = 3) -> OrderLogAppendedV1:
    data = OrderLogAppendedData(store_id="us-main", amazon_order_id="111-2223334-5556667",
                                entry=LogEntry(seq=seq, at=T0, message=message))
    event: OrderLogAppendedV1 = OrderLogAppendedV1.build(key=KEY, occurred_at=T0, producer="order_processor",
                                                         data=data, identity=(seq,), causation_id="cause-1")
    return event


def _v2(message: str, level: LogLevel, seq: int = 3) -> OrderLogAppendedV2:
    data = OrderLogAppendedDataV2(store_id="us-main", amazon_order_id="111-2223334-5556667",
                                  entry=LeveledLogEntry(seq=seq, at=T0, message=message, level=level))
    event: OrderLogAppendedV2 = OrderLogAppendedV2.build(key=KEY, occurred_at=T0, producer="order_processor",
                                                         data=data, identity=(seq,), causation_id="cause-1")
    return event


@pytest.mark.parametrize("message, level", [
    ("Order imported from Amazon.", LogLevel.INFO),
    ("Inventory reserved.", LogLevel.INFO),
    ("Unable to reserve inventory: SKU-1 is not in stock.", LogLevel.ERROR),
    ("Magento order 100000123 was created.", LogLevel.INFO),
    ("Cannot create sales order: product SKU-1 is out of stock.", LogLevel.ERROR),
    ("Magento order 100000123 was canceled.", LogLevel.INFO),
    ("Magento order 100000123 could not be canceled: it is already invoiced.", LogLevel.ERROR),
    ("Amazon order canceled.", LogLevel.INFO),
    ("Status updated to completed.", LogLevel.INFO),
])
def test_a_v1_entry_decodes_as_v2_with_the_level_of_its_wording(message: str, level: LogLevel) -> None:
    raw = encode(_v1(message))
    assert json.loads(raw)["schema_version"] == 1
    decoded = decode(raw)
    assert decoded == _v2(message, level)  # same fact, same id, same envelope, plus the level
    assert level_of(message) is level


def test_v2_round_trips_and_is_what_a_v1_consumer_understands() -> None:
    event = _v2("Cannot create sales order: no such SKU.", LogLevel.ERROR)
    assert decode(encode(event)) == event
    assert json.loads(encode(event))["data"]["entry"]["level"] == "error"
    # a consumer written against v1 keeps reading the entry
    assert isinstance(event, OrderLogAppendedV1) and event.data.entry.message.startswith("Cannot")
    assert event.upcast() is event


def test_v2_does_not_accept_an_entry_without_a_level_nor_an_unknown_level() -> None:
    from schemas import DecodeError

    raw = json.loads(encode(_v2("Inventory reserved.", LogLevel.INFO)))
    del raw["data"]["entry"]["level"]
    with pytest.raises(DecodeError, match="order.log.appended@2"):
        decode(json.dumps(raw))
    raw["data"]["entry"]["level"] = "catastrophic"
    with pytest.raises(DecodeError):
        decode(json.dumps(raw))


def test_both_versions_are_registered_with_their_own_committed_schema() -> None:
    assert {OrderLogAppendedV1, OrderLogAppendedV2} <= set(registered_events())
    v1, v2 = (json.loads(snapshot_path(m).read_text()) for m in (OrderLogAppendedV1, OrderLogAppendedV2))
    assert v1 == json.loads(render(OrderLogAppendedV1)) and v2 == json.loads(render(OrderLogAppendedV2))
    assert "level" not in json.dumps(v1) and "LeveledLogEntry" in json.dumps(v2)
    assert v2["properties"]["schema_version"]["const"] == 2
