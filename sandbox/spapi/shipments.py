"""``confirmShipment`` (Orders API v0) as Amazon documents it: the request is checked against the
``ConfirmShipmentRequest`` model field for field, then applied to the order.

* ``packageReferenceId``: a positive integer sent as a string. The same id again edits that package
  (items, carrier, tracking); a new id adds a package.
* ``carrierCode``: one of Amazon's codes; ``Other`` needs ``carrierName``.
* A new package on an order that is already fully shipped: 400 "…already fulfilled…
  PackageToUpdateNotFound" (SPM #5037). More units than are left: 400.
* The order moves to PARTIALLY_SHIPPED or SHIPPED by its items' shipped quantities.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from sandbox.spapi.errors import ApiError, invalid_input
from sandbox.spapi.model import SimOrder, SimPackage

# Amazon's carrier codes (Seller Central's carrier list; the codes most merchants ship with).
CARRIER_CODES = frozenset({
    "USPS", "UPS", "UPSMI", "FedEx", "FedEx SmartPost", "DHL", "DHL eCommerce", "DHL Express", "OnTrac",
    "LaserShip", "Amazon Shipping", "Canada Post", "Purolator", "Royal Mail", "Parcelforce", "DPD", "Hermes",
    "Evri", "GLS", "Yodel", "Deutsche Post", "Chronopost", "Colissimo", "La Poste", "Poste Italiane", "SEUR",
    "Correos", "PostNL", "Japan Post", "Yamato Transport", "Sagawa Express", "India Post", "Blue Dart",
    "Australia Post", "China Post", "Estes", "Old Dominion", "XPO Freight", "Other",
})
REQUEST_FIELDS = frozenset({"marketplaceId", "packageDetail", "codCollectionMethod"})
PACKAGE_FIELDS = frozenset({"packageReferenceId", "carrierCode", "carrierName", "shippingMethod", "trackingNumber",
                            "shipDate", "shipFromSupplySourceId", "orderItems"})
PACKAGE_REQUIRED = ("packageReferenceId", "carrierCode", "trackingNumber", "shipDate", "orderItems")
ITEM_FIELDS = frozenset({"orderItemId", "quantity", "transparencyCodes"})
JP_MARKETPLACE = "A1VC38T7YXB528"


@dataclasses.dataclass(frozen=True)
class Confirmation:
    marketplace_id: str
    reference: str
    carrier_code: str
    carrier_name: str | None
    shipping_method: str | None
    tracking_number: str
    ship_date: datetime
    items: tuple[tuple[str, int], ...]


def _string(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise invalid_input(f"{name} must be a string.")
    return value


def _unknown(body: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    extra = sorted(set(body) - allowed)
    if extra:
        raise invalid_input(f"Unknown field {where}{extra[0]}.")


def parse(body: Any) -> Confirmation:
    """The request checked against the model; ``invalid_input`` (400) names the first problem."""
    if not isinstance(body, dict):
        raise invalid_input("The request body must be a ConfirmShipmentRequest object.")
    _unknown(body, REQUEST_FIELDS, "")
    for name in ("marketplaceId", "packageDetail"):
        if body.get(name) is None:
            raise invalid_input(f"Missing required field: {name}.")
    marketplace_id = _string(body["marketplaceId"], "marketplaceId")
    if "codCollectionMethod" in body and (body["codCollectionMethod"] != "DirectPayment"
                                          or marketplace_id != JP_MARKETPLACE):
        raise invalid_input("codCollectionMethod is only supported in the JP marketplace, as DirectPayment.")
    package = body["packageDetail"]
    if not isinstance(package, dict):
        raise invalid_input("packageDetail must be an object.")
    _unknown(package, PACKAGE_FIELDS, "packageDetail.")
    for name in PACKAGE_REQUIRED:
        if package.get(name) in (None, ""):
            raise invalid_input(f"Missing required field: packageDetail.{name}.")
    reference = _string(package["packageReferenceId"], "packageDetail.packageReferenceId")
    if not reference.isdigit() or int(reference) < 1:
        raise invalid_input("Invalid packageReferenceId: only positive numeric values are supported.",
                            f"packageReferenceId {reference!r}")
    carrier_code = _string(package["carrierCode"], "packageDetail.carrierCode")
    if carrier_code not in CARRIER_CODES:
        raise invalid_input(f"Invalid carrierCode: {carrier_code}.", "Use one of Amazon's carrier codes, or Other "
                            "with carrierName.")
    carrier_name = package.get("carrierName")
    if carrier_name is not None:
        carrier_name = _string(carrier_name, "packageDetail.carrierName")
    if carrier_code == "Other" and not (carrier_name or "").strip():
        raise invalid_input("carrierName is required when carrierCode is Other.")
    shipping_method = package.get("shippingMethod")
    if shipping_method is not None:
        shipping_method = _string(shipping_method, "packageDetail.shippingMethod")
    raw_date = _string(package["shipDate"], "packageDetail.shipDate")
    try:
        ship_date = datetime.fromisoformat(raw_date.replace("Z", "+00:00"))
    except ValueError:
        raise invalid_input(f"Invalid shipDate {raw_date!r}: use ISO 8601 date-time.") from None
    if "T" not in raw_date or ship_date.tzinfo is None:
        raise invalid_input(f"Invalid shipDate {raw_date!r}: use ISO 8601 date-time with a time zone.")
    items = package["orderItems"]
    if not isinstance(items, list) or not items:
        raise invalid_input("packageDetail.orderItems must list at least one item.")
    parsed: dict[str, int] = {}
    for item in items:
        if not isinstance(item, dict):
            raise invalid_input("Every orderItems entry must be an object.")
        _unknown(item, ITEM_FIELDS, "packageDetail.orderItems[].")
        item_id = _string(item.get("orderItemId"), "orderItemId")
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            raise invalid_input(f"Invalid quantity for order item {item_id}: a positive integer is required.")
        parsed[item_id] = parsed.get(item_id, 0) + quantity
    return Confirmation(marketplace_id, reference, carrier_code, carrier_name, shipping_method,
                        _string(package["trackingNumber"], "packageDetail.trackingNumber").strip(),
                        ship_date, tuple(parsed.items()))


def already_fulfilled(reference: str) -> ApiError:
    return invalid_input("The order has already been fulfilled; a new package cannot be added.",
                         f"PackageToUpdateNotFound: no package {reference} on this order to update.")


def apply(order: SimOrder, confirmation: Confirmation, at: datetime) -> SimOrder:
    """The order after the confirmation (a new version), or ``ApiError`` as Amazon answers."""
    if confirmation.marketplace_id != order.marketplace_id:
        raise invalid_input(f"Invalid marketplaceId {confirmation.marketplace_id} for this order.")
    if order.fulfilled_by != "MERCHANT":
        raise invalid_input("The order is fulfilled by Amazon: shipments are confirmed by Amazon.")
    if order.status in ("CANCELLED", "UNFULFILLABLE"):
        raise invalid_input(f"The order is {order.status.title()} and cannot be shipped.")
    if order.status in ("PENDING", "PENDING_AVAILABILITY"):
        raise invalid_input("The order is Pending and cannot be shipped yet.")
    existing = next((p for p in order.packages if p.package_reference_id == confirmation.reference), None)
    if existing is None and order.status == "SHIPPED":
        raise already_fulfilled(confirmation.reference)
    by_id = {item.order_item_id: item for item in order.items}
    previous = dict(existing.items) if existing else {}
    for item_id, quantity in confirmation.items:
        item = by_id.get(item_id)
        if item is None:
            raise invalid_input(f"Invalid orderItemId {item_id}: not an item of order {order.order_id}.")
        room = item.quantity_unshipped + previous.get(item_id, 0)
        if quantity > room:
            raise invalid_input(f"Quantity {quantity} of order item {item_id} exceeds the {room} left to ship.")
    new = order.clone()
    new.last_updated_time = max(at.replace(microsecond=0), order.last_updated_time + timedelta(seconds=1))
    wanted = dict(confirmation.items)
    for item in new.items:
        item.quantity_shipped += wanted.get(item.order_item_id, 0) - previous.get(item.order_item_id, 0)
    package = SimPackage(
        confirmation.reference,
        confirmation.ship_date,
        (confirmation.carrier_name or "Other") if confirmation.carrier_code == "Other" else confirmation.carrier_code,
        confirmation.shipping_method or "",
        confirmation.tracking_number,
        list(confirmation.items),
    )
    new.packages = [package if p is existing else p for p in order.packages]
    if existing is None:
        new.packages.append(package)
    if all(item.quantity_unshipped == 0 for item in new.items):
        new.status = "SHIPPED"
    elif any(item.quantity_shipped for item in new.items):
        new.status = "PARTIALLY_SHIPPED"
    else:
        new.status = "UNSHIPPED"
    return new
