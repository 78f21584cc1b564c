"""Inventory reserver facts (key: order): the reservation ledger (SPEC §5)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from schemas.envelope import Event, Model
from schemas.types import SkuQuantity


class ReservationPlacedData(Model):
    store_id: str
    amazon_order_id: str
    magento_stock_id: int = 1
    items: tuple[SkuQuantity, ...]
    expires_at: datetime | None = None


class ReservationPlacedV1(Event):
    EVENT_TYPE: ClassVar[str] = "reservation.placed"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["reservation.placed"] = "reservation.placed"
    schema_version: Literal[1] = 1
    data: ReservationPlacedData


ReleaseReason = Literal["magento_order_created", "canceled", "expired", "shipped", "store_setting"]


class ReservationReleasedData(Model):
    store_id: str
    amazon_order_id: str
    magento_stock_id: int = 1
    items: tuple[SkuQuantity, ...]
    reason: ReleaseReason


class ReservationReleasedV1(Event):
    EVENT_TYPE: ClassVar[str] = "reservation.released"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["reservation.released"] = "reservation.released"
    schema_version: Literal[1] = 1
    data: ReservationReleasedData


class ReservationFailedData(Model):
    store_id: str
    amazon_order_id: str
    reason: str


class ReservationFailedV1(Event):
    EVENT_TYPE: ClassVar[str] = "reservation.failed"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["reservation.failed"] = "reservation.failed"
    schema_version: Literal[1] = 1
    data: ReservationFailedData
