"""Fulfillment facts (issue 18): Magento shipments and order cancellations noticed through our
module's outbox (``magento-fulfillment``, owned by the fulfillment reader) and the outcome of confirming them to
Amazon (``amazon-confirmations``, owned by the shipment confirmer). Key: the order."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from schemas.envelope import Event, Model


class ShipmentItem(Model):
    magento_order_item_id: int
    amazon_order_item_id: str | None = None  # the Magento order item's ext_order_item_id
    sku: str
    quantity: float  # as Magento holds it; the confirmer refuses anything but whole units


class ShipmentTrack(Model):
    track_id: int
    track_number: str
    carrier_code: str  # Magento's: ups, usps, fedex, dhl, custom, ...
    title: str = ""


class ChangeSource(Model):
    """Who saved the change in Magento: the area and, for API calls, the user type and id."""

    area: str = "unknown"
    user_type: int | None = None
    user_id: int | None = None


class MagentoShipmentRecordedData(Model):
    store_id: str
    amazon_order_id: str
    magento_store_code: str
    magento_order_id: int
    magento_increment_id: str | None = None
    shipment_id: int
    shipment_increment_id: str | None = None
    shipped_at: datetime | None = None
    outbox_entry_id: int
    change: str  # shipment_saved | track_saved | track_deleted (tolerant: Magento may add others)
    items: tuple[ShipmentItem, ...]
    tracks: tuple[ShipmentTrack, ...]
    source: ChangeSource = ChangeSource()


class MagentoShipmentRecordedV1(Event):
    """The whole Magento shipment as it was after one change (a snapshot, not a delta)."""

    EVENT_TYPE: ClassVar[str] = "magento.shipment.recorded"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["magento.shipment.recorded"] = "magento.shipment.recorded"
    schema_version: Literal[1] = 1
    data: MagentoShipmentRecordedData


class MagentoCancellationRecordedData(Model):
    store_id: str
    amazon_order_id: str
    magento_store_code: str
    magento_order_id: int
    magento_increment_id: str | None = None
    canceled_at: datetime | None = None
    outbox_entry_id: int
    source: ChangeSource = ChangeSource()


class MagentoCancellationRecordedV1(Event):
    """The Magento order of an Amazon order was canceled in Magento (its state became canceled):
    by the merchant, or by our own writer after Amazon canceled the order (the canceller tells the
    two apart by Amazon's status)."""

    EVENT_TYPE: ClassVar[str] = "magento.cancellation.recorded"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["magento.cancellation.recorded"] = "magento.cancellation.recorded"
    schema_version: Literal[1] = 1
    data: MagentoCancellationRecordedData


class PackageItem(Model):
    amazon_order_item_id: str
    quantity: int


class AmazonPackage(Model):
    """One package as sent in ``confirmShipment``'s ``packageDetail``."""

    package_reference_id: str
    carrier_code: str
    carrier_name: str | None = None
    shipping_method: str | None = None
    tracking_number: str
    ship_date: datetime
    items: tuple[PackageItem, ...]

    @property
    def carrier(self) -> str:
        """The carrier as a merchant reads it: its name with ``Other`` (the only code sent with a
        ``carrierName``), else Amazon's carrier code."""
        return self.carrier_name or self.carrier_code


ConfirmationOutcome = Literal["confirmed", "skipped", "failed"]


class ShipmentConfirmationData(Model):
    store_id: str
    amazon_order_id: str
    shipment_id: int
    outbox_entry_id: int
    outcome: ConfirmationOutcome
    reason: str | None = None  # why skipped or failed, for the order log
    retryable: bool = False
    package: AmazonPackage | None = None
    amazon_status: str | None = None  # Amazon's fulfillment status when decided
    shipment_recorded_at: datetime | None = None  # for the shipment → acceptance latency


class ShipmentConfirmationV1(Event):
    EVENT_TYPE: ClassVar[str] = "amazon.shipment.confirmation"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["amazon.shipment.confirmation"] = "amazon.shipment.confirmation"
    schema_version: Literal[1] = 1
    data: ShipmentConfirmationData


# Amazon's cancel reasons (POST_ORDER_ACKNOWLEDGEMENT_DATA ``CancelReason``).
CancelReason = Literal[
    "NoInventory", "ShippingAddressUndeliverable", "CustomerExchange", "BuyerCanceled", "GeneralAdjustment",
    "CarrierCreditDecision", "RiskAssessmentInformationNotValid", "CarrierCoverageFailure", "CustomerReturn",
    "MerchandiseNotReceived",
]


class AmazonCancelRequestedData(Model):
    store_id: str
    amazon_order_id: str
    reason: CancelReason
    requested_by: str  # who asked (a user name; "magento" when the Magento order was canceled)
    via: str  # orders_tab | cli | magento
    request_id: str


class AmazonCancelRequestedV1(Event):
    """A seller cancellation to send to Amazon ("Cancel on Amazon"), on ``user-requests``."""

    EVENT_TYPE: ClassVar[str] = "order.amazon_cancel.requested"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["order.amazon_cancel.requested"] = "order.amazon_cancel.requested"
    schema_version: Literal[1] = 1
    data: AmazonCancelRequestedData


CancellationOutcome = Literal["sent", "accepted", "refused"]


class AmazonCancellationData(Model):
    store_id: str
    amazon_order_id: str
    request_id: str
    outcome: CancellationOutcome
    reason: str | None = None  # why Amazon refused (or why it was never sent: the order is shipped)
    feed_id: str | None = None


class AmazonCancellationV1(Event):
    """Where a seller cancellation stands on Amazon: the feed was sent, then Amazon's processing
    report accepted or refused it (``amazon-confirmations``, owned by the shipment confirmer's service)."""

    EVENT_TYPE: ClassVar[str] = "amazon.cancellation"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["amazon.cancellation"] = "amazon.cancellation"
    schema_version: Literal[1] = 1
    data: AmazonCancellationData
