"""Pure mapping: an SP-API Orders v2026-01-01 ``Order`` (JSON) → ``schemas.types.AmazonOrder``.

Anything unknown (a status or program Amazon has not documented) or malformed (missing
required fields, bad numbers or dates) raises an ``OrderMappingError`` whose ``reason`` is
used as the dead-letter reason. Only what a Magento order and the Orders tab need is kept:
the phone number and other address extras are dropped here, at the edge; of a package
(``includedData=PACKAGES``, merchant-fulfilled orders) only its carrier and tracking number."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from schemas.types import Address, AmazonOrder, AmazonStatus, FulfillmentChannel, Money, OrderItem, ShipmentTrack

STATUS_MAP: dict[str, AmazonStatus] = {
    "PENDING_AVAILABILITY": AmazonStatus.PENDING_AVAILABILITY,
    "PENDING": AmazonStatus.PENDING,
    "UNSHIPPED": AmazonStatus.UNSHIPPED,
    "PARTIALLY_SHIPPED": AmazonStatus.PARTIALLY_SHIPPED,
    "SHIPPED": AmazonStatus.SHIPPED,
    "CANCELLED": AmazonStatus.CANCELED,  # v2026 spells it with two L
    "UNFULFILLABLE": AmazonStatus.UNFULFILLABLE,
}

CHANNEL_MAP: dict[str, FulfillmentChannel] = {
    "MERCHANT": FulfillmentChannel.MERCHANT,
    "AMAZON": FulfillmentChannel.AMAZON,
}

# Every program the v2026 contract documents; only three matter to us.
KNOWN_PROGRAMS = frozenset({
    "AMAZON_BAZAAR", "AMAZON_BUSINESS", "AMAZON_EASY_SHIP", "AMAZON_HAUL", "DELIVERY_BY_AMAZON",
    "FBM_SHIP_PLUS", "INVOICE_BY_AMAZON", "IN_STORE_PICK_UP", "PREMIUM", "PREORDER", "PRIME",
})


class OrderMappingError(ValueError):
    """An order the poller cannot turn into an ``AmazonOrder``."""

    reason = "malformed_order"

    def __init__(self, message: str, order_id: str | None = None) -> None:
        super().__init__(message)
        self.order_id = order_id


class MalformedOrder(OrderMappingError):
    reason = "malformed_order"


class UnknownValue(OrderMappingError):
    reason = "unknown_value"


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedOrder(f"{where} must be an object, got {type(value).__name__}")
    return value


def _str(value: Any, where: str, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise MalformedOrder(f"{where} is required")
        return None
    if not isinstance(value, str):
        raise MalformedOrder(f"{where} must be a string")
    return value


def parse_time(value: Any, where: str, required: bool = False) -> datetime | None:
    text = _str(value, where, required)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MalformedOrder(f"{where}: not an ISO 8601 time: {text!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_money(value: Any, where: str) -> Money | None:
    if value is None:
        return None
    obj = _obj(value, where)
    amount, currency = obj.get("amount"), obj.get("currencyCode")
    if not isinstance(amount, str | int | float) or isinstance(amount, bool):
        raise MalformedOrder(f"{where}.amount is missing or not a decimal")
    try:
        dec = Decimal(str(amount))
    except InvalidOperation as exc:
        raise MalformedOrder(f"{where}.amount is not a decimal: {amount!r}") from exc
    if not dec.is_finite():
        raise MalformedOrder(f"{where}.amount is not finite")
    if not isinstance(currency, str) or len(currency) != 3:
        raise MalformedOrder(f"{where}.currencyCode must be a 3-letter code")
    return Money(amount=dec, currency=currency)


def _int(value: Any, where: str, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedOrder(f"{where} must be a non-negative integer")
    return value


def map_status(raw: Any) -> AmazonStatus:
    if not isinstance(raw, str):
        raise MalformedOrder("fulfillment.fulfillmentStatus is required")
    try:
        return STATUS_MAP[raw]
    except KeyError:
        raise UnknownValue(f"unknown fulfillment status {raw!r}") from None


def map_channel(raw: Any) -> FulfillmentChannel:
    if not isinstance(raw, str):
        raise MalformedOrder("fulfillment.fulfilledBy is required")
    try:
        return CHANNEL_MAP[raw]
    except KeyError:
        raise UnknownValue(f"unknown fulfilledBy {raw!r}") from None


def map_programs(raw: Any) -> frozenset[str]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list) or not all(isinstance(p, str) for p in raw):
        raise MalformedOrder("programs must be a list of strings")
    unknown = sorted(set(raw) - KNOWN_PROGRAMS)
    if unknown:
        raise UnknownValue(f"unknown program(s) {unknown}")
    return frozenset(raw)


def map_address(raw: Any) -> Address | None:
    recipient = _obj(raw, "recipient")
    addr = _obj(recipient.get("deliveryAddress"), "recipient.deliveryAddress")
    if not addr:
        return None
    lines = tuple(line for key in ("addressLine1", "addressLine2", "addressLine3")
                  if (line := _str(addr.get(key), f"deliveryAddress.{key}")))
    return Address(  # phone, delivery instructions and extended fields are dropped on purpose
        name=_str(addr.get("name"), "deliveryAddress.name"),
        company=_str(addr.get("companyName"), "deliveryAddress.companyName"),
        lines=lines,
        city=_str(addr.get("city"), "deliveryAddress.city"),
        region=_str(addr.get("stateOrRegion"), "deliveryAddress.stateOrRegion"),
        postal_code=_str(addr.get("postalCode"), "deliveryAddress.postalCode"),
        country_code=_str(addr.get("countryCode"), "deliveryAddress.countryCode"),
        address_type=_str(addr.get("addressType"), "deliveryAddress.addressType"),
    )


def map_item(raw: Any, index: int) -> OrderItem:
    where = f"orderItems[{index}]"
    item = _obj(raw, where)
    product = _obj(item.get("product"), f"{where}.product")
    if not product:
        raise MalformedOrder(f"{where}.product is required")
    price = _obj(product.get("price"), f"{where}.product.price")
    fulfillment = _obj(item.get("fulfillment"), f"{where}.fulfillment")
    cancellation = _obj(item.get("cancellation"), f"{where}.cancellation")
    request = _obj(cancellation.get("cancellationRequest"), f"{where}.cancellation.cancellationRequest")
    ordered = _int(item.get("quantityOrdered"), f"{where}.quantityOrdered")
    shipped = _int(fulfillment.get("quantityFulfilled"), f"{where}.fulfillment.quantityFulfilled", default=0)
    return OrderItem(
        order_item_id=_str(item.get("orderItemId"), f"{where}.orderItemId", required=True) or "",
        sku=_str(product.get("sellerSku"), f"{where}.product.sellerSku", required=True) or "",
        asin=_str(product.get("asin"), f"{where}.product.asin"),
        title=_str(product.get("title"), f"{where}.product.title"),
        quantity_ordered=ordered,
        quantity_shipped=shipped,
        unit_price=parse_money(price.get("unitPrice"), f"{where}.product.price.unitPrice"),
        buyer_cancel_requested=request.get("requester") == "BUYER",
    )


def _shipping_total(proceeds: Mapping[str, Any]) -> Money | None:
    breakdowns = proceeds.get("breakdowns") or []
    if not isinstance(breakdowns, list):
        raise MalformedOrder("proceeds.breakdowns must be a list")
    parts = [parse_money(_obj(b, "proceeds.breakdowns[]").get("subtotal"), "proceeds.breakdowns[].subtotal")
             for b in breakdowns if _obj(b, "proceeds.breakdowns[]").get("type") == "SHIPPING"]
    money = [m for m in parts if m is not None]
    if not money:
        return None
    if len({m.currency for m in money}) != 1:
        raise MalformedOrder("shipping breakdowns in several currencies")
    return Money(amount=sum((m.amount for m in money), Decimal(0)), currency=money[0].currency)


def _latest_ship_date(fulfillment: Mapping[str, Any]) -> datetime | None:
    window = _obj(fulfillment.get("shipByWindow"), "fulfillment.shipByWindow")
    # The contract's DateTimeRange says latestDateTime; endTime is accepted as an alias.
    value = window.get("latestDateTime", window.get("endTime"))
    return parse_time(value, "fulfillment.shipByWindow.latestDateTime")


def map_order(raw: Any) -> AmazonOrder:
    """Map one v2026 ``Order`` object. Raises ``OrderMappingError`` on anything unexpected."""
    if not isinstance(raw, Mapping):
        raise MalformedOrder("an order must be a JSON object")
    order_id = raw.get("orderId") if isinstance(raw.get("orderId"), str) else None
    try:
        return _map_order(raw)
    except OrderMappingError as exc:
        exc.order_id = order_id
        raise
    except ValidationError as exc:
        raise MalformedOrder(f"invalid order: {exc.errors(include_url=False)[:3]}", order_id) from exc


def _map_order(raw: Mapping[str, Any]) -> AmazonOrder:
    order_id = _str(raw.get("orderId"), "orderId", required=True) or ""
    sales_channel = _obj(raw.get("salesChannel"), "salesChannel")
    if not sales_channel:
        raise MalformedOrder("salesChannel is required")
    fulfillment = _obj(raw.get("fulfillment"), "fulfillment")
    if not fulfillment:
        raise MalformedOrder("fulfillment is required (includedData=FULFILLMENT)")
    items = raw.get("orderItems")
    if not isinstance(items, list):
        raise MalformedOrder("orderItems is required")
    programs = map_programs(raw.get("programs"))
    proceeds = _obj(raw.get("proceeds"), "proceeds")
    buyer = _obj(raw.get("buyer"), "buyer")
    return AmazonOrder(
        amazon_order_id=order_id,
        marketplace_id=_str(sales_channel.get("marketplaceId"), "salesChannel.marketplaceId",
                            required=True) or "",
        status=map_status(fulfillment.get("fulfillmentStatus")),
        fulfillment_channel=map_channel(fulfillment.get("fulfilledBy")),
        purchase_date=parse_time(raw.get("createdTime"), "createdTime", required=True),  # type: ignore[arg-type]
        last_updated=parse_time(raw.get("lastUpdatedTime"), "lastUpdatedTime", required=True),  # type: ignore[arg-type]
        latest_ship_date=_latest_ship_date(fulfillment),
        is_prime="PRIME" in programs,
        is_business="AMAZON_BUSINESS" in programs,
        is_premium="PREMIUM" in programs,
        order_total=parse_money(proceeds.get("grandTotal"), "proceeds.grandTotal"),
        shipping_total=_shipping_total(proceeds),
        buyer_name=_str(buyer.get("buyerName"), "buyer.buyerName"),
        buyer_email=_str(buyer.get("buyerEmail"), "buyer.buyerEmail"),
        ship_to=map_address(raw.get("recipient")),
        items=tuple(map_item(item, i) for i, item in enumerate(items)),
    )


def map_tracks(raw: Any) -> tuple[ShipmentTrack, ...]:
    """The carrier and tracking number of each package of a v2026 ``Order`` (``packages``, present
    with ``includedData=PACKAGES`` on merchant-fulfilled orders), in Amazon's order, each pair once.
    A package not handed to a carrier yet (no carrier or no tracking number) or ``CANCELLED`` has no
    track; ship-from address, items and times are dropped. Raises ``MalformedOrder`` on wrong types."""
    if not isinstance(raw, Mapping):
        raise MalformedOrder("an order must be a JSON object")
    order_id = raw.get("orderId") if isinstance(raw.get("orderId"), str) else None
    packages = raw.get("packages")
    if packages is None:
        return ()
    if not isinstance(packages, list):
        raise MalformedOrder("packages must be a list", order_id)
    tracks: list[ShipmentTrack] = []
    try:
        for i, value in enumerate(packages):
            where = f"packages[{i}]"
            package = _obj(value, where)
            status = _obj(package.get("packageStatus"), f"{where}.packageStatus").get("status")
            carrier = _str(package.get("carrier"), f"{where}.carrier")
            number = _str(package.get("trackingNumber"), f"{where}.trackingNumber")
            if status == "CANCELLED" or not carrier or not number:
                continue
            track = ShipmentTrack(carrier=carrier.strip() or carrier, tracking_number=number.strip() or number)
            if track not in tracks:
                tracks.append(track)
    except OrderMappingError as exc:
        exc.order_id = order_id
        raise
    return tuple(tracks)
