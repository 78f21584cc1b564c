"""Deterministic sample events (Orders-tab and replay tests, benchmarks): order views, log entries, stores, polls."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from schemas.envelope import order_key
from schemas.events.lifecycle import (
    LeveledLogEntry,
    OrderLogAppendedDataV2,
    OrderLogAppendedV2,
    OrderStateChangedV1,
    OrderView,
    level_of,
)
from schemas.events.poller import StorePollCompletedData, StorePollCompletedV1
from schemas.events.stores import StoreConfiguredData, StoreConfiguredV1
from schemas.types import (
    AmazonStatus,
    FulfillmentChannel,
    MagentoState,
    Money,
    OrderItem,
    StoreConfig,
    TabStatus,
)

PRODUCER = "sample"
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
FIRST = ("Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Margaret", "Ken", "Linus", "Frances")
LAST = (
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Hamilton",
    "Thompson",
    "Torvalds",
    "Allen",
)
STATUS_OF = {
    TabStatus.PENDING: AmazonStatus.PENDING,
    TabStatus.UNSHIPPED: AmazonStatus.UNSHIPPED,
    TabStatus.PARTIALLY_SHIPPED: AmazonStatus.PARTIALLY_SHIPPED,
    TabStatus.SHIPPED: AmazonStatus.SHIPPED,
    TabStatus.CANCELED: AmazonStatus.CANCELED,
    TabStatus.COMPLETED: AmazonStatus.SHIPPED,
}


def store_event(
    store_id: str,
    name: str,
    merchant_id: int,
    enabled: bool = True,
    at: datetime = EPOCH,
    change: str = "integrated",
    time_zone: str | None = None,
) -> StoreConfiguredV1:
    config = StoreConfig(
        store_id=store_id,
        name=name,
        merchant_id=merchant_id,
        seller_id=f"S{merchant_id}",
        marketplace_id="ATVPDKIKX0DER",
        spapi_endpoint="http://127.0.0.1:8081",
        lwa_credentials_ref=f"env:LWA_{merchant_id}",
        magento_store_code="default",
        integration_time=EPOCH,
        enabled=enabled,
    )
    if time_zone is not None:  # store.configured v3
        from schemas.types import with_time_zone
        from services.stores.registry import configured_event

        return configured_event(with_time_zone(config, time_zone), change, at)
    data = StoreConfiguredData(change=change, effective_at=at, config=config)  # type: ignore[arg-type]
    event: StoreConfiguredV1 = StoreConfiguredV1.build(
        key=store_id, occurred_at=at, producer=PRODUCER, data=data, identity=(change, at.isoformat())
    )
    return event


def poll_event(store_id: str, completed_at: datetime) -> StorePollCompletedV1:
    data = StorePollCompletedData(
        store_id=store_id,
        window_start=completed_at - timedelta(minutes=3),
        window_end=completed_at - timedelta(minutes=2),
        orders_seen=3,
        events_published=1,
        completed_at=completed_at,
    )
    event: StorePollCompletedV1 = StorePollCompletedV1.build(
        key=store_id,
        occurred_at=completed_at,
        producer=PRODUCER,
        data=data,
        identity=(completed_at.isoformat(),),
    )
    return event


def view(
    store_id: str,
    amazon_order_id: str,
    *,
    version: int = 1,
    merchant_id: int = 1,
    status: TabStatus = TabStatus.UNSHIPPED,
    on_tab: bool | None = None,
    channel: FulfillmentChannel = FulfillmentChannel.MERCHANT,
    is_prime: bool = False,
    buyer_name: str | None = "Ada Lovelace",
    total: Decimal | None = Decimal("25.00"),
    currency: str = "USD",
    reserved: bool = False,
    purchase_date: datetime = EPOCH,
    latest_ship_date: datetime | None = None,
    magento_state: MagentoState = MagentoState.NONE,
    magento_order_number: str | None = None,
    magento_order_id: int | None = None,
    last_action: str | None = "Order imported from Amazon.",
    qty: int = 2,
    shipped: int = 0,
) -> OrderView:
    items = (
        OrderItem(
            order_item_id=f"{amazon_order_id}-1",
            sku=f"SKU-{amazon_order_id[-3:]}",
            title="Widget",
            quantity_ordered=qty,
            quantity_shipped=shipped,
            unit_price=Money(amount=(total or Decimal("0")) / qty, currency=currency),
        ),
    )
    return OrderView(
        version=version,
        store_id=store_id,
        amazon_order_id=amazon_order_id,
        order_id=f"o-{store_id}-{amazon_order_id}",
        merchant_id=merchant_id,
        on_tab=(status != TabStatus.PENDING) if on_tab is None else on_tab,
        status=status,
        amazon_status=STATUS_OF[status],
        fulfillment_channel=channel,
        is_prime=is_prime,
        is_business=False,
        buyer_name=buyer_name,
        buyer_email=f"{amazon_order_id}@marketplace.amazon.com" if buyer_name else None,
        total=Money(amount=total, currency=currency) if total is not None else None,
        items_shipped=shipped,
        items_unshipped=max(qty - shipped, 0),
        reserved=reserved,
        purchase_date=purchase_date,
        latest_ship_date=latest_ship_date,
        last_updated=purchase_date + timedelta(minutes=version),
        magento_state=magento_state,
        magento_order_number=magento_order_number,
        magento_order_id=magento_order_id,
        last_action=last_action,
        items=items,
    )


def state_event(v: OrderView) -> OrderStateChangedV1:
    event: OrderStateChangedV1 = OrderStateChangedV1.build(
        key=order_key(v.store_id, v.amazon_order_id),
        occurred_at=v.last_updated,
        producer=PRODUCER,
        data=v,
        identity=(v.version,),
    )
    return event


def log_event(
    store_id: str, amazon_order_id: str, seq: int, message: str, at: datetime = EPOCH
) -> OrderLogAppendedV2:
    entry = LeveledLogEntry(seq=seq, at=at, message=message, level=level_of(message))
    data = OrderLogAppendedDataV2(store_id=store_id, amazon_order_id=amazon_order_id, entry=entry)
    event: OrderLogAppendedV2 = OrderLogAppendedV2.build(
        key=order_key(store_id, amazon_order_id),
        occurred_at=at,
        producer=PRODUCER,
        data=data,
        identity=(seq,),
    )
    return event


def random_view(rng: random.Random, store_index: int, n: int, stores: int = 50) -> OrderView:
    """A plausible order of store ``store_index`` (bench data)."""
    status = rng.choices(list(TabStatus), weights=(5, 20, 5, 50, 8, 12))[0]
    purchase = EPOCH + timedelta(seconds=rng.randrange(0, 300 * 86400))
    qty = rng.randint(1, 5)
    shipped = (
        qty
        if status in (TabStatus.SHIPPED, TabStatus.COMPLETED)
        else (rng.randint(1, qty - 1) if status == TabStatus.PARTIALLY_SHIPPED and qty > 1 else 0)
    )
    magento = rng.choices(
        [MagentoState.CREATED, MagentoState.FAILED, MagentoState.NONE, MagentoState.COMPLETE],
        weights=(70, 3, 17, 10),
    )[0]
    number = f"{100000000 + n}" if magento in (MagentoState.CREATED, MagentoState.COMPLETE) else None
    return view(
        f"store-{store_index:02d}",
        f"{100 + store_index:03d}-{n:07d}-{rng.randrange(10**7):07d}",
        merchant_id=store_index + 1,
        status=status,
        version=rng.randint(1, 6),
        channel=rng.choice(list(FulfillmentChannel)),
        is_prime=rng.random() < 0.3,
        buyer_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        total=Decimal(rng.randrange(500, 50000)) / 100,
        reserved=status == TabStatus.PENDING and rng.random() < 0.7,
        purchase_date=purchase,
        latest_ship_date=purchase + timedelta(days=2),
        magento_state=magento,
        magento_order_number=number,
        magento_order_id=n if number else None,
        qty=qty,
        shipped=shipped,
        last_action=rng.choice(
            (
                "Order imported from Amazon.",
                "Status updated to Shipped.",
                f"Magento order {number} was created.",
                "Inventory reserved.",
            )
        ),
    )
