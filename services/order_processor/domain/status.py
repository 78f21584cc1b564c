"""Orders-tab status (SPEC §3) and the Magento creation matrix (SPEC §6)."""

from __future__ import annotations

from schemas.types import AmazonOrder, AmazonStatus, FulfillmentChannel, OrderSettings, TabStatus

TAB_STATUS: dict[AmazonStatus, TabStatus] = {
    AmazonStatus.PENDING: TabStatus.PENDING,
    AmazonStatus.PENDING_AVAILABILITY: TabStatus.PENDING,
    AmazonStatus.UNSHIPPED: TabStatus.UNSHIPPED,
    AmazonStatus.PARTIALLY_SHIPPED: TabStatus.PARTIALLY_SHIPPED,
    AmazonStatus.SHIPPED: TabStatus.SHIPPED,
    AmazonStatus.INVOICE_UNCONFIRMED: TabStatus.SHIPPED,
    AmazonStatus.CANCELED: TabStatus.CANCELED,
    AmazonStatus.UNFULFILLABLE: TabStatus.CANCELED,
}

# Leaving Pending into one of these puts the order on the Orders tab (SPEC §2).
JOINS_TAB = frozenset({AmazonStatus.UNSHIPPED, AmazonStatus.PARTIALLY_SHIPPED,
                       AmazonStatus.SHIPPED, AmazonStatus.INVOICE_UNCONFIRMED})
SHIPPED = frozenset({AmazonStatus.SHIPPED, AmazonStatus.INVOICE_UNCONFIRMED})
CANCELED = frozenset({AmazonStatus.CANCELED, AmazonStatus.UNFULFILLABLE})


def tab_status(amazon: AmazonStatus, magento_complete: bool) -> TabStatus:
    """Completed = shipped on Amazon and its Magento order complete."""
    if amazon in SHIPPED and magento_complete:
        return TabStatus.COMPLETED
    return TAB_STATUS[amazon]


def wants_magento_order(order: AmazonOrder, settings: OrderSettings) -> bool:
    """The creation matrix: never for Pending, PendingAvailability or Canceled orders."""
    if not settings.import_orders:
        return False
    if order.fulfillment_channel is FulfillmentChannel.MERCHANT:
        return order.status in JOINS_TAB
    return order.status in SHIPPED and settings.amazon_fulfilled == "create_when_shipped"
