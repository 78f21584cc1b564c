"""Contract-shaped (Orders v2026-01-01) raw orders and store configs for the poller tests."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from schemas.types import OrderSettings, StoreConfig

FIXTURES = Path(__file__).parent / "fixtures"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def contract_example() -> dict[str, Any]:
    """The first order of the contract's own searchOrders example, as recorded."""
    data: dict[str, Any] = json.loads((FIXTURES / "search_orders_contract_example.json").read_text())
    return data["orders"][0]


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def raw_order(
    order_id: str = "111-0000001-0000001",
    *,
    status: str = "UNSHIPPED",
    fulfilled_by: str = "MERCHANT",
    created: datetime = T0,
    updated: datetime | None = None,
    programs: tuple[str, ...] = (),
    items: list[dict[str, Any]] | None = None,
    total: str = "25.00",
    ship_by: datetime | None = None,
) -> dict[str, Any]:
    items = items if items is not None else [raw_item()]
    order: dict[str, Any] = {
        "orderId": order_id,
        "createdTime": iso(created),
        "lastUpdatedTime": iso(updated or created),
        "programs": list(programs),
        "salesChannel": {
            "channelName": "AMAZON",
            "marketplaceId": "ATVPDKIKX0DER",
            "marketplaceName": "Amazon.com",
        },
        "buyer": {"buyerName": "Jane Doe", "buyerEmail": "jane@marketplace.amazon.com"},
        "recipient": {
            "deliveryAddress": {
                "name": "Jane Doe",
                "addressLine1": "1 Main St",
                "addressLine2": "Apt 2",
                "city": "Seattle",
                "stateOrRegion": "WA",
                "postalCode": "98101",
                "countryCode": "US",
                "phone": "555-0100",
                "addressType": "RESIDENTIAL",
            }
        },
        "proceeds": {
            "grandTotal": {"amount": total, "currencyCode": "USD"},
            "breakdowns": [
                {"type": "ITEM", "subtotal": {"amount": total, "currencyCode": "USD"}},
                {"type": "SHIPPING", "subtotal": {"amount": "4.99", "currencyCode": "USD"}},
            ],
        },
        "fulfillment": {
            "fulfillmentStatus": status,
            "fulfilledBy": fulfilled_by,
            "shipByWindow": {
                "earliestDateTime": iso(created),
                "latestDateTime": iso(ship_by or created + timedelta(days=2)),
            },
        },
        "orderItems": items,
    }
    return order


def raw_item(
    item_id: str = "10001",
    sku: str = "SKU-1",
    ordered: int = 2,
    fulfilled: int = 0,
    price: str = "12.50",
    cancel_requested: bool = False,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "orderItemId": item_id,
        "quantityOrdered": ordered,
        "product": {
            "asin": "B000000001",
            "title": "Widget",
            "sellerSku": sku,
            "price": {"unitPrice": {"amount": price, "currencyCode": "USD"}},
        },
        "fulfillment": {"quantityFulfilled": fulfilled, "quantityUnfulfilled": ordered - fulfilled},
    }
    if cancel_requested:
        item["cancellation"] = {"cancellationRequest": {"requester": "BUYER", "cancelReason": "changed mind"}}
    return item


def with_changes(order: dict[str, Any], **paths: Any) -> dict[str, Any]:
    """A copy of ``order`` with dotted paths replaced, e.g. ``fulfillment__fulfillmentStatus="SHIPPED"``."""
    out = copy.deepcopy(order)
    for path, value in paths.items():
        node: Any = out
        parts = path.split("__")
        for p in parts[:-1]:
            node = node[int(p)] if isinstance(node, list) else node[p]
        last = parts[-1]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return out


def store_config(
    store_id: str,
    endpoint: str = "http://spapi.invalid",
    *,
    integration_time: datetime = T0,
    initial_import: str = "unshipped_at_integration",
    poll_interval: int = 180,
    credentials_ref: str = "env:POLLER_TEST_LWA",
    enabled: bool = True,
    seller_id: str | None = None,
) -> StoreConfig:
    return StoreConfig(
        store_id=store_id,
        name=f"Store {store_id}",
        merchant_id=abs(hash(store_id)) % 100000 + 1,
        seller_id=seller_id or f"SELLER{store_id.upper()}",
        marketplace_id="ATVPDKIKX0DER",
        spapi_endpoint=endpoint,
        lwa_credentials_ref=credentials_ref,
        poll_interval_seconds=poll_interval,
        integration_time=integration_time,
        enabled=enabled,
        settings=OrderSettings(initial_import=initial_import),  # type: ignore[arg-type]
    )
