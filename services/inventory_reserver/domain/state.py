"""Reservation state of one order (the value of the per-order table)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import field_serializer

from schemas.envelope import Model, split_order_key
from schemas.types import AmazonStatus, SkuQuantity


class Phase(StrEnum):
    NEW = "new"  # never seen
    OPEN = "open"  # seen Pending, nothing held yet (setting off, or no quantities yet)
    HELD = "held"  # placed and not released
    CLOSED = "closed"  # terminal: released, failed, or never eligible; never placed again


class ReservationState(Model):
    key: str
    store_id: str
    amazon_order_id: str
    phase: Phase = Phase.NEW
    items: tuple[SkuQuantity, ...] = ()
    magento_stock_id: int = 1
    placed_at: datetime | None = None
    expires_at: datetime | None = None
    # Left Pending while held, and a Magento order will be created: hold until it is.
    awaiting_magento_order: bool = False
    magento_order_created: bool = False
    # The first Magento-created result: a replay may deliver it before the order's Amazon facts.
    magento_created_at: datetime | None = None
    magento_created_event_id: str | None = None
    last_status: AmazonStatus | None = None
    # Why the order is closed: "released:<reason>", "failed", "untracked", "not_pending_when_first_seen",
    # "left_pending_unreserved", "magento_order_created".
    closed_reason: str | None = None

    @field_serializer("placed_at", "expires_at", "magento_created_at")
    def _iso(self, value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    @classmethod
    def new(cls, key: str) -> ReservationState:
        store_id, amazon_order_id = split_order_key(key)
        return cls(key=key, store_id=store_id, amazon_order_id=amazon_order_id)

    @property
    def held(self) -> bool:
        return self.phase is Phase.HELD

    @property
    def held_units(self) -> int:
        return sum(i.quantity for i in self.items) if self.held else 0

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes | str) -> ReservationState:
        return cls.model_validate_json(raw)
