"""Mapping: an SP-API Orders v2026-01-01 ``Order`` (JSON) → ``DetailedAmazonOrder``.

A tolerant reader. Only what the lifecycle cannot decide without makes an order a dead letter
(``OrderMappingError``, whose ``reason`` is the dead-letter reason): its id, its status
(``fulfillment.fulfillmentStatus``, a closed enum of the model), its items (id, quantity,
product), its creation and update times; and data that breaks the model's types (a string
where an object belongs, a malformed number or time). Everything else is optional:

* an open-string field (``programs``, ``fulfilledBy``, ``fulfillmentServiceLevel``, proceeds types,
  …; ``KNOWN_VALUES``) with a value the model does not document is kept as sent, logged once per
  field and value per process, and counted in ``poller_unknown_values_total{field}``;
* an absent ``fulfilledBy`` (or an unknown one) leaves the order MERCHANT-fulfilled for the
  lifecycle (what the merchant must act on; treating a merchant order as Amazon's would hide
  it until it is late), with ``fulfilled_by`` telling what Amazon sent;
* an absent ``salesChannel.marketplaceId`` takes the store's marketplace when the caller gives it
  (else ``""``); an absent ``product.sellerSku`` leaves the item's SKU ``""``.

Buyer PII (name, email, address, phone, delivery instructions, gift messages, tax registrations)
is carried, never logged: error messages name fields, not their values, and an unknown value is
logged only when it looks like an enum constant. Of a package (``includedData=PACKAGES``,
merchant-fulfilled orders) only its carrier and tracking number are kept (``map_tracks``)."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from schemas.events.poller import (
    BusinessHours,
    DeliveryPreferences,
    DeliveryTimeWindow,
    DetailedAmazonOrder,
    DetailedOrderItem,
    ExceptionDate,
    GiftOption,
    ProceedsDetail,
    ProceedsLine,
    TaxCollection,
    TaxRegistration,
    TaxRegistrationAttribute,
    TimeOfDay,
    TimeRange,
)
from schemas.types import Address, AmazonStatus, FulfillmentChannel, Money, ShipmentTrack
from services.common.logging import get_logger
from services.poller import metrics

log = get_logger(__name__)

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
# An absent or unknown ``fulfilledBy``: the merchant's to act on (see the module's docstring).
DEFAULT_CHANNEL = FulfillmentChannel.MERCHANT

# Every program the v2026 contract documents; only three matter to us.
KNOWN_PROGRAMS = frozenset({
    "AMAZON_BAZAAR", "AMAZON_BUSINESS", "AMAZON_EASY_SHIP", "AMAZON_HAUL", "DELIVERY_BY_AMAZON",
    "FBM_SHIP_PLUS", "INVOICE_BY_AMAZON", "IN_STORE_PICK_UP", "PREMIUM", "PREORDER", "PRIME",
})

# The documented values ("Possible values") of each open-string field we carry, by its path in
# the model. A value outside its set is kept as sent, logged once and counted. A test checks these
# sets against the contract.
KNOWN_VALUES: dict[str, frozenset[str]] = {
    "programs": KNOWN_PROGRAMS,
    "salesChannel.channelName": frozenset({"AMAZON", "NON_AMAZON"}),
    "fulfillment.fulfilledBy": frozenset(CHANNEL_MAP),
    "fulfillment.fulfillmentServiceLevel": frozenset({
        "EXPEDITED", "FREE_ECONOMY", "NEXT_DAY", "PRIORITY", "SAME_DAY", "SECOND_DAY", "SCHEDULED", "STANDARD"}),
    "proceeds.breakdowns.type": frozenset({
        "ITEM", "SHIPPING", "GIFT_WRAP", "COD_FEE", "TAX", "DISCOUNT", "DELIVERY_TIP", "OTHER"}),
    "proceeds.breakdowns.status": frozenset({"PENDING", "FINALIZED"}),
    "recipient.deliveryAddress.addressType": frozenset({"RESIDENTIAL", "COMMERCIAL", "PICKUP_POINT"}),
    "recipient.deliveryPreference.deliveryCapabilities": frozenset({
        "HAS_ACCESS_POINT", "PALLET_ENABLED", "PALLET_DISABLED"}),
    "tax.taxRegistrations.entityType": frozenset({"BUYER", "MERCHANT", "MARKETPLACE"}),
    "tax.taxRegistrations.taxRegistrationType": frozenset({"BUSINESS", "VAT", "CST", "CPF", "CNPJ"}),
    "tax.taxRegistrations.taxRegistrationAttributes.key": frozenset({"TAX_OFFICE"}),
    "tax.taxInvoicing.buyerInvoicePreference": frozenset({"INDIVIDUAL", "BUSINESS"}),
    "orderItems.programs": frozenset({"TRANSPARENCY", "SUBSCRIBE_AND_SAVE"}),
    "orderItems.product.price.priceDesignation": frozenset({"BUSINESS_PRICE"}),
    "orderItems.proceeds.breakdowns.type": frozenset({
        "ITEM", "SHIPPING", "GIFT_WRAP", "COD_FEE", "OTHER", "TAX", "DISCOUNT"}),
    "orderItems.proceeds.breakdowns.detailedBreakdowns.subtype": frozenset({
        "ITEM", "SHIPPING", "GIFT_WRAP", "COD_FEE", "OTHER", "DISCOUNT"}),
    "orderItems.cancellation.cancellationRequest.requester": frozenset({"BUYER"}),
    "orderItems.tax.taxCalculationBreakdowns.reportingScheme": frozenset({"UOSS", "IOSS"}),
    "orderItems.tax.taxCollections.model": frozenset({"MARKETPLACE_FACILITATOR"}),
}
metrics.bind_unknown_value_fields(KNOWN_VALUES)

# (field, value, order id or None): called for every unknown value read.
UnknownValueHook = Callable[[str, str, str | None], None]

_LOGGABLE = re.compile(r"[A-Za-z0-9_.\-]{1,64}")  # an enum constant, not free text (which may be PII)
_MAX_REMEMBERED = 10_000  # distinct unknown values remembered for "log once" (memory bound)
_logged: set[tuple[str, str]] = set()
_logged_lock = threading.Lock()


def shown(value: str) -> str:
    """A value as it may appear in a log line or an error message: enum-like constants as they are,
    anything else (free text could be PII) only by its length."""
    return value if _LOGGABLE.fullmatch(value) else f"<{len(value)} characters>"


def report_unknown_value(field: str, value: str, order_id: str | None) -> None:
    """The default ``UnknownValueHook``: count every occurrence, log each (field, value) once per process."""
    metrics.unknown_value(field)
    key = (field, value)
    with _logged_lock:
        if key in _logged or len(_logged) >= _MAX_REMEMBERED:
            return
        _logged.add(key)
    log.warning("unknown_amazon_value", field=field, value=shown(value), order=order_id,
                note="kept as sent; the model does not document this value")


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


# --- JSON readers: a wrong type is a malformed order; messages name the field, never the value ---


def _obj(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise MalformedOrder(f"{where} must be an object, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedOrder(f"{where} must be a list, got {type(value).__name__}")
    return value


def _str(value: Any, where: str, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise MalformedOrder(f"{where} is required")
        return None
    if not isinstance(value, str):
        raise MalformedOrder(f"{where} must be a string")
    return value


def _strs(value: Any, where: str) -> tuple[str, ...]:
    """A list of strings, each once, in order (empty strings dropped)."""
    out: list[str] = []
    for v in _list(value, where):
        if not isinstance(v, str):
            raise MalformedOrder(f"{where} must be a list of strings")
        if v and v not in out:
            out.append(v)
    return tuple(out)


def parse_time(value: Any, where: str, required: bool = False) -> datetime | None:
    text = _str(value, where, required)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1:] in ("Z", "z") else text)
    except ValueError as exc:
        raise MalformedOrder(f"{where}: not an ISO 8601 time: {shown(text)}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _day(value: Any, where: str) -> date | None:
    text = _str(value, where)
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise MalformedOrder(f"{where}: not an ISO 8601 date: {shown(text)}") from exc


_MAX_AMOUNT_EXPONENT = 30  # |amount| < 10**31: beyond it a figure is not money (and overflows arithmetic)


def parse_money(value: Any, where: str) -> Money | None:
    if value is None:
        return None
    obj = _obj(value, where)
    amount, currency = obj.get("amount"), obj.get("currencyCode")
    if not isinstance(amount, str | int | float) or isinstance(amount, bool):
        raise MalformedOrder(f"{where}.amount is missing or not a decimal")
    try:
        dec = Decimal(str(amount).strip())
    except InvalidOperation as exc:
        raise MalformedOrder(f"{where}.amount is not a decimal: {shown(str(amount))}") from exc
    if not dec.is_finite():
        raise MalformedOrder(f"{where}.amount is not finite")
    if dec and abs(dec.adjusted()) > _MAX_AMOUNT_EXPONENT:
        raise MalformedOrder(f"{where}.amount is out of range")
    if not isinstance(currency, str) or len(currency) != 3:
        raise MalformedOrder(f"{where}.currencyCode must be a 3-letter code")
    return Money(amount=dec, currency=currency)


def _int(value: Any, where: str, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedOrder(f"{where} must be a non-negative integer")
    return value


def _opt_int(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise MalformedOrder(f"{where} must be an integer")
    return value


def _range(value: Any, where: str) -> TimeRange | None:
    window = _obj(value, where)
    if not window:
        return None
    # The contract's DateTimeRange says earliest/latestDateTime; startTime/endTime are accepted as aliases.
    earliest = parse_time(window.get("earliestDateTime", window.get("startTime")), f"{where}.earliestDateTime")
    latest = parse_time(window.get("latestDateTime", window.get("endTime")), f"{where}.latestDateTime")
    if earliest is None and latest is None:
        return None
    return TimeRange(earliest=earliest, latest=latest)


class _Reader:
    """Reads one order: knows its id (for the unknown-value reports) and where they go."""

    def __init__(self, order_id: str | None, on_unknown: UnknownValueHook) -> None:
        self.order_id = order_id
        self.on_unknown = on_unknown

    def open_str(self, value: Any, where: str, known: str) -> str | None:
        """An open-string field: kept as sent; a value the model does not document is reported."""
        text = _str(value, where)
        if text is not None and text not in KNOWN_VALUES[known]:
            self.on_unknown(known, text, self.order_id)
        return text

    def open_type(self, value: Any, where: str, known: str) -> str:
        """A required open-string field: a string, kept as sent (even empty)."""
        if not isinstance(value, str):
            raise MalformedOrder(f"{where} is required and must be a string")
        if value not in KNOWN_VALUES[known]:
            self.on_unknown(known, value, self.order_id)
        return value

    def open_strs(self, value: Any, where: str, known: str) -> tuple[str, ...]:
        values = _strs(value, where)
        for v in values:
            if v not in KNOWN_VALUES[known]:
                self.on_unknown(known, v, self.order_id)
        return values


def map_status(raw: Any) -> AmazonStatus:
    if not isinstance(raw, str):
        raise MalformedOrder("fulfillment.fulfillmentStatus is required")
    try:
        return STATUS_MAP[raw]
    except KeyError:
        raise UnknownValue(f"unknown fulfillment status {shown(raw)}") from None


def map_channel(raw: str | None) -> FulfillmentChannel:
    """The lifecycle's fulfillment channel: MERCHANT unless Amazon says AMAZON."""
    return CHANNEL_MAP.get(raw or "", DEFAULT_CHANNEL)


def map_programs(raw: Any, on_unknown: UnknownValueHook | None = None, order_id: str | None = None
                 ) -> tuple[str, ...]:
    """The order's programs as sent, each once; unknown ones are reported, not refused."""
    return _Reader(order_id, on_unknown or report_unknown_value).open_strs(raw, "programs", "programs")


def _address(obj: Mapping[str, Any], where: str, r: _Reader) -> Address | None:
    if not obj:
        return None
    lines = tuple(line for key in ("addressLine1", "addressLine2", "addressLine3")
                  if (line := _str(obj.get(key), f"{where}.{key}")))
    return Address(  # phone (carried apart) and the extended fields (Brazil) are not part of it
        name=_str(obj.get("name"), f"{where}.name"),
        company=_str(obj.get("companyName"), f"{where}.companyName"),
        lines=lines,
        city=_str(obj.get("city"), f"{where}.city"),
        region=_str(obj.get("stateOrRegion"), f"{where}.stateOrRegion"),
        postal_code=_str(obj.get("postalCode"), f"{where}.postalCode"),
        country_code=_str(obj.get("countryCode"), f"{where}.countryCode"),
        address_type=r.open_str(obj.get("addressType"), f"{where}.addressType",
                                "recipient.deliveryAddress.addressType"),
    )


def map_address(raw: Any, on_unknown: UnknownValueHook | None = None) -> Address | None:
    """The delivery address of a ``recipient`` (without its phone)."""
    recipient = _obj(raw, "recipient")
    where = "recipient.deliveryAddress"
    return _address(_obj(recipient.get("deliveryAddress"), where), where,
                    _Reader(None, on_unknown or report_unknown_value))


def _windows(value: Any, where: str) -> tuple[DeliveryTimeWindow, ...]:
    out = []
    for i, raw in enumerate(_list(value, where)):
        w = _obj(raw, f"{where}[{i}]")
        ends = {}
        for end in ("startTime", "endTime"):
            hm = _obj(w.get(end), f"{where}[{i}].{end}")
            ends[end] = TimeOfDay(hour=_opt_int(hm.get("hour"), f"{where}[{i}].{end}.hour"),
                                  minute=_opt_int(hm.get("minute"), f"{where}[{i}].{end}.minute")) if hm else None
        out.append(DeliveryTimeWindow(start=ends["startTime"], end=ends["endTime"]))
    return tuple(out)


def _delivery_preferences(value: Any, r: _Reader) -> DeliveryPreferences | None:
    where = "recipient.deliveryPreference"
    pref = _obj(value, where)
    if not pref:
        return None
    when = _obj(pref.get("deliveryTime"), f"{where}.deliveryTime")
    hours = []
    for i, raw in enumerate(_list(when.get("businessHours"), f"{where}.deliveryTime.businessHours")):
        h = _obj(raw, f"{where}.deliveryTime.businessHours[{i}]")
        hours.append(BusinessHours(
            day_of_week=_str(h.get("dayOfWeek"), f"{where}.deliveryTime.businessHours[{i}].dayOfWeek"),
            windows=_windows(h.get("timeWindows"), f"{where}.deliveryTime.businessHours[{i}].timeWindows")))
    exceptions = []
    for i, raw in enumerate(_list(when.get("exceptionDates"), f"{where}.deliveryTime.exceptionDates")):
        e = _obj(raw, f"{where}.deliveryTime.exceptionDates[{i}]")
        at = f"{where}.deliveryTime.exceptionDates[{i}]"
        exceptions.append(ExceptionDate(day=_day(e.get("exceptionDate"), f"{at}.exceptionDate"),
                                        type=_str(e.get("exceptionDateType"), f"{at}.exceptionDateType"),
                                        windows=_windows(e.get("timeWindows"), f"{at}.timeWindows")))
    return DeliveryPreferences(
        drop_off_location=_str(pref.get("dropOffLocation"), f"{where}.dropOffLocation"),
        address_instruction=_str(pref.get("addressInstruction"), f"{where}.addressInstruction"),
        capabilities=r.open_strs(pref.get("deliveryCapabilities"), f"{where}.deliveryCapabilities",
                                 "recipient.deliveryPreference.deliveryCapabilities"),
        business_hours=tuple(hours),
        exception_dates=tuple(exceptions),
    )


def _tax_registrations(tax: Mapping[str, Any], r: _Reader) -> tuple[TaxRegistration, ...]:
    out = []
    for i, raw in enumerate(_list(tax.get("taxRegistrations"), "tax.taxRegistrations")):
        where = f"tax.taxRegistrations[{i}]"
        reg = _obj(raw, where)
        attributes = []
        for j, attr in enumerate(_list(reg.get("taxRegistrationAttributes"), f"{where}.taxRegistrationAttributes")):
            a = _obj(attr, f"{where}.taxRegistrationAttributes[{j}]")
            attributes.append(TaxRegistrationAttribute(
                key=r.open_str(a.get("key"), f"{where}.taxRegistrationAttributes[{j}].key",
                               "tax.taxRegistrations.taxRegistrationAttributes.key"),
                value=_str(a.get("value"), f"{where}.taxRegistrationAttributes[{j}].value")))
        out.append(TaxRegistration(
            entity_type=r.open_str(reg.get("entityType"), f"{where}.entityType", "tax.taxRegistrations.entityType"),
            registration_type=r.open_str(reg.get("taxRegistrationType"), f"{where}.taxRegistrationType",
                                         "tax.taxRegistrations.taxRegistrationType"),
            number=_str(reg.get("taxRegistrationNumber"), f"{where}.taxRegistrationNumber"),
            legal_name=_str(reg.get("legalName"), f"{where}.legalName"),
            address=_address(_obj(reg.get("taxRegistrationAddress"), f"{where}.taxRegistrationAddress"),
                             f"{where}.taxRegistrationAddress", r),
            attributes=tuple(attributes),
        ))
    return tuple(out)


def _order_proceeds(proceeds: Mapping[str, Any], r: _Reader) -> tuple[ProceedsLine, ...]:
    out = []
    for i, raw in enumerate(_list(proceeds.get("breakdowns"), "proceeds.breakdowns")):
        where = f"proceeds.breakdowns[{i}]"
        b = _obj(raw, where)
        kind = r.open_type(b.get("type"), f"{where}.type", "proceeds.breakdowns.type")
        amount = parse_money(b.get("subtotal"), f"{where}.subtotal")
        if amount is None:
            raise MalformedOrder(f"{where}.subtotal is required")
        out.append(ProceedsLine(type=kind, amount=amount,
                                status=r.open_str(b.get("status"), f"{where}.status", "proceeds.breakdowns.status")))
    return tuple(out)


def _item_proceeds(proceeds: Mapping[str, Any], where: str, r: _Reader) -> tuple[ProceedsLine, ...]:
    out = []
    for i, raw in enumerate(_list(proceeds.get("breakdowns"), f"{where}.breakdowns")):
        at = f"{where}.breakdowns[{i}]"
        b = _obj(raw, at)
        kind = r.open_type(b.get("type"), f"{at}.type", "orderItems.proceeds.breakdowns.type")
        amount = parse_money(b.get("subtotal"), f"{at}.subtotal")
        if amount is None:
            raise MalformedOrder(f"{at}.subtotal is required")
        details = []
        for j, d in enumerate(_list(b.get("detailedBreakdowns"), f"{at}.detailedBreakdowns")):
            detail = _obj(d, f"{at}.detailedBreakdowns[{j}]")
            value = parse_money(detail.get("value"), f"{at}.detailedBreakdowns[{j}].value")
            if value is None:
                continue  # a detail without an amount says nothing
            details.append(ProceedsDetail(
                subtype=r.open_str(detail.get("subtype"), f"{at}.detailedBreakdowns[{j}].subtype",
                                   "orderItems.proceeds.breakdowns.detailedBreakdowns.subtype"),
                amount=value))
        out.append(ProceedsLine(type=kind, amount=amount, details=tuple(details)))
    return tuple(out)


def _shipping_total(lines: tuple[ProceedsLine, ...]) -> Money | None:
    money = [line.amount for line in lines if line.type == "SHIPPING"]
    if not money:
        return None
    if len({m.currency for m in money}) != 1:
        raise MalformedOrder("shipping breakdowns in several currencies")
    return Money(amount=sum((m.amount for m in money), Decimal(0)), currency=money[0].currency)


def _item(raw: Any, index: int, r: _Reader) -> DetailedOrderItem:
    where = f"orderItems[{index}]"
    item = _obj(raw, where)
    if item.get("product") is None:
        raise MalformedOrder(f"{where}.product is required")
    product = _obj(item.get("product"), f"{where}.product")
    price = _obj(product.get("price"), f"{where}.product.price")
    fulfillment = _obj(item.get("fulfillment"), f"{where}.fulfillment")
    packing = _obj(fulfillment.get("packing"), f"{where}.fulfillment.packing")
    gift = _obj(packing.get("giftOption"), f"{where}.fulfillment.packing.giftOption")
    shipping = _obj(fulfillment.get("shipping"), f"{where}.fulfillment.shipping")
    international = _obj(shipping.get("internationalShipping"), f"{where}.fulfillment.shipping.internationalShipping")
    cancellation = _obj(item.get("cancellation"), f"{where}.cancellation")
    request = _obj(cancellation.get("cancellationRequest"), f"{where}.cancellation.cancellationRequest")
    requester = r.open_str(request.get("requester"), f"{where}.cancellation.cancellationRequest.requester",
                           "orderItems.cancellation.cancellationRequest.requester")
    proceeds = _obj(item.get("proceeds"), f"{where}.proceeds")
    promotion = _obj(item.get("promotion"), f"{where}.promotion")
    promotion_ids: list[str] = []
    for i, p in enumerate(_list(promotion.get("breakdowns"), f"{where}.promotion.breakdowns")):
        pid = _str(_obj(p, f"{where}.promotion.breakdowns[{i}]").get("promotionId"),
                   f"{where}.promotion.breakdowns[{i}].promotionId")
        if pid and pid not in promotion_ids:
            promotion_ids.append(pid)
    tax = _obj(item.get("tax"), f"{where}.tax")
    schemes: list[str] = []
    for i, b in enumerate(_list(tax.get("taxCalculationBreakdowns"), f"{where}.tax.taxCalculationBreakdowns")):
        scheme = r.open_str(_obj(b, f"{where}.tax.taxCalculationBreakdowns[{i}]").get("reportingScheme"),
                            f"{where}.tax.taxCalculationBreakdowns[{i}].reportingScheme",
                            "orderItems.tax.taxCalculationBreakdowns.reportingScheme")
        if scheme and scheme not in schemes:
            schemes.append(scheme)
    collections = []
    for i, c in enumerate(_list(tax.get("taxCollections"), f"{where}.tax.taxCollections")):
        coll = _obj(c, f"{where}.tax.taxCollections[{i}]")
        collections.append(TaxCollection(
            collection_model=r.open_str(coll.get("model"), f"{where}.tax.taxCollections[{i}].model",
                                        "orderItems.tax.taxCollections.model"),
            responsible_party=_str(coll.get("responsibleParty"), f"{where}.tax.taxCollections[{i}].responsibleParty")))
    gift_option = None
    if gift:
        gift_option = GiftOption(
            message=_str(gift.get("giftMessage"), f"{where}.fulfillment.packing.giftOption.giftMessage"),
            wrap_level=_str(gift.get("giftWrapLevel"), f"{where}.fulfillment.packing.giftOption.giftWrapLevel"))
    return DetailedOrderItem(
        order_item_id=_str(item.get("orderItemId"), f"{where}.orderItemId", required=True) or "",
        sku=_str(product.get("sellerSku"), f"{where}.product.sellerSku") or "",
        asin=_str(product.get("asin"), f"{where}.product.asin"),
        title=_str(product.get("title"), f"{where}.product.title"),
        quantity_ordered=_int(item.get("quantityOrdered"), f"{where}.quantityOrdered"),
        quantity_shipped=_int(fulfillment.get("quantityFulfilled"), f"{where}.fulfillment.quantityFulfilled",
                              default=0),
        unit_price=parse_money(price.get("unitPrice"), f"{where}.product.price.unitPrice"),
        buyer_cancel_requested=requester == "BUYER",
        programs=r.open_strs(item.get("programs"), f"{where}.programs", "orderItems.programs"),
        price_designation=r.open_str(price.get("priceDesignation"), f"{where}.product.price.priceDesignation",
                                     "orderItems.product.price.priceDesignation"),
        proceeds_total=parse_money(proceeds.get("proceedsTotal"), f"{where}.proceeds.proceedsTotal"),
        proceeds=_item_proceeds(proceeds, f"{where}.proceeds", r),
        promotion_ids=tuple(promotion_ids),
        gift=gift_option,
        ioss_number=_str(international.get("iossNumber"),
                         f"{where}.fulfillment.shipping.internationalShipping.iossNumber"),
        scheduled_delivery_window=_range(shipping.get("scheduledDeliveryWindow"),
                                         f"{where}.fulfillment.shipping.scheduledDeliveryWindow"),
        tax_reporting_schemes=tuple(schemes),
        tax_collections=tuple(collections),
    )


def map_item(raw: Any, index: int, on_unknown: UnknownValueHook | None = None) -> DetailedOrderItem:
    return _item(raw, index, _Reader(None, on_unknown or report_unknown_value))


def map_order(raw: Any, *, marketplace_id: str | None = None,
              on_unknown: UnknownValueHook | None = None) -> DetailedAmazonOrder:
    """Map one v2026 ``Order`` object. Raises ``OrderMappingError`` when the order cannot be used.

    ``marketplace_id``: the store's marketplace, used when the order names none. ``on_unknown``:
    where unknown values of open-string fields are reported (default: log once, count)."""
    if not isinstance(raw, Mapping):
        raise MalformedOrder("an order must be a JSON object")
    order_id = raw.get("orderId") if isinstance(raw.get("orderId"), str) else None
    try:
        return _map_order(raw, _Reader(order_id, on_unknown or report_unknown_value), marketplace_id)
    except OrderMappingError as exc:
        exc.order_id = order_id
        raise
    except ValidationError as exc:  # without the inputs: they may hold buyer PII
        raise MalformedOrder(f"invalid order: {exc.errors(include_url=False, include_input=False)[:3]}",
                             order_id) from exc


def _map_order(raw: Mapping[str, Any], r: _Reader, default_marketplace: str | None) -> DetailedAmazonOrder:
    order_id = _str(raw.get("orderId"), "orderId", required=True) or ""
    sales_channel = _obj(raw.get("salesChannel"), "salesChannel")
    if not sales_channel:
        raise MalformedOrder("salesChannel is required")
    fulfillment = _obj(raw.get("fulfillment"), "fulfillment")
    if not fulfillment:
        raise MalformedOrder("fulfillment is required (includedData=FULFILLMENT)")
    status = map_status(fulfillment.get("fulfillmentStatus"))
    items = raw.get("orderItems")
    if not isinstance(items, list):
        raise MalformedOrder("orderItems is required")
    programs = r.open_strs(raw.get("programs"), "programs", "programs")
    fulfilled_by = r.open_str(fulfillment.get("fulfilledBy"), "fulfillment.fulfilledBy", "fulfillment.fulfilledBy")
    proceeds = _obj(raw.get("proceeds"), "proceeds")
    order_proceeds = _order_proceeds(proceeds, r)
    buyer = _obj(raw.get("buyer"), "buyer")
    recipient = _obj(raw.get("recipient"), "recipient")
    delivery = _obj(recipient.get("deliveryAddress"), "recipient.deliveryAddress")
    tax = _obj(raw.get("tax"), "tax")
    invoicing = _obj(tax.get("taxInvoicing"), "tax.taxInvoicing")
    ship_by = _range(fulfillment.get("shipByWindow"), "fulfillment.shipByWindow")
    return DetailedAmazonOrder(
        amazon_order_id=order_id,
        marketplace_id=_str(sales_channel.get("marketplaceId"), "salesChannel.marketplaceId")
        or default_marketplace or "",
        status=status,
        fulfillment_channel=map_channel(fulfilled_by),
        purchase_date=parse_time(raw.get("createdTime"), "createdTime", required=True),  # type: ignore[arg-type]
        last_updated=parse_time(raw.get("lastUpdatedTime"), "lastUpdatedTime", required=True),  # type: ignore[arg-type]
        latest_ship_date=ship_by.latest if ship_by else None,
        is_prime="PRIME" in programs,
        is_business="AMAZON_BUSINESS" in programs,
        is_premium="PREMIUM" in programs,
        order_total=parse_money(proceeds.get("grandTotal"), "proceeds.grandTotal"),
        shipping_total=_shipping_total(order_proceeds),
        buyer_name=_str(buyer.get("buyerName"), "buyer.buyerName"),
        buyer_email=_str(buyer.get("buyerEmail"), "buyer.buyerEmail"),
        ship_to=_address(delivery, "recipient.deliveryAddress", r),
        items=tuple(_item(item, i, r) for i, item in enumerate(items)),
        programs=programs,
        fulfilled_by=fulfilled_by,
        fulfillment_service_level=r.open_str(fulfillment.get("fulfillmentServiceLevel"),
                                             "fulfillment.fulfillmentServiceLevel",
                                             "fulfillment.fulfillmentServiceLevel"),
        sales_channel=r.open_str(sales_channel.get("channelName"), "salesChannel.channelName",
                                 "salesChannel.channelName"),
        marketplace_name=_str(sales_channel.get("marketplaceName"), "salesChannel.marketplaceName"),
        ship_by_window=ship_by,
        deliver_by_window=_range(fulfillment.get("deliverByWindow"), "fulfillment.deliverByWindow"),
        buyer_company_name=_str(buyer.get("buyerCompanyName"), "buyer.buyerCompanyName"),
        buyer_purchase_order_number=_str(buyer.get("buyerPurchaseOrderNumber"), "buyer.buyerPurchaseOrderNumber"),
        tax_registrations=_tax_registrations(tax, r),
        buyer_invoice_preference=r.open_str(invoicing.get("buyerInvoicePreference"),
                                            "tax.taxInvoicing.buyerInvoicePreference",
                                            "tax.taxInvoicing.buyerInvoicePreference"),
        delivery_phone=_str(delivery.get("phone"), "recipient.deliveryAddress.phone"),
        delivery_preferences=_delivery_preferences(recipient.get("deliveryPreference"), r),
        proceeds=order_proceeds,
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
