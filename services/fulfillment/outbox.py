"""Outbox entries of our Magento module → facts (pure, tolerant reader).

A shipment entry (``shipment_saved``, ``track_saved``, ``track_deleted``, or a kind Magento may add
later) is a snapshot of the whole shipment after one change → ``magento.shipment.recorded``. An
``order_canceled`` entry is written when a Magento order's state becomes canceled →
``magento.cancellation.recorded``. Entries of Magento orders that are not Amazon orders of an
integrated store are not ours: they are left out, not errors."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from schemas.envelope import order_key
from schemas.events.fulfillment import (
    ChangeSource,
    MagentoCancellationRecordedData,
    MagentoCancellationRecordedV1,
    MagentoShipmentRecordedData,
    MagentoShipmentRecordedV1,
    ShipmentItem,
    ShipmentTrack,
)

PRODUCER = "fulfillment_reader"
ORDER_CANCELED = "order_canceled"


class BadEntry(ValueError):
    """An outbox entry that cannot be read (its reason says what is wrong)."""


@dataclass(frozen=True)
class NotOurs:
    """An entry of a Magento order that is no Amazon order of an integrated store."""

    reason: str


# store code → the ids of the integrated stores whose Magento store view it is
StoresForCode = Callable[[str], list[str]]


def magento_time(value: Any) -> datetime | None:
    """Magento's ``YYYY-MM-DD HH:MM:SS`` (UTC) or ISO 8601; None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "T", 1).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _int(value: Any, what: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadEntry(f"{what} is not a number: {value!r}") from None
    if number < 1:
        raise BadEntry(f"{what} must be positive: {number}")
    return number


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


Fact = MagentoShipmentRecordedV1 | MagentoCancellationRecordedV1


def _payload(entry: dict[str, Any], entry_id: int) -> dict[str, Any]:
    raw = entry.get("payload")
    try:
        payload = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise BadEntry(f"outbox entry {entry_id}: payload is not JSON") from None
    if not isinstance(payload, dict):
        raise BadEntry(f"outbox entry {entry_id}: payload is not an object")
    return payload


def _store_of(order: dict[str, Any], entry_id: int, stores_for_code: StoresForCode) -> tuple[str, str, str] | NotOurs:
    """(store id, Amazon order id, Magento store code) of the entry's order, or why it is not ours."""
    amazon_order_id = _str(order.get("ext_order_id"))
    store_code = _str(order.get("store_code"))
    if not amazon_order_id:
        return NotOurs(f"Magento order {order.get('increment_id')} has no Amazon order id")
    if not store_code:
        raise BadEntry(f"outbox entry {entry_id}: the order has no store code")
    stores = stores_for_code(store_code)
    if not stores:
        return NotOurs(f"Magento store view {store_code!r} belongs to no integrated store")
    if len(stores) > 1:
        raise BadEntry(f"outbox entry {entry_id}: Magento store view {store_code!r} belongs to several stores "
                       f"({', '.join(sorted(stores))}); give each store its own store view")
    return stores[0], amazon_order_id, store_code


def _source(payload: dict[str, Any]) -> ChangeSource:
    source = _object(payload.get("source"))
    return ChangeSource(
        area=str(source.get("area") or "unknown"),
        user_type=source.get("user_type") if isinstance(source.get("user_type"), int) else None,
        user_id=source.get("user_id") if isinstance(source.get("user_id"), int) else None,
    )


def fact_from_entry(entry: dict[str, Any], stores_for_code: StoresForCode) -> Fact | NotOurs:
    """The fact of one outbox entry (``GET /V1/sales-channel/fulfillment-outbox`` ``entries[]``)."""
    entry_id = _int(entry.get("entry_id"), "entry_id")
    payload = _payload(entry, entry_id)
    order = _object(payload.get("order"))
    ours = _store_of(order, entry_id, stores_for_code)
    if isinstance(ours, NotOurs):
        return ours
    if entry.get("event") == ORDER_CANCELED:
        return _cancellation(entry, entry_id, payload, order, ours)
    return _shipment(entry, entry_id, payload, order, ours)


def _cancellation(entry: dict[str, Any], entry_id: int, payload: dict[str, Any], order: dict[str, Any],
                  ours: tuple[str, str, str]) -> MagentoCancellationRecordedV1:
    store_id, amazon_order_id, store_code = ours
    magento_order_id = _int(order.get("entity_id", entry.get("order_id")), "order entity_id")
    canceled_at = magento_time(order.get("updated_at")) or magento_time(entry.get("created_at"))
    data = MagentoCancellationRecordedData(
        store_id=store_id,
        amazon_order_id=amazon_order_id,
        magento_store_code=store_code,
        magento_order_id=magento_order_id,
        magento_increment_id=_str(order.get("increment_id")),
        canceled_at=canceled_at,
        outbox_entry_id=entry_id,
        source=_source(payload),
    )
    event: MagentoCancellationRecordedV1 = MagentoCancellationRecordedV1.build(
        key=order_key(store_id, amazon_order_id),
        occurred_at=canceled_at or datetime.now(UTC),
        producer=PRODUCER,
        data=data,
        identity=(store_code, ORDER_CANCELED, magento_order_id, entry_id),
    )
    return event


def _shipment(entry: dict[str, Any], entry_id: int, payload: dict[str, Any], order: dict[str, Any],
              ours: tuple[str, str, str]) -> MagentoShipmentRecordedV1:
    store_id, amazon_order_id, store_code = ours
    shipment = _object(payload.get("shipment"))
    items = []
    for item in payload.get("items") or []:
        if not isinstance(item, dict):
            continue
        try:
            qty = float(item.get("qty") or 0)
        except (TypeError, ValueError):
            raise BadEntry(f"outbox entry {entry_id}: item quantity {item.get('qty')!r} is not a number") from None
        if qty <= 0:
            continue
        items.append(ShipmentItem(
            magento_order_item_id=_int(item.get("order_item_id"), "order_item_id"),
            amazon_order_item_id=_str(item.get("ext_order_item_id")),
            sku=str(item.get("sku") or ""),
            quantity=qty,
        ))
    tracks = [
        ShipmentTrack(
            track_id=_int(t.get("entity_id"), "track entity_id"),
            track_number=str(t.get("track_number") or "").strip(),
            carrier_code=str(t.get("carrier_code") or "").strip(),
            title=str(t.get("title") or "").strip(),
        )
        for t in payload.get("tracks") or []
        if isinstance(t, dict)
    ]
    shipment_id = _int(shipment.get("entity_id", entry.get("shipment_id")), "shipment entity_id")
    data = MagentoShipmentRecordedData(
        store_id=store_id,
        amazon_order_id=amazon_order_id,
        magento_store_code=store_code,
        magento_order_id=_int(order.get("entity_id", entry.get("order_id")), "order entity_id"),
        magento_increment_id=_str(order.get("increment_id")),
        shipment_id=shipment_id,
        shipment_increment_id=_str(shipment.get("increment_id")),
        shipped_at=magento_time(shipment.get("created_at")),
        outbox_entry_id=entry_id,
        change=str(entry.get("event") or "unknown"),
        items=tuple(items),
        tracks=tuple(tracks),
        source=_source(payload),
    )
    occurred = magento_time(entry.get("created_at")) or data.shipped_at or datetime.now(UTC)
    return MagentoShipmentRecordedV1.build(
        key=order_key(store_id, amazon_order_id),
        occurred_at=occurred,
        producer=PRODUCER,
        data=data,
        identity=(store_code, shipment_id, entry_id),
    )
