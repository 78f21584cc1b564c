"""The pure projection layer: fold decoded events into one batch of row changes.

A batch holds, per key, only the change that wins (the newest order version, the last
store configuration, the latest poll), so writing it is a handful of bulk upserts and
applying the same events twice leaves the same rows.

Buyer name and email may arrive sealed (issue 20): ``reveal`` (the projector passes the Orders tab's
decryptor) opens them for the row, or gives the removal text where the order's PII was erased. An
``pii.erased`` event replaces the PII of the order's row with that text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from schemas.envelope import Event
from schemas.events.lifecycle import OrderLogAppendedV2, OrderStateChangedV1, OrderView
from schemas.events.pii import PiiErasedV1
from schemas.events.poller import StorePollCompletedV1
from schemas.events.stores import StoreConfiguredV1
from schemas.types import time_zone_of
from services.pii.removal import removed_text

OrderKey = tuple[str, str]
Reveal = Callable[[str | None], str | None]


def _as_is(value: str | None) -> str | None:
    return value


def _nothing(_: str) -> None:
    return None


def order_row(view: OrderView, reveal: Reveal = _as_is) -> dict[str, Any]:
    """The ``orders_tab_orders`` row of one OrderView."""
    return {
        "store_id": view.store_id,
        "amazon_order_id": view.amazon_order_id,
        "version": view.version,
        "order_id": view.order_id,
        "merchant_id": view.merchant_id,
        "on_tab": view.on_tab,
        "status": view.status.value,
        "amazon_status": view.amazon_status.value,
        "fulfillment_channel": view.fulfillment_channel.value,
        "is_prime": view.is_prime,
        "is_business": view.is_business,
        "buyer_name": reveal(view.buyer_name),
        "buyer_email": reveal(view.buyer_email),
        "total_amount": view.total.amount if view.total else None,
        "total_currency": view.total.currency if view.total else None,
        "items_shipped": view.items_shipped,
        "items_unshipped": view.items_unshipped,
        "reserved": view.reserved,
        "purchase_date": view.purchase_date,
        "latest_ship_date": view.latest_ship_date,
        "last_updated": view.last_updated,
        "magento_state": view.magento_state.value,
        "magento_order_number": view.magento_order_number,
        "magento_order_id": view.magento_order_id,
        "last_action": view.last_action,
        "items": [item.model_dump(mode="json") for item in view.items],
    }


@dataclass
class Batch:
    """Row changes folded from a run of events, plus the offsets they cover."""

    orders: dict[OrderKey, dict[str, Any]] = field(default_factory=dict)
    log: dict[tuple[str, str, int], dict[str, Any]] = field(default_factory=dict)
    stores: dict[str, dict[str, Any]] = field(default_factory=dict)
    polls: dict[str, dict[str, Any]] = field(default_factory=dict)
    offsets: dict[tuple[str, int], int] = field(default_factory=dict)
    applied: dict[str, int] = field(default_factory=dict)  # event type -> count
    newest_event_at: datetime | None = None
    erasures: dict[OrderKey, str] = field(default_factory=dict)  # order -> the text its PII becomes
    reveal: Reveal = _as_is
    on_erased: Callable[[str], None] = _nothing  # key id of a destroyed data key

    def __len__(self) -> int:
        return sum(self.applied.values())

    def empty(self) -> bool:
        return not (self.orders or self.log or self.stores or self.polls or self.offsets or self.erasures)

    def add(self, event: Event) -> bool:
        """Fold one event in (upcast to its newest version first); returns False for events the
        Orders tab does not use."""
        while (newer := event.upcast()) is not event:
            event = newer
        if isinstance(event, OrderStateChangedV1):
            view = event.data
            key = (view.store_id, view.amazon_order_id)
            current = self.orders.get(key)
            if current is None or current["version"] < view.version:
                self.orders[key] = order_row(view, self.reveal)
        elif isinstance(event, OrderLogAppendedV2):
            d = event.data
            self.log[(d.store_id, d.amazon_order_id, d.entry.seq)] = {
                "store_id": d.store_id,
                "amazon_order_id": d.amazon_order_id,
                "seq": d.entry.seq,
                "at": d.entry.at,
                "message": d.entry.message,
                "level": d.entry.level.value,
            }
        elif isinstance(event, StoreConfiguredV1):
            c = event.data.config
            self.stores[c.store_id] = {
                "store_id": c.store_id,
                "name": c.name,
                "merchant_id": c.merchant_id,
                "marketplace_id": c.marketplace_id,
                "magento_store_code": c.magento_store_code,
                "enabled": c.enabled,
                "configured_at": event.data.effective_at,
                "time_zone": time_zone_of(c),
            }
        elif isinstance(event, PiiErasedV1):
            e = event.data
            self.on_erased(e.key_id)
            self.erasures[(e.store_id, e.amazon_order_id)] = removed_text(e.reason)
        elif isinstance(event, StorePollCompletedV1):
            p = event.data
            current = self.polls.get(p.store_id)
            if current is None or current["last_poll_at"] < p.completed_at:
                self.polls[p.store_id] = {
                    "store_id": p.store_id,
                    "last_poll_at": p.completed_at,
                    "last_poll_window_end": p.window_end,
                }
        else:
            return False
        self.applied[event.event_type] = self.applied.get(event.event_type, 0) + 1
        if self.newest_event_at is None or event.occurred_at > self.newest_event_at:
            self.newest_event_at = event.occurred_at
        return True

    def consumed(self, topic: str, partition: int, offset: int) -> None:
        """Record that the record at ``offset`` is covered by this batch (applied or ignored)."""
        nxt = offset + 1
        if self.offsets.get((topic, partition), -1) < nxt:
            self.offsets[(topic, partition)] = nxt


def fold(events: list[Event]) -> Batch:
    batch = Batch()
    for e in events:
        batch.add(e)
    return batch
