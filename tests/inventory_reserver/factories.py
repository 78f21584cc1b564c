"""Builders of the reserver's input events for tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from schemas.envelope import order_key
from schemas.events.magento import MagentoOrderCreatedData, MagentoOrderCreatedV1
from schemas.events.poller import AmazonOrderChangedData, AmazonOrderChangedV1
from schemas.events.stores import StoreConfiguredData, StoreConfiguredV1
from schemas.types import (
    AmazonOrder,
    AmazonStatus,
    FulfillmentChannel,
    OrderItem,
    OrderSettings,
    StoreConfig,
)

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
INTEGRATED_AT = T0 - timedelta(days=1)


def store(store_id: str = "us-main", effective_at: datetime = INTEGRATED_AT, change: str = "integrated",
          enabled: bool = True, stock_id: int = 1, **settings: Any) -> StoreConfiguredV1:
    config = StoreConfig(store_id=store_id, name=store_id, merchant_id=1, seller_id="S1",
                         marketplace_id="ATVPDKIKX0DER", spapi_endpoint="http://spapi",
                         lwa_credentials_ref="env:LWA", integration_time=INTEGRATED_AT, enabled=enabled,
                         magento_stock_id=stock_id, settings=OrderSettings(**settings))
    event: StoreConfiguredV1 = StoreConfiguredV1.build(
        key=store_id, occurred_at=effective_at, producer="stores",
        identity=(effective_at.isoformat(), change),
        data=StoreConfiguredData(change=change, effective_at=effective_at, config=config))  # type: ignore[arg-type]
    return event


def item(sku: str, ordered: int, shipped: int = 0, item_id: str | None = None) -> OrderItem:
    return OrderItem(order_item_id=item_id or f"i-{sku}", sku=sku, quantity_ordered=ordered,
                     quantity_shipped=shipped)


def order_changed(status: AmazonStatus, at: datetime, *, order_id: str = "111-0000001-0000001",
                  store_id: str = "us-main",
                  items: tuple[OrderItem, ...] = (item("SKU-A", 2), item("SKU-B", 1)),
                  channel: FulfillmentChannel = FulfillmentChannel.MERCHANT,
                  purchased: datetime = T0, initial_import: bool = False) -> AmazonOrderChangedV1:
    order = AmazonOrder(amazon_order_id=order_id, marketplace_id="ATVPDKIKX0DER", status=status,
                        fulfillment_channel=channel, purchase_date=purchased, last_updated=at, items=items)
    key = order_key(store_id, order_id)
    event: AmazonOrderChangedV1 = AmazonOrderChangedV1.build(
        key=key, occurred_at=at, producer="poller", identity=(status.value, at.isoformat()),
        data=AmazonOrderChangedData(store_id=store_id, order=order, changes=("status",),
                                    initial_import=initial_import, observed_at=at))
    return event


def magento_created(at: datetime, *, order_id: str = "111-0000001-0000001",
                    store_id: str = "us-main") -> MagentoOrderCreatedV1:
    key = order_key(store_id, order_id)
    event: MagentoOrderCreatedV1 = MagentoOrderCreatedV1.build(
        key=key, occurred_at=at, producer="magento_writer", identity=(1,),
        data=MagentoOrderCreatedData(request_seq=1, magento_order_number="000000001", magento_order_id=1,
                                     magento_store_code="default"))
    return event
