"""Orders in the v2026-01-01 wire format (``Order`` in contracts/sp-api/orders_2026-01-01.json).

``includedData`` decides which optional blocks appear. While an order is PENDING (or
PENDING_AVAILABILITY) Amazon does not show prices, proceeds, buyer or recipient."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from sandbox.spapi import catalog
from sandbox.spapi.clock import format_time
from sandbox.spapi.model import SimItem, SimOrder

ALL_INCLUDED = frozenset({"BUYER", "RECIPIENT", "PROCEEDS", "CANCELLATION", "FULFILLMENT", "PACKAGES"})


def money(amount: Decimal, currency: str) -> dict[str, str]:
    return {"amount": f"{amount:.2f}", "currencyCode": currency}


def render_order(order: SimOrder, included: frozenset[str]) -> dict[str, Any]:
    market = catalog.marketplace(order.marketplace_id)
    body: dict[str, Any] = {"orderId": order.order_id}
    if order.seller_order_id:
        body["orderAliases"] = [{"aliasId": order.seller_order_id, "aliasType": "SELLER_ORDER_ID"}]
    body["createdTime"] = format_time(order.created_time)
    body["lastUpdatedTime"] = format_time(order.last_updated_time)
    if order.programs:
        body["programs"] = list(order.programs)
    body["salesChannel"] = {
        "channelName": "AMAZON",
        "marketplaceId": order.marketplace_id,
        "marketplaceName": market.name,
    }
    if order.priced and "BUYER" in included:
        body["buyer"] = _buyer(order)
    if order.priced and "RECIPIENT" in included:
        body["recipient"] = _recipient(order)
    if order.priced and "PROCEEDS" in included:
        body["proceeds"] = _order_proceeds(order)
    if "FULFILLMENT" in included:
        body["fulfillment"] = _order_fulfillment(order)
    body["orderItems"] = [_item(order, item, included) for item in order.items]
    if "PACKAGES" in included and order.fulfilled_by == "MERCHANT" and order.packages:
        body["packages"] = [_package(order, index) for index in range(len(order.packages))]
    return body


def _buyer(order: SimOrder) -> dict[str, Any]:
    buyer: dict[str, Any] = {"buyerName": order.buyer.name, "buyerEmail": order.buyer.email}
    if order.buyer.company_name:
        buyer["buyerCompanyName"] = order.buyer.company_name
    if order.buyer.purchase_order_number:
        buyer["buyerPurchaseOrderNumber"] = order.buyer.purchase_order_number
    return buyer


def _recipient(order: SimOrder) -> dict[str, Any]:
    a = order.address
    address: dict[str, Any] = {"name": a.name, "addressLine1": a.address_line1}
    if a.address_line2:
        address["addressLine2"] = a.address_line2
    if a.company_name:
        address["companyName"] = a.company_name
    address.update(
        {
            "city": a.city,
            "stateOrRegion": a.state_or_region,
            "postalCode": a.postal_code,
            "countryCode": a.country_code,
            "phone": a.phone,
            "addressType": a.address_type,
        }
    )
    return {"deliveryAddress": address}


def _order_proceeds(order: SimOrder) -> dict[str, Any]:
    items_total = sum((i.unit_price * i.quantity_ordered for i in order.items), Decimal("0"))
    shipping = sum((i.shipping_price for i in order.items), Decimal("0"))
    tax = sum((i.item_tax for i in order.items), Decimal("0"))
    breakdowns = [{"type": "ITEM", "subtotal": money(items_total, order.currency)}]
    if shipping:
        breakdowns.append({"type": "SHIPPING", "subtotal": money(shipping, order.currency)})
    breakdowns.append({"type": "TAX", "subtotal": money(tax, order.currency)})
    return {"grandTotal": money(items_total + shipping + tax, order.currency), "breakdowns": breakdowns}


def _order_fulfillment(order: SimOrder) -> dict[str, Any]:
    block: dict[str, Any] = {
        "fulfillmentStatus": order.status,
        "fulfilledBy": order.fulfilled_by,
        "fulfillmentServiceLevel": order.service_level,
    }
    created = order.created_time
    block["shipByWindow"] = {
        "earliestDateTime": format_time(created),
        "latestDateTime": format_time(created + timedelta(days=2)),
    }
    block["deliverByWindow"] = {
        "earliestDateTime": format_time(created + timedelta(days=3)),
        "latestDateTime": format_time(created + timedelta(days=7)),
    }
    return block


def _item(order: SimOrder, item: SimItem, included: frozenset[str]) -> dict[str, Any]:
    product: dict[str, Any] = {
        "asin": item.asin,
        "title": item.title,
        "sellerSku": item.seller_sku,
        "condition": {"conditionType": item.condition_type, "conditionSubtype": item.condition_type},
    }
    if order.priced:
        price: dict[str, Any] = {"unitPrice": money(item.unit_price, order.currency)}
        if "AMAZON_BUSINESS" in order.programs:
            price["priceDesignation"] = "BUSINESS_PRICE"
        product["price"] = price
    body: dict[str, Any] = {
        "orderItemId": item.order_item_id,
        "quantityOrdered": item.quantity_ordered,
        "product": product,
    }
    if order.priced and "PROCEEDS" in included:
        line = item.unit_price * item.quantity_ordered
        breakdowns = [{"type": "ITEM", "subtotal": money(line, order.currency)}]
        if item.shipping_price:
            breakdowns.append({"type": "SHIPPING", "subtotal": money(item.shipping_price, order.currency)})
        breakdowns.append({"type": "TAX", "subtotal": money(item.item_tax, order.currency)})
        body["proceeds"] = {
            "proceedsTotal": money(line + item.shipping_price + item.item_tax, order.currency),
            "breakdowns": breakdowns,
        }
    if "CANCELLATION" in included:
        cancellation: dict[str, Any] = {}
        if item.cancel_request_reason:
            cancellation["cancellationRequest"] = {
                "requester": "BUYER",
                "cancelReason": item.cancel_request_reason,
            }
        if order.status == "CANCELLED":
            cancellation["cancellationExecution"] = {
                "cancelledBy": order.cancelled_by or "SELLER",
                "cancelReason": order.cancel_reason or "",
            }
        if cancellation:
            body["cancellation"] = cancellation
    if "FULFILLMENT" in included:
        unfulfilled = 0 if order.status == "CANCELLED" else item.quantity_unshipped
        body["fulfillment"] = {"quantityFulfilled": item.quantity_shipped, "quantityUnfulfilled": unfulfilled}
    return body


def _package(order: SimOrder, index: int) -> dict[str, Any]:
    package = order.packages[index]
    return {
        "packageReferenceId": package.package_reference_id,
        "createdTime": format_time(package.created_time),
        "packageStatus": {"status": "SHIPPED"},
        "carrier": package.carrier,
        "shipTime": format_time(package.created_time),
        "shippingService": package.shipping_service,
        "trackingNumber": package.tracking_number,
        "packageItems": [{"orderItemId": item_id, "quantity": units} for item_id, units in package.items],
    }
