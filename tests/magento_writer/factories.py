"""Builders for Amazon orders and writer commands used by the writer's tests."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from schemas.envelope import order_key
from schemas.events.lifecycle import (
    MagentoCancelRequestedData,
    MagentoCancelRequestedV1,
    MagentoOrderRequestedData,
    MagentoOrderRequestedDataV2,
    MagentoOrderRequestedV1,
    MagentoOrderRequestedV2,
    MagentoShipmentRequestedData,
    MagentoShipmentRequestedV1,
    MagentoTarget,
)
from schemas.events.poller import DetailedAmazonOrder
from schemas.events.reservations import (
    ReservationPlacedData,
    ReservationPlacedV1,
    ReservationReleasedData,
    ReservationReleasedV1,
)
from schemas.types import (
    Address,
    AmazonOrder,
    AmazonStatus,
    FulfillmentChannel,
    Money,
    OrderItem,
    OrderSettings,
    SkuQuantity,
)

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def amazon_order_id() -> str:
    n = uuid.uuid4().int
    return f"{n % 900 + 100}-{n // 1000 % 10**7:07d}-{n // 10**10 % 10**7:07d}"


def store_id(prefix: str = "w") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def amazon_order(
    order_id: str | None = None,
    *,
    fba: bool = False,
    buyer: bool = True,
    items: tuple[tuple[str, int, str], ...] = (("SKU-1", 2, "19.99"),),
    **kw: Any,
) -> AmazonOrder:
    lines = tuple(
        OrderItem(
            order_item_id=f"item-{i}",
            sku=sku,
            title=f"Widget {sku}",
            quantity_ordered=qty,
            unit_price=Money(amount=Decimal(price), currency="USD"),
        )
        for i, (sku, qty, price) in enumerate(items)
    )
    subtotal = sum(Decimal(p) * q for _, q, p in items)
    fields: dict[str, Any] = dict(
        amazon_order_id=order_id or amazon_order_id(),
        marketplace_id="ATVPDKIKX0DER",
        status=AmazonStatus.SHIPPED if fba else AmazonStatus.UNSHIPPED,
        fulfillment_channel=FulfillmentChannel.AMAZON if fba else FulfillmentChannel.MERCHANT,
        purchase_date=NOW,
        last_updated=NOW,
        order_total=Money(amount=subtotal + Decimal("4.99"), currency="USD"),
        shipping_total=Money(amount=Decimal("4.99"), currency="USD"),
        items=lines,
    )
    if buyer and not fba:
        fields.update(
            buyer_name="Jane Q Doe",
            buyer_email="abc123@marketplace.amazon.com",
            ship_to=Address(
                name="Jane Q Doe",
                lines=("1 Main St", "Apt 2"),
                city="Seattle",
                region="WA",
                postal_code="98101",
                country_code="US",
            ),
        )
    fields.update(kw)
    return AmazonOrder(**fields)


def target(store: str, store_code: str = "default", **settings: Any) -> MagentoTarget:
    return MagentoTarget(
        store_id=store,
        merchant_id=7,
        magento_store_code=store_code,
        magento_stock_id=1,
        settings=OrderSettings(**settings),
    )


def order_requested(
    store: str, order: AmazonOrder, *, seq: int = 1, store_code: str = "default", **settings: Any
) -> MagentoOrderRequestedV1:
    """v2 for an order with details (``DetailedAmazonOrder``), else v1 (as commands written before v2)."""
    key = order_key(store, order.amazon_order_id)
    detailed = isinstance(order, DetailedAmazonOrder)
    kind = MagentoOrderRequestedV2 if detailed else MagentoOrderRequestedV1
    # v2 data only ever gets a DetailedAmazonOrder (``detailed``); pydantic validates the order anyway
    data_kind: type[MagentoOrderRequestedData] = MagentoOrderRequestedDataV2 if detailed else MagentoOrderRequestedData
    cmd: MagentoOrderRequestedV1 = kind.build(
        key=key,
        occurred_at=NOW,
        producer="order_processor",
        identity=("requested", seq),
        data=data_kind(
            request_seq=seq,
            reason="status_changed",
            target=target(store, store_code, **settings),
            order=order,
        ),
    )
    return cmd


def cancel_requested(
    store: str,
    amazon_id: str,
    number: str,
    entity_id: int | None,
    *,
    seq: int = 2,
    store_code: str = "default",
) -> MagentoCancelRequestedV1:
    cmd: MagentoCancelRequestedV1 = MagentoCancelRequestedV1.build(
        key=order_key(store, amazon_id),
        occurred_at=NOW,
        producer="order_processor",
        identity=("cancel", seq),
        data=MagentoCancelRequestedData(
            request_seq=seq,
            target=target(store, store_code),
            amazon_order_id=amazon_id,
            magento_order_number=number,
            magento_order_id=entity_id,
        ),
    )
    return cmd


def shipment_requested(
    store: str,
    order: AmazonOrder,
    number: str,
    entity_id: int | None,
    *,
    seq: int = 3,
    store_code: str = "default",
) -> MagentoShipmentRequestedV1:
    cmd: MagentoShipmentRequestedV1 = MagentoShipmentRequestedV1.build(
        key=order_key(store, order.amazon_order_id),
        occurred_at=NOW,
        producer="order_processor",
        identity=("ship", seq),
        data=MagentoShipmentRequestedData(
            request_seq=seq,
            target=target(store, store_code),
            amazon_order_id=order.amazon_order_id,
            magento_order_number=number,
            magento_order_id=entity_id,
            order=order,
        ),
    )
    return cmd


def reservation_placed(store: str, amazon_id: str, items: dict[str, int]) -> ReservationPlacedV1:
    event: ReservationPlacedV1 = ReservationPlacedV1.build(
        key=order_key(store, amazon_id),
        occurred_at=NOW,
        producer="inventory_reserver",
        identity=("placed",),
        data=ReservationPlacedData(
            store_id=store,
            amazon_order_id=amazon_id,
            items=tuple(SkuQuantity(sku=s, quantity=q) for s, q in items.items()),
        ),
    )
    return event


def reservation_released(
    store: str, amazon_id: str, items: dict[str, int], reason: str = "magento_order_created"
) -> ReservationReleasedV1:
    event: ReservationReleasedV1 = ReservationReleasedV1.build(
        key=order_key(store, amazon_id),
        occurred_at=NOW,
        producer="inventory_reserver",
        identity=("released",),
        data=ReservationReleasedData(
            store_id=store,
            amazon_order_id=amazon_id,
            reason=reason,  # type: ignore[arg-type]
            items=tuple(SkuQuantity(sku=s, quantity=q) for s, q in items.items()),
        ),
    )
    return event
