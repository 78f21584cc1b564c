"""Builders of input events for the order processor's tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from schemas.envelope import order_key
from schemas.events.fulfillment import (
    AmazonCancellationData,
    AmazonCancellationV1,
    AmazonPackage,
    CancellationOutcome,
    ConfirmationOutcome,
    PackageItem,
    ShipmentConfirmationData,
    ShipmentConfirmationV1,
)
from schemas.events.magento import (
    MagentoOrderCanceledData,
    MagentoOrderCanceledV1,
    MagentoOrderCreatedData,
    MagentoOrderCreatedV1,
    MagentoOrderDeletedData,
    MagentoOrderDeletedV1,
    MagentoOrderFailedData,
    MagentoOrderFailedV1,
    MagentoOrderShippedData,
    MagentoOrderShippedV1,
)
from schemas.events.poller import AmazonOrderChangedData, AmazonOrderChangedV1
from schemas.events.requests import MagentoRetryRequestedData, MagentoRetryRequestedV1
from schemas.events.reservations import (
    ReservationFailedData,
    ReservationFailedV1,
    ReservationPlacedData,
    ReservationPlacedV1,
    ReservationReleasedData,
    ReservationReleasedV1,
)
from schemas.types import (
    AmazonOrder,
    AmazonStatus,
    FulfillmentChannel,
    Money,
    OrderItem,
    OrderSettings,
    SkuQuantity,
    StoreConfig,
)

INTEGRATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
STORE = "teststore"
ORDER = "111-0000001-0000001"


def store_config(store_id: str = STORE, integration_time: datetime = INTEGRATED, **settings: Any) -> StoreConfig:
    return StoreConfig(store_id=store_id, name=f"Store {store_id}", merchant_id=7, seller_id="SELLER",
                       marketplace_id="ATVPDKIKX0DER", spapi_endpoint="http://127.0.0.1:1",
                       lwa_credentials_ref="env:LWA", integration_time=integration_time,
                       settings=OrderSettings(**settings))


def amazon_order(status: AmazonStatus, *, updated: datetime, order_id: str = ORDER,
                 purchased: datetime | None = None, channel: FulfillmentChannel = FulfillmentChannel.MERCHANT,
                 shipped: int | None = None) -> AmazonOrder:
    qty_shipped = shipped if shipped is not None else (2 if status in (AmazonStatus.SHIPPED,) else 0)
    return AmazonOrder(
        amazon_order_id=order_id, marketplace_id="ATVPDKIKX0DER", status=status, fulfillment_channel=channel,
        purchase_date=purchased or INTEGRATED + timedelta(hours=1), last_updated=updated,
        latest_ship_date=INTEGRATED + timedelta(days=3), order_total=Money(amount=Decimal("19.98"), currency="USD"),
        buyer_name="Jane Buyer", buyer_email="jane@marketplace.amazon.com",
        items=(OrderItem(order_item_id="1", sku="SKU-1", quantity_ordered=2, quantity_shipped=qty_shipped,
                         unit_price=Money(amount=Decimal("9.99"), currency="USD")),),
    )


class Script:
    """Writes one order's history: each call returns the next event, one minute later."""

    def __init__(self, store_id: str = STORE, order_id: str = ORDER, *,
                 channel: FulfillmentChannel = FulfillmentChannel.MERCHANT,
                 purchased: datetime | None = None, start: datetime | None = None) -> None:
        self.store_id = store_id
        self.order_id = order_id
        self.key = order_key(store_id, order_id)
        self.channel = channel
        self.purchased = purchased or INTEGRATED + timedelta(hours=1)
        self.clock = start or self.purchased
        self.seq = 0

    def _tick(self) -> datetime:
        self.clock += timedelta(minutes=1)
        self.seq += 1
        return self.clock

    def amazon(self, status: AmazonStatus, *, initial_import: bool = False, changes: tuple[str, ...] = ("status",),
               shipped: int | None = None) -> AmazonOrderChangedV1:
        at = self._tick()
        order = amazon_order(status, updated=at, order_id=self.order_id, purchased=self.purchased,
                             channel=self.channel, shipped=shipped)
        data = AmazonOrderChangedData(store_id=self.store_id, order=order, changes=changes,
                                      initial_import=initial_import, observed_at=at)
        return AmazonOrderChangedV1.build(key=self.key, occurred_at=at, producer="poller", data=data,
                                          identity=(order.last_updated.isoformat(), status.value))

    def created(self, number: str = "000000042", request_seq: int = 1) -> MagentoOrderCreatedV1:
        data = MagentoOrderCreatedData(request_seq=request_seq, magento_order_number=number,
                                       magento_order_id=42, magento_store_code="default")
        return MagentoOrderCreatedV1.build(key=self.key, occurred_at=self._tick(), producer="magento_writer",
                                           data=data, identity=(request_seq,))

    def failed(self, reason: str, request_seq: int = 1) -> MagentoOrderFailedV1:
        data = MagentoOrderFailedData(request_seq=request_seq, reason=reason, retryable=False, attempts=1)
        return MagentoOrderFailedV1.build(key=self.key, occurred_at=self._tick(), producer="magento_writer",
                                          data=data, identity=(request_seq, self.seq))

    def deleted(self, number: str = "000000042") -> MagentoOrderDeletedV1:
        data = MagentoOrderDeletedData(request_seq=1, magento_order_number=number)
        return MagentoOrderDeletedV1.build(key=self.key, occurred_at=self._tick(), producer="magento_writer",
                                           data=data, identity=(number,))

    def canceled(self, ok: bool, number: str = "000000042", reason: str | None = None) -> MagentoOrderCanceledV1:
        data = MagentoOrderCanceledData(request_seq=1, magento_order_number=number, ok=ok, reason=reason)
        return MagentoOrderCanceledV1.build(key=self.key, occurred_at=self._tick(), producer="magento_writer",
                                            data=data, identity=(ok, self.seq))

    def shipped(self, complete: bool = True, number: str = "000000042") -> MagentoOrderShippedV1:
        data = MagentoOrderShippedData(request_seq=1, magento_order_number=number, invoiced=True,
                                       shipped=True, complete=complete)
        return MagentoOrderShippedV1.build(key=self.key, occurred_at=self._tick(), producer="magento_writer",
                                           data=data, identity=(complete, self.seq))

    def reserved(self) -> ReservationPlacedV1:
        data = ReservationPlacedData(store_id=self.store_id, amazon_order_id=self.order_id,
                                     items=(SkuQuantity(sku="SKU-1", quantity=2),))
        return ReservationPlacedV1.build(key=self.key, occurred_at=self._tick(), producer="inventory_reserver",
                                         data=data, identity=(self.seq,))

    def released(self) -> ReservationReleasedV1:
        data = ReservationReleasedData(store_id=self.store_id, amazon_order_id=self.order_id,
                                       items=(SkuQuantity(sku="SKU-1", quantity=2),), reason="canceled")
        return ReservationReleasedV1.build(key=self.key, occurred_at=self._tick(), producer="inventory_reserver",
                                           data=data, identity=(self.seq,))

    def reservation_failed(self, reason: str) -> ReservationFailedV1:
        data = ReservationFailedData(store_id=self.store_id, amazon_order_id=self.order_id, reason=reason)
        return ReservationFailedV1.build(key=self.key, occurred_at=self._tick(), producer="inventory_reserver",
                                         data=data, identity=(self.seq,))

    def retry(self) -> MagentoRetryRequestedV1:
        data = MagentoRetryRequestedData(store_id=self.store_id, amazon_order_id=self.order_id,
                                         requested_by="admin", request_id=f"r{self.seq}")
        return MagentoRetryRequestedV1.build(key=self.key, occurred_at=self._tick(), producer="orders_tab",
                                             data=data, identity=(self.seq,))

    def confirmation(self, outcome: ConfirmationOutcome, *, shipment_id: int = 5, carrier: str = "UPS",
                     carrier_name: str | None = None, tracking: str = "1Z999", reason: str | None = None,
                     entry: int | None = None) -> ShipmentConfirmationV1:
        """The shipment confirmer's outcome for one Magento shipment (outbox ``entry``, default: a new one)."""
        at = self._tick()
        package = AmazonPackage(package_reference_id=str(shipment_id), carrier_code=carrier,
                                carrier_name=carrier_name, tracking_number=tracking, ship_date=at,
                                items=(PackageItem(amazon_order_item_id="1", quantity=2),))
        data = ShipmentConfirmationData(store_id=self.store_id, amazon_order_id=self.order_id,
                                        shipment_id=shipment_id, outbox_entry_id=entry or self.seq,
                                        outcome=outcome, reason=reason,
                                        package=package if outcome != "skipped" else None,
                                        amazon_status="UNSHIPPED", shipment_recorded_at=at)
        return ShipmentConfirmationV1.build(key=self.key, occurred_at=at, producer="shipment_confirmer",
                                            data=data, identity=(entry or self.seq, outcome))

    def cancellation(self, outcome: CancellationOutcome, reason: str | None = None,
                     request_id: str = "r1") -> AmazonCancellationV1:
        """The canceller's word on one "Cancel on Amazon" request."""
        data = AmazonCancellationData(store_id=self.store_id, amazon_order_id=self.order_id, request_id=request_id,
                                      outcome=outcome, reason=reason, feed_id="F1" if outcome != "refused" else None)
        return AmazonCancellationV1.build(key=self.key, occurred_at=self._tick(), producer="shipment_confirmer",
                                          data=data, identity=(request_id, outcome))
