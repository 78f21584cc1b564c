"""The ``PUT /V1/orders/create`` entity (``sales-data-order-interface``) for an Amazon order.

Only fields of the 2.4.8 schema are sent. Magento computes nothing on this route, so amounts are
made self-consistent here. Buyer data Amazon withholds (FBA, Pending) gets documented placeholders:
name "Amazon Customer", email ``<order id>@marketplace.amazon.invalid``, street/city/postcode "N/A",
telephone "N/A" (phones are never carried on our topics)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from schemas.events.lifecycle import MagentoTarget
from schemas.types import Address, AmazonOrder, FulfillmentChannel, OrderItem, ShipmentTrack

PLACEHOLDER_FIRSTNAME = "Amazon"
PLACEHOLDER_LASTNAME = "Customer"
PLACEHOLDER_EMAIL_DOMAIN = "marketplace.amazon.invalid"
PLACEHOLDER = "N/A"
DEFAULT_STATUS = "pending"

# Amazon marketplace id → ISO country, for addresses Amazon withholds.
MARKETPLACE_COUNTRY = {
    "ATVPDKIKX0DER": "US",
    "A2EUQ1WTGCTBG2": "CA",
    "A1AM78C64UM0Y8": "MX",
    "A2Q3Y263D00KWC": "BR",
    "A1F83G8C2ARO7P": "GB",
    "A1PA6795UKMFR9": "DE",
    "A13V1IB3VIYZZH": "FR",
    "APJ6JRA9NG5V4": "IT",
    "A1RKKUPIHCS9HS": "ES",
    "A1805IZSGTT6HS": "NL",
    "A2NODRKZP88ZB9": "SE",
    "A1C3SOZRARQ6R3": "PL",
    "AMEN7PMS3EDWL": "BE",
    "A33AVAJ2PDY3EV": "TR",
    "A2VIGQ35RCS4UG": "AE",
    "A17E79C6D8DWNP": "SA",
    "ARBP9OOSHTCHU": "EG",
    "A21TJRUUN4KGV": "IN",
    "A1VC38T7YXB528": "JP",
    "A39IBJ37TRP1C6": "AU",
    "A19VAU5U5O7RUS": "SG",
}
CENT = Decimal("0.01")

# Amazon carrier name (letters and digits only, upper case) → Magento's carrier code for tracking links;
# any other carrier is Magento's "custom" carrier, titled with Amazon's name.
MAGENTO_CARRIERS = {"UPS": "ups", "USPS": "usps", "FEDEX": "fedex", "DHL": "dhl", "DHLEXPRESS": "dhl"}
CUSTOM_CARRIER = "custom"


@dataclass(frozen=True)
class OrderOptions:
    """Writer-wide settings the payload needs."""

    payment_method: str
    shipping_method: str
    store_id: int | None = None  # numeric Magento store id of target.magento_store_code, when known
    increment_id: str | None = None  # None: Magento's sequence numbers the order
    customer_id: int | None = None  # the buyer's Magento account ("create customer"); None: a guest order
    customer_group_id: int | None = None


def money(value: Decimal) -> float:
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def split_name(full: str | None) -> tuple[str, str]:
    parts = (full or "").split()
    if not parts:
        return PLACEHOLDER_FIRSTNAME, PLACEHOLDER_LASTNAME
    if len(parts) == 1:
        return parts[0], PLACEHOLDER
    return " ".join(parts[:-1]), parts[-1]


def buyer_email(order: AmazonOrder) -> str:
    return order.buyer_email or f"{order.amazon_order_id}@{PLACEHOLDER_EMAIL_DOMAIN}"


def currency_of(order: AmazonOrder) -> str:
    for money_value in (order.order_total, order.shipping_total, *(i.unit_price for i in order.items)):
        if money_value is not None:
            return money_value.currency
    return "USD"


def address(order: AmazonOrder, kind: str) -> dict[str, Any]:
    ship_to = order.ship_to or Address()
    first, last = split_name(ship_to.name or order.buyer_name)
    out: dict[str, Any] = {
        "address_type": kind,
        "firstname": first,
        "lastname": last,
        "street": [line for line in ship_to.lines if line.strip()] or [PLACEHOLDER],
        "city": ship_to.city or PLACEHOLDER,
        "postcode": ship_to.postal_code or PLACEHOLDER,
        "country_id": (ship_to.country_code or MARKETPLACE_COUNTRY.get(order.marketplace_id, "US")).upper(),
        "telephone": PLACEHOLDER,
        "email": buyer_email(order),
    }
    if ship_to.company:
        out["company"] = ship_to.company
    if ship_to.region:
        out["region"] = ship_to.region
        if len(ship_to.region) <= 3 and ship_to.region.isalpha():
            out["region_code"] = ship_to.region.upper()
    return out


def item_row(item: OrderItem, store_id: int | None, product_id: int | None) -> dict[str, Any]:
    price = item.unit_price.amount if item.unit_price else Decimal(0)
    row = price * item.quantity_ordered
    out: dict[str, Any] = {
        "sku": item.sku,
        "name": item.title or item.sku,
        "product_type": "simple",
        "ext_order_item_id": item.order_item_id,
        "qty_ordered": item.quantity_ordered,
        "price": money(price),
        "base_price": money(price),
        "original_price": money(price),
        "base_original_price": money(price),
        "price_incl_tax": money(price),
        "base_price_incl_tax": money(price),
        "row_total": money(row),
        "base_row_total": money(row),
        "row_total_incl_tax": money(row),
        "base_row_total_incl_tax": money(row),
        "is_virtual": 0,
    }
    if product_id is not None:
        out["product_id"] = product_id
    if store_id is not None:
        out["store_id"] = store_id
    return out


def history_comment(order: AmazonOrder, target: MagentoTarget) -> str:
    channel = (
        "Amazon-fulfilled (FBA)" if order.fulfillment_channel == FulfillmentChannel.AMAZON else "merchant-fulfilled"
    )
    return (
        f"Amazon order {order.amazon_order_id} imported by Sales Channel "
        f"(store {target.store_id}, marketplace {order.marketplace_id}, {channel})."
    )


def build_order_entity(
    order: AmazonOrder,
    target: MagentoTarget,
    options: OrderOptions,
    product_ids: dict[str, int] | None = None,
) -> dict[str, Any]:
    product_ids = product_ids or {}
    items = [i for i in order.items if i.quantity_ordered > 0]
    subtotal = sum((i.unit_price.amount * i.quantity_ordered for i in items if i.unit_price), Decimal(0))
    shipping = order.shipping_total.amount if order.shipping_total else Decimal(0)
    grand = order.order_total.amount if order.order_total else subtotal + shipping
    qty = sum(i.quantity_ordered for i in items)
    currency = currency_of(order)
    status = target.settings.order_status or DEFAULT_STATUS
    state = "processing" if target.settings.order_status else "new"
    first, last = split_name(order.buyer_name or (order.ship_to.name if order.ship_to else None))
    shipping_address = address(order, "shipping")
    entity: dict[str, Any] = {
        "ext_order_id": order.amazon_order_id,
        "state": state,
        "status": status,
        "customer_is_guest": 1,
        "customer_group_id": 0,
        "customer_email": buyer_email(order),
        "customer_firstname": first,
        "customer_lastname": last,
        "base_currency_code": currency,
        "order_currency_code": currency,
        "store_currency_code": currency,
        "global_currency_code": currency,
        "subtotal": money(subtotal),
        "base_subtotal": money(subtotal),
        "subtotal_incl_tax": money(subtotal),
        "base_subtotal_incl_tax": money(subtotal),
        "shipping_amount": money(shipping),
        "base_shipping_amount": money(shipping),
        "shipping_incl_tax": money(shipping),
        "base_shipping_incl_tax": money(shipping),
        "shipping_description": f"Amazon ({options.shipping_method})",
        "tax_amount": 0.0,
        "base_tax_amount": 0.0,
        "discount_amount": 0.0,
        "base_discount_amount": 0.0,
        "grand_total": money(grand),
        "base_grand_total": money(grand),
        "total_due": money(grand),
        "base_total_due": money(grand),
        "total_qty_ordered": qty,
        "total_item_count": len(items),
        "base_to_global_rate": 1,
        "base_to_order_rate": 1,
        "store_to_base_rate": 1,
        "store_to_order_rate": 1,
        "is_virtual": 0,
        "items": [item_row(i, options.store_id, product_ids.get(i.sku)) for i in items],
        "billing_address": address(order, "billing"),
        "payment": {"method": options.payment_method, "additional_information": []},
        "status_histories": [
            {
                "comment": history_comment(order, target),
                "status": status,
                "is_customer_notified": 0,
                "is_visible_on_front": 0,
            }
        ],
        "extension_attributes": {
            "shipping_assignments": [
                {
                    "shipping": {
                        "address": shipping_address,
                        "method": options.shipping_method,
                        "total": {
                            "shipping_amount": money(shipping),
                            "base_shipping_amount": money(shipping),
                        },
                    },
                    "items": [],
                    "stock_id": target.magento_stock_id,
                }
            ]
        },
    }
    if options.increment_id:
        entity["increment_id"] = options.increment_id
    if options.store_id is not None:
        entity["store_id"] = options.store_id
    if options.customer_id is not None:
        entity.update(
            customer_is_guest=0, customer_id=options.customer_id, customer_group_id=options.customer_group_id or 1
        )
    return entity


def shipment_tracks(tracks: tuple[ShipmentTrack, ...]) -> list[dict[str, str]]:
    """``tracks`` of ``POST /V1/order/{orderId}/ship`` (``sales-data-shipment-track-creation-interface``:
    ``track_number``, ``title``, ``carrier_code`` all required), one per Amazon package."""
    return [
        {
            "track_number": t.tracking_number,
            "title": t.carrier,
            "carrier_code": MAGENTO_CARRIERS.get("".join(c for c in t.carrier.upper() if c.isalnum()), CUSTOM_CARRIER),
        }
        for t in tracks
    ]
