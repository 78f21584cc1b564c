"""Magento writer results (key: order). The writer is the only service talking to Magento;
every outcome of every command is one of these facts."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from schemas.envelope import Event, Model


class MagentoOrderCreatedData(Model):
    request_seq: int = Field(ge=1)
    magento_order_number: str  # increment_id
    magento_order_id: int  # entity_id
    magento_store_code: str
    # "created": this command created it; "found": it already existed (ledger or ext_order_id).
    outcome: Literal["created", "found"] = "created"


class MagentoOrderCreatedV1(Event):
    EVENT_TYPE: ClassVar[str] = "magento.order.created"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["magento.order.created"] = "magento.order.created"
    schema_version: Literal[1] = 1
    data: MagentoOrderCreatedData


class MagentoOrderFailedData(Model):
    request_seq: int = Field(ge=1)
    reason: str
    retryable: bool
    attempts: int = Field(ge=1)
    http_status: int | None = None


class MagentoOrderFailedV1(Event):
    EVENT_TYPE: ClassVar[str] = "magento.order.failed"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["magento.order.failed"] = "magento.order.failed"
    schema_version: Literal[1] = 1
    data: MagentoOrderFailedData


class MagentoOrderDeletedData(Model):
    request_seq: int = Field(ge=1)
    magento_order_number: str


class MagentoOrderDeletedV1(Event):
    """The merchant deleted the Magento order: it is never created again."""

    EVENT_TYPE: ClassVar[str] = "magento.order.deleted"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["magento.order.deleted"] = "magento.order.deleted"
    schema_version: Literal[1] = 1
    data: MagentoOrderDeletedData


class MagentoOrderCanceledData(Model):
    request_seq: int = Field(ge=1)
    magento_order_number: str
    ok: bool
    reason: str | None = None  # why it could not be canceled, when ok is False


class MagentoOrderCanceledV1(Event):
    EVENT_TYPE: ClassVar[str] = "magento.order.canceled"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["magento.order.canceled"] = "magento.order.canceled"
    schema_version: Literal[1] = 1
    data: MagentoOrderCanceledData


class MagentoOrderCanceledDataV2(MagentoOrderCanceledData):
    # The Magento order's state as read after the command (new, processing, complete, canceled,
    # closed, holded); None when Magento could not be read.
    magento_state: str | None = None


class MagentoOrderCanceledV2(MagentoOrderCanceledV1):
    """v2: states what Magento holds after the command (``magento_state``), read again after any
    call whose answer was lost. A subclass of v1 on purpose: a v1 consumer keeps working."""

    SCHEMA_VERSION: ClassVar[int] = 2
    schema_version: Literal[2] = 2  # type: ignore[assignment]
    data: MagentoOrderCanceledDataV2


class MagentoOrderShippedData(Model):
    request_seq: int = Field(ge=1)
    magento_order_number: str
    invoiced: bool
    shipped: bool
    complete: bool
    reason: str | None = None


class MagentoOrderShippedV1(Event):
    EVENT_TYPE: ClassVar[str] = "magento.order.shipped"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["magento.order.shipped"] = "magento.order.shipped"
    schema_version: Literal[1] = 1
    data: MagentoOrderShippedData


class MagentoOrderShippedDataV2(MagentoOrderShippedData):
    # The Magento order's state as read after the command; None when Magento could not be read.
    magento_state: str | None = None


class MagentoOrderShippedV2(MagentoOrderShippedV1):
    """v2: states what Magento holds after the command (``magento_state``), read again after any
    call whose answer was lost. A subclass of v1 on purpose: a v1 consumer keeps working."""

    SCHEMA_VERSION: ClassVar[int] = 2
    schema_version: Literal[2] = 2  # type: ignore[assignment]
    data: MagentoOrderShippedDataV2


class MagentoReservationSyncedData(Model):
    reservation_event_id: str
    applied: bool  # False: Magento has no reservation module; the ledger still holds it
    detail: str | None = None


class MagentoReservationSyncedV1(Event):
    EVENT_TYPE: ClassVar[str] = "magento.reservation.synced"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["magento.reservation.synced"] = "magento.reservation.synced"
    schema_version: Literal[1] = 1
    data: MagentoReservationSyncedData
