"""Pure retention rules: when an order's buyer PII must go.

Amazon's policy: no longer than 30 days after delivery. The Orders v2026-01-01 model gives no
delivery time (packages may say DELIVERED, FBA orders say nothing), so the clock starts when the
order is first seen shipped, or canceled (or unfulfillable): delivery never comes before shipment,
so this never keeps PII longer than the policy allows. The period is set per store, 1–30 days."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from schemas.types import AmazonStatus

MAX_DAYS = 30
CLOSING = frozenset({AmazonStatus.SHIPPED, AmazonStatus.CANCELED, AmazonStatus.UNFULFILLABLE})


def closes(status: AmazonStatus) -> bool:
    """Does reaching ``status`` start the order's retention clock?"""
    return status in CLOSING


@dataclass(frozen=True)
class RetentionPolicy:
    default: timedelta = timedelta(days=MAX_DAYS)
    by_store: Mapping[str, timedelta] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for store, period in {"default": self.default, **self.by_store}.items():
            if not timedelta(0) < period <= timedelta(days=MAX_DAYS):
                raise ValueError(f"retention of {store} must be more than 0 and at most {MAX_DAYS} days")

    def period(self, store_id: str) -> timedelta:
        return self.by_store.get(store_id, self.default)

    def due_at(self, store_id: str, closed_at: datetime) -> datetime:
        return closed_at + self.period(store_id)

    def is_due(self, store_id: str, closed_at: datetime | None, now: datetime) -> bool:
        return closed_at is not None and self.due_at(store_id, closed_at) <= now
