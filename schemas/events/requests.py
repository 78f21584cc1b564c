"""User requests from the Orders tab and CLI (owner: orders_tab; key: order)."""

from __future__ import annotations

from typing import ClassVar, Literal

from schemas.envelope import Event, Model


class MagentoRetryRequestedData(Model):
    store_id: str
    amazon_order_id: str
    requested_by: str
    request_id: str  # unique per user action


class MagentoRetryRequestedV1(Event):
    EVENT_TYPE: ClassVar[str] = "order.magento_retry.requested"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["order.magento_retry.requested"] = "order.magento_retry.requested"
    schema_version: Literal[1] = 1
    data: MagentoRetryRequestedData
