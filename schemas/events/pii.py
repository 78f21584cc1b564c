"""Key service events (owner: key_service; key: order): the erasure of an order's buyer PII."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import field_serializer

from schemas.envelope import Event, Model


class PiiErasedData(Model):
    store_id: str
    amazon_order_id: str
    key_id: str  # the destroyed data key's id (store_id:amazon_order_id)
    # retention: the store's period after shipment or cancellation ran out; request: an operator
    # erased it on the buyer's request (``sales-channel pii erase``).
    reason: Literal["retention", "request"]
    erased_at: datetime

    @field_serializer("erased_at")
    def _iso(self, value: datetime) -> str:
        return value.isoformat()


class PiiErasedV1(Event):
    """The order's data key is destroyed: every sealed copy of its buyer PII is unreadable from now on."""

    EVENT_TYPE: ClassVar[str] = "pii.erased"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["pii.erased"] = "pii.erased"
    schema_version: Literal[1] = 1
    data: PiiErasedData
