"""Order processor events (key: order): the Orders-tab view of each order, its log,
and the commands the Magento writer acts on."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, Literal

from pydantic import Field

from schemas.envelope import Event, Model
from schemas.events.poller import DetailedAmazonOrder, detailed
from schemas.types import (
    AmazonOrder,
    AmazonStatus,
    FulfillmentChannel,
    LogEntry,
    MagentoState,
    Money,
    OrderItem,
    OrderSettings,
    ShipmentTrack,
    TabStatus,
)


class OrderView(Model):
    """One Orders-tab row with the details page's data, as of ``version``."""

    version: int = Field(ge=1)
    store_id: str
    amazon_order_id: str
    order_id: str  # our id for the order
    merchant_id: int
    on_tab: bool  # left Pending (or imported at integration); Pending ones show on filter
    status: TabStatus
    amazon_status: AmazonStatus
    fulfillment_channel: FulfillmentChannel
    is_prime: bool
    is_business: bool
    buyer_name: str | None
    buyer_email: str | None
    total: Money | None
    items_shipped: int
    items_unshipped: int
    reserved: bool
    purchase_date: datetime
    latest_ship_date: datetime | None
    last_updated: datetime
    magento_state: MagentoState
    magento_order_number: str | None
    magento_order_id: int | None
    last_action: str | None
    items: tuple[OrderItem, ...]


class OrderStateChangedV1(Event):
    EVENT_TYPE: ClassVar[str] = "order.state.changed"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["order.state.changed"] = "order.state.changed"
    schema_version: Literal[1] = 1
    data: OrderView


class OrderLogAppendedData(Model):
    store_id: str
    amazon_order_id: str
    entry: LogEntry


class OrderLogAppendedV1(Event):
    EVENT_TYPE: ClassVar[str] = "order.log.appended"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["order.log.appended"] = "order.log.appended"
    schema_version: Literal[1] = 1
    data: OrderLogAppendedData

    def upcast(self) -> Event:
        entry = self.data.entry
        leveled = LeveledLogEntry(seq=entry.seq, at=entry.at, message=entry.message, level=level_of(entry.message))
        return OrderLogAppendedV2(
            event_id=self.event_id,  # the same fact: ids depend on the type and identity, not the version
            key=self.key,
            occurred_at=self.occurred_at,
            producer=self.producer,
            causation_id=self.causation_id,
            data=OrderLogAppendedDataV2(
                store_id=self.data.store_id, amazon_order_id=self.data.amazon_order_id, entry=leveled
            ),
        )


class LogLevel(StrEnum):
    """How an order log entry reads to the merchant: ``error`` when an action failed and the
    order may need them (no stock reserved, no Magento order, a Magento order left open)."""

    INFO = "info"
    ERROR = "error"


# The failure entries of SPEC §4, in the seed's wording (the only way to tell them apart in v1).
_FAILURE = re.compile(
    r"^(Unable to reserve inventory: |Cannot create sales order: |Magento order \S+ could not be (canceled|shipped): )"
)


def level_of(message: str) -> LogLevel:
    """The level of a v1 entry, from its wording; v2 producers state it."""
    return LogLevel.ERROR if _FAILURE.match(message) else LogLevel.INFO


class LeveledLogEntry(LogEntry):
    level: LogLevel


class OrderLogAppendedDataV2(OrderLogAppendedData):
    entry: LeveledLogEntry


class OrderLogAppendedV2(OrderLogAppendedV1):
    """v2: every entry carries its ``level``, so the Orders tab can flag failed actions without
    parsing wording. A subclass of v1 on purpose: a consumer written against v1 (``isinstance``,
    ``data.entry.message``) keeps working on upcast or newly produced entries."""

    SCHEMA_VERSION: ClassVar[int] = 2
    schema_version: Literal[2] = 2  # type: ignore[assignment]
    data: OrderLogAppendedDataV2

    def upcast(self) -> Event:
        return self


class MagentoTarget(Model):
    """Where and how the Magento order is made, from the store's settings at the time."""

    store_id: str
    merchant_id: int
    magento_store_code: str
    magento_stock_id: int = 1
    settings: OrderSettings


class MagentoOrderRequestedData(Model):
    request_seq: int = Field(ge=1)
    reason: Literal["status_changed", "order_changed", "user_retry"]
    target: MagentoTarget
    order: AmazonOrder


class MagentoOrderRequestedV1(Event):
    EVENT_TYPE: ClassVar[str] = "magento.order.requested"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["magento.order.requested"] = "magento.order.requested"
    schema_version: Literal[1] = 1
    data: MagentoOrderRequestedData

    def upcast(self) -> Event:
        return order_requested_v2(self)


class MagentoOrderRequestedDataV2(MagentoOrderRequestedData):
    order: DetailedAmazonOrder


class MagentoOrderRequestedV2(MagentoOrderRequestedV1):
    """v2: the order with its details (``DetailedAmazonOrder``: B2B, gifts, delivery instructions and
    phone, IOSS, item proceeds), so the Magento order gets them. A subclass of v1 on purpose: a v1
    consumer (``isinstance``, ``data.order``) keeps working. v1 commands upcast (same id, details
    empty: what the order processor knew when it sent them)."""

    SCHEMA_VERSION: ClassVar[int] = 2
    schema_version: Literal[2] = 2  # type: ignore[assignment]
    data: MagentoOrderRequestedDataV2

    def upcast(self) -> Event:
        return self


def order_requested_v2(event: MagentoOrderRequestedV1) -> MagentoOrderRequestedV2:
    """Any version of ``magento.order.requested`` as v2 (a v1 command's order with empty details)."""
    if isinstance(event, MagentoOrderRequestedV2):
        return event
    d = event.data
    data = MagentoOrderRequestedDataV2(request_seq=d.request_seq, reason=d.reason, target=d.target,
                                       order=detailed(d.order))
    return MagentoOrderRequestedV2(event_id=event.event_id, key=event.key, occurred_at=event.occurred_at,
                                   producer=event.producer, causation_id=event.causation_id, data=data)


class MagentoCancelRequestedData(Model):
    request_seq: int = Field(ge=1)
    target: MagentoTarget
    amazon_order_id: str
    magento_order_number: str
    magento_order_id: int | None


class MagentoCancelRequestedV1(Event):
    EVENT_TYPE: ClassVar[str] = "magento.cancel.requested"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["magento.cancel.requested"] = "magento.cancel.requested"
    schema_version: Literal[1] = 1
    data: MagentoCancelRequestedData


class MagentoShipmentRequestedData(Model):
    """Amazon reports the order shipped: invoice and ship the Magento order (setting)."""

    request_seq: int = Field(ge=1)
    target: MagentoTarget
    amazon_order_id: str
    magento_order_number: str
    magento_order_id: int | None
    order: AmazonOrder


class MagentoShipmentRequestedV1(Event):
    EVENT_TYPE: ClassVar[str] = "magento.shipment.requested"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["magento.shipment.requested"] = "magento.shipment.requested"
    schema_version: Literal[1] = 1
    data: MagentoShipmentRequestedData


class MagentoShipmentRequestedDataV2(MagentoShipmentRequestedData):
    tracks: tuple[ShipmentTrack, ...] = ()  # carrier + tracking number of each Amazon package


class MagentoShipmentRequestedV2(MagentoShipmentRequestedV1):
    """v2: carries the Amazon packages' tracks, so the Magento shipment gets them. A subclass of
    v1 on purpose: a v1 consumer (``isinstance``, ``data.order``) keeps working."""

    SCHEMA_VERSION: ClassVar[int] = 2
    schema_version: Literal[2] = 2  # type: ignore[assignment]
    data: MagentoShipmentRequestedDataV2

