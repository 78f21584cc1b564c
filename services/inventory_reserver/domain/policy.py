"""The rules that decide what an order's status and its store's settings mean for stock."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from schemas.types import AmazonOrder, AmazonStatus, FulfillmentChannel, SkuQuantity, StoreConfig

PENDING = frozenset({AmazonStatus.PENDING, AmazonStatus.PENDING_AVAILABILITY})
CANCELED = frozenset({AmazonStatus.CANCELED, AmazonStatus.UNFULFILLABLE})
SHIPPED = frozenset({AmazonStatus.SHIPPED, AmazonStatus.INVOICE_UNCONFIRMED})


def is_pending(status: AmazonStatus) -> bool:
    return status in PENDING


def is_canceled(status: AmazonStatus) -> bool:
    return status in CANCELED


def reserving(config: StoreConfig) -> bool:
    """The store wants Pending orders reserved now."""
    return config.enabled and config.settings.reserve_pending


def tracked(order: AmazonOrder, config: StoreConfig, initial_import: bool) -> bool:
    """Orders purchased after the integration time are tracked (SPEC §2); the initial import's
    orders existed before and are never reserved."""
    return not initial_import and order.purchase_date > config.integration_time


def magento_order_expected(order: AmazonOrder, config: StoreConfig) -> bool:
    """Will a Magento order be created for this (non-Pending, non-canceled) order? (SPEC §6)
    An Amazon-fulfilled order that is not Shipped yet will get one when it ships, if the
    store creates FBA orders when shipped."""
    if not config.settings.import_orders:
        return False
    if order.fulfillment_channel is FulfillmentChannel.AMAZON:
        return config.settings.amazon_fulfilled == "create_when_shipped"
    return True


@dataclass(frozen=True)
class Reservable:
    items: tuple[SkuQuantity, ...]
    problem: str | None = None  # why the order cannot be reserved at all


def reservable_items(order: AmazonOrder) -> Reservable:
    """Unshipped quantity per SKU, SKUs sorted. An item with unshipped quantity but no SKU
    makes the whole order unreservable (a partial hold would mislead the merchant)."""
    per_sku: dict[str, int] = defaultdict(int)
    for item in order.items:
        unshipped = max(item.quantity_ordered - item.quantity_shipped, 0)
        if unshipped == 0:
            continue
        sku = item.sku.strip()
        if not sku:
            return Reservable((), f"item {item.order_item_id} has no SKU")
        per_sku[sku] += unshipped
    return Reservable(tuple(SkuQuantity(sku=s, quantity=q) for s, q in sorted(per_sku.items())))
