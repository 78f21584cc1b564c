"""The ``PUT /V1/orders/create`` entity (``sales-data-order-interface``) for an Amazon order.

Only fields of the 2.4.8 schema are sent, and every field it marks required (``payment.account_status``
and ``cc_last4`` as empty strings, ``status_histories[].parent_id`` 0: Magento sets it to the new
order's id when it saves the comment). Magento computes nothing on this route, so amounts are made
self-consistent here, in ``Decimal``: ``grand_total = subtotal + shipping_amount + tax_amount −
|discount_amount|`` to the cent, in order and in base currency (``magento_totals``, ``in_base``; the
README says where each Amazon charge goes). Buyer data Amazon withholds (FBA, Pending) gets
documented placeholders: name "Amazon Customer", email ``<order id>@marketplace.amazon.invalid``,
street/city/postcode "N/A", telephone "N/A" (when Amazon sends no delivery phone). Regions map to
Magento's region ids where Magento's directory has the country's regions (``resolve_region``).

The order's details (``magento.order.requested`` v2) go where Magento keeps them: the buyer's company
→ billing ``company``, the buyer's VAT id → billing ``vat_id``, gift messages → ``gift_message`` of each
item (and of the order when it has one), the delivery phone → addresses' ``telephone``; PO number, tax
registrations, IOSS number, delivery instructions, promotions, ship/delivery windows and service level
→ order comments (``detail_comments``: Magento Open Source has no fields for them).

Buyer PII arrives sealed (``amazon.order.changed`` v4, issue 20): ``build_order_entity`` opens it with
the writer's decryptor (``services.pii.access.opened``); PII already erased gets the placeholders."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from schemas.events.lifecycle import MagentoTarget
from schemas.events.poller import DetailedAmazonOrder, DetailedOrderItem, ProceedsLine, detailed
from schemas.types import Address, AmazonOrder, FulfillmentChannel, OrderItem, ShipmentTrack
from services.magento_writer.regions import MAGENTO_REGIONS as MAGENTO_REGIONS  # re-exported
from services.magento_writer.regions import Directory
from services.magento_writer.regions import MagentoRegion as MagentoRegion  # re-exported
from services.magento_writer.regions import resolve_region as resolve_region  # re-exported
from services.pii.access import opened

PLACEHOLDER_FIRSTNAME = "Amazon"
PLACEHOLDER_LASTNAME = "Customer"
PLACEHOLDER_EMAIL_DOMAIN = "marketplace.amazon.invalid"
PLACEHOLDER = "N/A"
DEFAULT_STATUS = "pending"
NAME_MAX = 255  # sales_order_address.firstname / lastname are varchar(255)

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
ZERO = Decimal(0)
RATE_PLACES = Decimal("0.0001")  # sales_order_item.tax_percent is decimal(12,4)

# Amazon carrier name (letters and digits only, upper case) → Magento's carrier code for tracking links;
# any other carrier is Magento's "custom" carrier, titled with Amazon's name.
MAGENTO_CARRIERS = {"UPS": "ups", "USPS": "usps", "FEDEX": "fedex", "DHL": "dhl", "DHLEXPRESS": "dhl"}
CUSTOM_CARRIER = "custom"

# ---- names, e-mail ---------------------------------------------------------------------------------------
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_EMAIL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9-]+$")


def _clean(text: str | None) -> str:
    """Control characters (tabs, newlines) as spaces, whitespace collapsed; every other character kept."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def split_name(full: str | None) -> tuple[str, str]:
    """First and last name: the last word is the last name; accents, apostrophes, hyphens, any script
    pass through unchanged. A one-word name keeps "N/A" as last name (Magento requires one)."""
    parts = _clean(full).split()
    if not parts:
        return PLACEHOLDER_FIRSTNAME, PLACEHOLDER_LASTNAME
    if len(parts) == 1:
        return parts[0][:NAME_MAX], PLACEHOLDER
    return " ".join(parts[:-1])[:NAME_MAX], parts[-1][:NAME_MAX]


def buyer_email(order: AmazonOrder) -> str:
    """Amazon's relay address, or the documented placeholder when it is withheld or would fail
    Magento's address e-mail check ("Email has a wrong format")."""
    email = (order.buyer_email or "").strip()
    if email and _EMAIL.match(email):
        return email
    return f"{order.amazon_order_id}@{PLACEHOLDER_EMAIL_DOMAIN}"


def money_currency(order: AmazonOrder) -> str | None:
    """The currency of the order's amounts (its total, shipping, prices or proceeds); None when it has none."""
    order = detailed(order)
    amounts = [order.order_total, order.shipping_total, *(i.unit_price for i in order.items)]
    amounts += [i.proceeds_total for i in order.items] + [p.amount for i in order.items for p in i.proceeds]
    amounts += [p.amount for p in order.proceeds]
    return next((m.currency for m in amounts if m is not None and m.currency), None)


def currency_of(order: AmazonOrder) -> str:
    return money_currency(order) or "USD"


# ---- amounts -------------------------------------------------------------------------------------------------
# Amazon proceeds categories. Item level: ITEM (the row), SHIPPING, GIFT_WRAP, COD_FEE, OTHER (charges),
# TAX and DISCOUNT (each split by ``subtype`` into what it applies to). Order level: DELIVERY_TIP.
ITEM, SHIPPING, GIFT_WRAP, COD_FEE, OTHER, TAX, DISCOUNT, DELIVERY_TIP = (
    "ITEM",
    "SHIPPING",
    "GIFT_WRAP",
    "COD_FEE",
    "OTHER",
    "TAX",
    "DISCOUNT",
    "DELIVERY_TIP",
)
HANDLING = frozenset({SHIPPING, GIFT_WRAP, COD_FEE, OTHER})  # Magento's "Shipping & Handling"


@dataclass(frozen=True)
class Charge:
    """One line of an Amazon proceeds breakdown (``type``, ``subtype`` of a TAX/DISCOUNT detail, amount)."""

    type: str
    amount: Decimal
    subtype: str | None = None


@dataclass(frozen=True)
class ItemCharges:
    order_item_id: str
    quantity: int
    unit_price: Decimal | None
    lines: tuple[Charge, ...]


@dataclass(frozen=True)
class OrderCharges:
    """What Amazon charged for an order, in the order's currency: per item, and at order level."""

    currency: str
    items: tuple[ItemCharges, ...]
    order_lines: tuple[Charge, ...] = ()
    amazon_total: Decimal | None = None


@dataclass(frozen=True)
class ItemTotals:
    order_item_id: str
    qty: int
    price: Decimal
    row_total: Decimal
    tax: Decimal
    tax_percent: Decimal | None
    discount: Decimal


@dataclass(frozen=True)
class Totals:
    """Magento's amounts of one order in one currency; ``discount`` is a magnitude (Magento stores the
    order's ``discount_amount`` negative). Invariant: grand = subtotal + shipping + tax − discount."""

    items: tuple[ItemTotals, ...]
    subtotal: Decimal
    shipping: Decimal
    shipping_tax: Decimal
    shipping_discount: Decimal
    item_tax: Decimal
    item_discount: Decimal
    gift_wrap: Decimal = ZERO
    other_charges: Decimal = ZERO
    delivery_tip: Decimal = ZERO
    unknown: tuple[str, ...] = field(default=())

    @property
    def tax(self) -> Decimal:
        return self.item_tax + self.shipping_tax

    @property
    def discount(self) -> Decimal:
        return self.item_discount + self.shipping_discount

    @property
    def grand_total(self) -> Decimal:
        return self.subtotal + self.shipping + self.tax - self.discount


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: Decimal) -> float:
    return float(cents(value))


def _charge_lines(lines: Iterable[ProceedsLine]) -> list[Charge]:
    """Amazon's proceeds breakdowns as charges: a TAX/DISCOUNT line split by its detailed breakdowns
    (``subtype``), any part of its subtotal the details leave out kept as a line without subtype."""
    out: list[Charge] = []
    for line in lines:
        parts = [Charge(line.type, d.amount.amount, d.subtype) for d in line.details]
        out += parts
        rest = line.amount.amount - sum((c.amount for c in parts), ZERO)
        if rest or not parts:
            out.append(Charge(line.type, rest))
    return out


def charges_of(order: AmazonOrder) -> OrderCharges:
    """What Amazon charged for the command's order: each item's proceeds breakdowns (ITEM, SHIPPING,
    GIFT_WRAP, TAX and DISCOUNT by subtype, …; ``amazon.order.changed`` v3+) and the order's DELIVERY_TIP.
    An item without proceeds (older facts, Pending orders) is its unit price × quantity; when no item
    has proceeds, the order's shipping total goes with the first item. Whatever Amazon's total holds
    beyond these, the order comment names (``history_comment``)."""
    order = detailed(order)
    items = [i for i in order.items if i.quantity_ordered > 0]
    itemised = any(i.proceeds for i in items)
    out: list[ItemCharges] = []
    for n, item in enumerate(items):
        unit = item.unit_price.amount if item.unit_price else None
        lines = _charge_lines(item.proceeds) or [Charge(ITEM, (unit or ZERO) * item.quantity_ordered)]
        if n == 0 and not itemised and order.shipping_total is not None:
            lines.append(Charge(SHIPPING, order.shipping_total.amount))
        out.append(ItemCharges(item.order_item_id, item.quantity_ordered, unit, tuple(lines)))
    tips = tuple(Charge(DELIVERY_TIP, line.amount.amount) for line in order.proceeds if line.type == DELIVERY_TIP)
    if not items and order.shipping_total is not None:
        return OrderCharges(currency_of(order), (), (Charge(SHIPPING, order.shipping_total.amount), *tips))
    return OrderCharges(
        currency_of(order), tuple(out), tips, amazon_total=order.order_total.amount if order.order_total else None
    )


def _tax_percent(tax: Decimal, base: Decimal) -> Decimal | None:
    if tax <= 0 or base <= 0:
        return None
    return (tax * 100 / base).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def magento_totals(charges: OrderCharges) -> Totals:
    """Where each Amazon charge goes in Magento (pure; amounts exact to the cent, never re-rounded):

    * ITEM → the item's row (``row_total``; ``price`` = Amazon's unit price when it multiplies out,
      else the row over the quantity) and the ``subtotal``;
    * SHIPPING, GIFT_WRAP, COD_FEE, OTHER (and any category Amazon adds) → ``shipping_amount``
      ("Shipping & Handling": Magento Open Source has no gift-wrap or fee totals);
    * TAX → the item's ``tax_amount`` for subtype ITEM (or none, or DISCOUNT), else
      ``shipping_tax_amount``; ``tax_percent`` = item tax ÷ (row − item discount), where positive;
    * DISCOUNT (promotions; its sign as Amazon sends it is ignored) → the item's ``discount_amount``,
      or ``shipping_discount_amount`` for subtype SHIPPING;
    * DELIVERY_TIP (order level) → not in the totals: it is not item revenue, is charged after checkout
      and may still change (PENDING); it is named in the order comment.
    Other order-level lines are Amazon's aggregates of the item lines and add nothing."""
    rows: list[ItemTotals] = []
    shipping = shipping_tax = shipping_discount = gift_wrap = other = ZERO
    unknown: list[str] = []
    for item in charges.items:
        row = tax = discount = ZERO
        for line in item.lines:
            kind, sub = line.type.upper(), (line.subtype or "").upper()
            if kind == ITEM:
                row += line.amount
            elif kind == TAX:
                if sub in HANDLING:
                    shipping_tax += line.amount
                else:
                    tax += line.amount
            elif kind == DISCOUNT:
                if sub == SHIPPING:
                    shipping_discount += abs(line.amount)
                else:
                    discount += abs(line.amount)
            else:
                shipping += line.amount
                if kind == GIFT_WRAP:
                    gift_wrap += line.amount
                elif kind != SHIPPING:
                    other += line.amount
                    if kind not in HANDLING and kind not in unknown:
                        unknown.append(kind)
        qty = max(item.quantity, 1)
        if item.unit_price is not None and item.unit_price * item.quantity == row:
            price = item.unit_price
        else:
            price = cents(row / qty)
        rows.append(
            ItemTotals(item.order_item_id, item.quantity, price, row, tax, _tax_percent(tax, row - discount), discount)
        )
    for line in charges.order_lines:
        if line.type.upper() == SHIPPING and not charges.items:
            shipping += line.amount
    tip = sum((line.amount for line in charges.order_lines if line.type.upper() == DELIVERY_TIP), ZERO)
    return Totals(
        items=tuple(rows),
        subtotal=sum((r.row_total for r in rows), ZERO),
        shipping=shipping,
        shipping_tax=shipping_tax,
        shipping_discount=shipping_discount,
        item_tax=sum((r.tax for r in rows), ZERO),
        item_discount=sum((r.discount for r in rows), ZERO),
        gift_wrap=gift_wrap,
        other_charges=other,
        delivery_tip=tip,
        unknown=tuple(unknown),
    )


def in_base(totals: Totals, base_to_order_rate: Decimal) -> Totals:
    """The same totals in base currency (order amount = base amount × rate): each stored component
    converted and rounded to the cent once, the sums taken over the rounded parts, so the base totals
    add up exactly too."""
    if base_to_order_rate == 1:
        return totals

    def conv(value: Decimal) -> Decimal:
        return cents(value / base_to_order_rate)

    rows = tuple(
        ItemTotals(
            r.order_item_id, r.qty, conv(r.price), conv(r.row_total), conv(r.tax), r.tax_percent, conv(r.discount)
        )
        for r in totals.items
    )
    return Totals(
        items=rows,
        subtotal=sum((r.row_total for r in rows), ZERO),
        shipping=conv(totals.shipping),
        shipping_tax=conv(totals.shipping_tax),
        shipping_discount=conv(totals.shipping_discount),
        item_tax=sum((r.tax for r in rows), ZERO),
        item_discount=sum((r.discount for r in rows), ZERO),
        gift_wrap=conv(totals.gift_wrap),
        other_charges=conv(totals.other_charges),
        delivery_tip=conv(totals.delivery_tip),
        unknown=totals.unknown,
    )


@dataclass(frozen=True)
class OrderOptions:
    """Writer-wide settings the payload needs."""

    payment_method: str
    shipping_method: str
    store_id: int | None = None  # numeric Magento store id of target.magento_store_code, when known
    increment_id: str | None = None  # None: Magento's sequence numbers the order
    customer_id: int | None = None  # the buyer's Magento account ("create customer"); None: a guest order
    customer_group_id: int | None = None
    # The store view's base currency and its rate to the order's currency (order = base × rate), as
    # ``store_directory.StoreDirectory`` reads them; None: the order's currency is the base currency.
    base_currency_code: str | None = None
    base_to_order_rate: Decimal = Decimal(1)
    # The install's region directory (``GET /V1/directory/countries``); the default is a fresh install's US/CA.
    regions: Directory = field(default_factory=lambda: MAGENTO_REGIONS)


# ---- addresses ------------------------------------------------------------------------------------------------
def address(order: AmazonOrder, kind: str, regions: Directory = MAGENTO_REGIONS) -> dict[str, Any]:
    """An order address Magento's address validator accepts: every required field non-empty (placeholders
    for what Amazon withholds), the country as Amazon sends it (Puerto Rico and the other territories
    either as their own country or as a US region), the region mapped to Magento's id, code and name
    where Magento lists the country's regions. A region Magento does not list for such a country goes
    as text only (Magento's order address requires no region id); in a country without a region list
    the text goes as is (and as ``region_code`` when it looks like a code)."""
    ship_to = order.ship_to or Address()
    first, last = split_name(ship_to.name or order.buyer_name)
    country = (_clean(ship_to.country_code) or MARKETPLACE_COUNTRY.get(order.marketplace_id, "US")).upper()
    details = detailed(order)
    out: dict[str, Any] = {
        "address_type": kind,
        "firstname": first,
        "lastname": last,
        "street": [line for line in (_clean(raw) for raw in ship_to.lines) if line] or [PLACEHOLDER],
        "city": _clean(ship_to.city) or PLACEHOLDER,
        "postcode": _clean(ship_to.postal_code) or PLACEHOLDER,
        "country_id": country,
        "telephone": _clean(details.delivery_phone) or PLACEHOLDER,
        "email": buyer_email(order),
    }
    company = _clean(details.buyer_company_name if kind == "billing" else None) or _clean(ship_to.company)
    if company:
        out["company"] = company
    vat_id = buyer_vat_id(details) if kind == "billing" else None
    if vat_id:
        out["vat_id"] = vat_id
    region_text = _clean(ship_to.region)
    known = resolve_region(country, region_text, regions)
    if known is not None:
        out.update(region_id=known.id, region_code=known.code, region=known.name)
    elif region_text:
        out["region"] = region_text
        if country not in regions and len(region_text) <= 3 and region_text.isalnum():
            out["region_code"] = region_text.upper()
    return out


def buyer_vat_id(order: DetailedAmazonOrder) -> str | None:
    """The buyer's tax registration number for the billing address's ``vat_id`` (the first one given)."""
    return next((_clean(r.number) for r in order.buyer_tax_registrations if _clean(r.number)), None)


# ---- gift messages and comments ------------------------------------------------------------------------------
def gift_message(order: AmazonOrder, message: str) -> dict[str, str]:
    """``gift-message-data-message-interface`` (sender, recipient and message required): from the buyer
    to the ship-to name, placeholders where Amazon withholds them."""
    sender = _clean(order.buyer_name) or f"{PLACEHOLDER_FIRSTNAME} {PLACEHOLDER_LASTNAME}"
    recipient = _clean(order.ship_to.name if order.ship_to else None) or sender
    return {"sender": sender, "recipient": recipient, "message": message.strip()}


def _window(label: str, earliest: datetime | None, latest: datetime | None) -> str | None:
    ends = [f"{name} {value:%Y-%m-%d %H:%M} UTC" for name, value in (("from", earliest), ("until", latest)) if value]
    return f"{label} {' '.join(ends)}" if ends else None


def detail_comments(order: DetailedAmazonOrder) -> list[str]:
    """The order's details Magento has no field for, one comment per subject (none when there are none)."""
    out: list[str] = []
    b2b: list[str] = []
    if _clean(order.buyer_company_name):
        b2b.append(f"company {_clean(order.buyer_company_name)}")
    if _clean(order.buyer_purchase_order_number):
        b2b.append(f"purchase order {_clean(order.buyer_purchase_order_number)}")
    for reg in order.buyer_tax_registrations:
        what = " ".join(x for x in (_clean(reg.registration_type) or "tax id", _clean(reg.number)) if x)
        if _clean(reg.legal_name):
            what += f" ({_clean(reg.legal_name)})"
        b2b.append(f"tax registration {what}")
    if order.buyer_invoice_preference:
        b2b.append(f"invoice preference {order.buyer_invoice_preference}")
    if b2b:
        out.append(f"Amazon Business buyer: {'; '.join(b2b)}.")
    if order.ioss_number:
        out.append(f"IOSS number {_clean(order.ioss_number)} (Amazon collects the import VAT).")
    prefs = order.delivery_preferences
    texts = (prefs.drop_off_location, prefs.address_instruction) if prefs else ()
    instructions = [x for x in (_clean(t) for t in texts) if x]
    if instructions:
        out.append(f"Delivery instructions: {'; '.join(instructions)}.")
    wraps = sorted({_clean(i.gift.wrap_level) for i in order.items if i.gift is not None and _clean(i.gift.wrap_level)})
    if wraps:
        out.append(f"Gift wrap: {', '.join(wraps)}.")
    promotions = sorted({p for i in order.items for p in i.promotion_ids})
    if promotions:
        out.append(f"Amazon promotions: {', '.join(promotions)}.")
    shipping = [x for x in (
        f"service level {order.fulfillment_service_level}" if order.fulfillment_service_level else None,
        _window("ship", order.ship_by_window.earliest, order.ship_by_window.latest) if order.ship_by_window else None,
        _window("deliver", order.deliver_by_window.earliest, order.deliver_by_window.latest)
        if order.deliver_by_window else None,
    ) if x]
    if shipping:
        out.append(f"Amazon shipping: {'; '.join(shipping)}.")
    return out


def missing_skus(order: AmazonOrder) -> list[str]:
    """Order item ids of ordered items Amazon sent without a seller SKU (Magento needs one per item)."""
    return [i.order_item_id for i in order.items if i.quantity_ordered > 0 and not i.sku.strip()]


# ---- the entity -------------------------------------------------------------------------------------------------
def item_row(
    item: OrderItem,
    store_id: int | None,
    product_id: int | None,
    totals: ItemTotals | None = None,
    base: ItemTotals | None = None,
    gift: dict[str, str] | None = None,
) -> dict[str, Any]:
    if totals is None:  # an item without charges of its own: its unit price × quantity
        price = item.unit_price.amount if item.unit_price else ZERO
        totals = ItemTotals(
            item.order_item_id, item.quantity_ordered, price, price * item.quantity_ordered, ZERO, None, ZERO
        )
    base = base or totals
    qty = max(totals.qty, 1)
    out: dict[str, Any] = {
        "sku": item.sku,
        "name": _clean(item.title) or item.sku,
        "product_type": "simple",
        "ext_order_item_id": item.order_item_id,
        "qty_ordered": item.quantity_ordered,
        "price": money(totals.price),
        "base_price": money(base.price),
        "original_price": money(totals.price),
        "base_original_price": money(base.price),
        "price_incl_tax": money(totals.price + totals.tax / qty),
        "base_price_incl_tax": money(base.price + base.tax / qty),
        "row_total": money(totals.row_total),
        "base_row_total": money(base.row_total),
        "row_total_incl_tax": money(totals.row_total + totals.tax),
        "base_row_total_incl_tax": money(base.row_total + base.tax),
        "tax_amount": money(totals.tax),
        "base_tax_amount": money(base.tax),
        "discount_amount": money(totals.discount),
        "base_discount_amount": money(base.discount),
        "is_virtual": 0,
    }
    if totals.tax_percent is not None:
        out["tax_percent"] = float(totals.tax_percent)
    if gift is not None:
        out["extension_attributes"] = {"gift_message": gift}
    if product_id is not None:
        out["product_id"] = product_id
    if store_id is not None:
        out["store_id"] = store_id
    return out


def _amount(value: Decimal, currency: str) -> str:
    return f"{cents(value)} {currency}"


def history_comment(
    order: AmazonOrder, target: MagentoTarget, totals: Totals | None = None, charges: OrderCharges | None = None
) -> str:
    channel = (
        "Amazon-fulfilled (FBA)" if order.fulfillment_channel == FulfillmentChannel.AMAZON else "merchant-fulfilled"
    )
    text = (
        f"Amazon order {order.amazon_order_id} imported by Sales Channel "
        f"(store {target.store_id}, marketplace {order.marketplace_id}, {channel})."
    )
    if totals is None or charges is None:
        return text
    cur = charges.currency
    notes: list[str] = []
    if totals.gift_wrap:
        notes.append(f"gift wrap {_amount(totals.gift_wrap, cur)} is in Shipping & Handling")
    if totals.other_charges - totals.gift_wrap:
        notes.append(f"other Amazon charges {_amount(totals.other_charges, cur)} are in Shipping & Handling")
    if totals.delivery_tip:
        notes.append(f"the delivery tip of {_amount(totals.delivery_tip, cur)} is not in the order totals")
    if charges.amazon_total is not None:
        gap = charges.amazon_total - totals.delivery_tip - totals.grand_total
        if gap:
            notes.append(
                f"Amazon's order total is {_amount(charges.amazon_total, cur)}: "
                f"{_amount(gap, cur)} of it (tax, fees or discounts) is not itemised on the order yet"
            )
    return text if not notes else f"{text} Totals: {'; '.join(notes)}."


def build_order_entity(
    order: AmazonOrder,
    target: MagentoTarget,
    options: OrderOptions,
    product_ids: dict[str, int] | None = None,
    charges: OrderCharges | None = None,
) -> dict[str, Any]:
    """The entity for the command's order; ``charges`` defaults to what the order carries (``charges_of``)."""
    order = detailed(opened(order))
    product_ids = product_ids or {}
    items = [i for i in order.items if i.quantity_ordered > 0]
    if charges is None:
        charges = charges_of(order)
        if money_currency(order) is None and options.base_currency_code:  # no amounts: nothing to convert
            charges = replace(charges, currency=options.base_currency_code)
    totals = magento_totals(charges)
    rate = options.base_to_order_rate
    base = in_base(totals, rate)
    by_item = {t.order_item_id: t for t in totals.items}
    base_by_item = {t.order_item_id: t for t in base.items}
    qty = sum(i.quantity_ordered for i in items)
    currency = charges.currency
    base_currency = options.base_currency_code or currency
    status = target.settings.order_status or DEFAULT_STATUS
    state = "processing" if target.settings.order_status else "new"
    first, last = split_name(order.buyer_name or (order.ship_to.name if order.ship_to else None))
    shipping_address = address(order, "shipping", options.regions)
    entity: dict[str, Any] = {
        "ext_order_id": order.amazon_order_id,
        "state": state,
        "status": status,
        "customer_is_guest": 1,
        "customer_group_id": 0,
        "customer_email": buyer_email(order),
        "customer_firstname": first,
        "customer_lastname": last,
        "base_currency_code": base_currency,
        "order_currency_code": currency,
        "store_currency_code": base_currency,
        "global_currency_code": base_currency,
        "subtotal": money(totals.subtotal),
        "base_subtotal": money(base.subtotal),
        "subtotal_incl_tax": money(totals.subtotal + totals.item_tax),
        "base_subtotal_incl_tax": money(base.subtotal + base.item_tax),
        "shipping_amount": money(totals.shipping),
        "base_shipping_amount": money(base.shipping),
        "shipping_tax_amount": money(totals.shipping_tax),
        "base_shipping_tax_amount": money(base.shipping_tax),
        "shipping_incl_tax": money(totals.shipping + totals.shipping_tax),
        "base_shipping_incl_tax": money(base.shipping + base.shipping_tax),
        "shipping_discount_amount": money(totals.shipping_discount),
        "base_shipping_discount_amount": money(base.shipping_discount),
        "shipping_description": f"Amazon ({options.shipping_method})",
        "tax_amount": money(totals.tax),
        "base_tax_amount": money(base.tax),
        "discount_amount": -money(totals.discount) or 0.0,
        "base_discount_amount": -money(base.discount) or 0.0,
        "grand_total": money(totals.grand_total),
        "base_grand_total": money(base.grand_total),
        "total_due": money(totals.grand_total),
        "base_total_due": money(base.grand_total),
        "total_qty_ordered": qty,
        "total_item_count": len(items),
        "base_to_global_rate": 1,
        "base_to_order_rate": float(rate),
        "store_to_base_rate": 1,
        "store_to_order_rate": float(rate),
        "is_virtual": 0,
        "items": [
            item_row(
                i,
                options.store_id,
                product_ids.get(i.sku),
                by_item.get(i.order_item_id),
                base_by_item.get(i.order_item_id),
                _item_gift(order, i),
            )
            for i in items
        ],
        "billing_address": address(order, "billing", options.regions),
        "payment": {
            "method": options.payment_method,
            "additional_information": [],
            "account_status": "",
            "cc_last4": "",
        },
        "status_histories": [
            {
                "comment": comment,
                "status": status,
                "is_customer_notified": 0,
                "is_visible_on_front": 0,
                "parent_id": 0,  # required by the schema; Magento sets the new order's id on save
            }
            for comment in (history_comment(order, target, totals, charges), *detail_comments(order))
        ],
        "extension_attributes": {
            "shipping_assignments": [
                {
                    "shipping": {
                        "address": shipping_address,
                        "method": options.shipping_method,
                        "total": {
                            "shipping_amount": money(totals.shipping),
                            "base_shipping_amount": money(base.shipping),
                            "shipping_tax_amount": money(totals.shipping_tax),
                            "base_shipping_tax_amount": money(base.shipping_tax),
                            "shipping_incl_tax": money(totals.shipping + totals.shipping_tax),
                            "base_shipping_incl_tax": money(base.shipping + base.shipping_tax),
                            "shipping_discount_amount": money(totals.shipping_discount),
                            "base_shipping_discount_amount": money(base.shipping_discount),
                        },
                    },
                    "items": [],
                    "stock_id": target.magento_stock_id,
                }
            ]
        },
    }
    if len(order.gift_messages) == 1:  # one message for the whole order: Magento's order gift message too
        entity["extension_attributes"]["gift_message"] = gift_message(order, order.gift_messages[0])
    if options.increment_id:
        entity["increment_id"] = options.increment_id
    if options.store_id is not None:
        entity["store_id"] = options.store_id
    if options.customer_id is not None:
        entity.update(
            customer_is_guest=0, customer_id=options.customer_id, customer_group_id=options.customer_group_id or 1
        )
    return entity


def _item_gift(order: DetailedAmazonOrder, item: OrderItem) -> dict[str, str] | None:
    if isinstance(item, DetailedOrderItem) and item.gift is not None and item.gift.message:
        return gift_message(order, item.gift.message)
    return None


def charges_from_lines(
    currency: str,
    items: Iterable[tuple[str, int, Decimal | None, Iterable[Charge]]],
    order_lines: Iterable[Charge] = (),
    amazon_total: Decimal | None = None,
) -> OrderCharges:
    """OrderCharges from (order item id, quantity, unit price, proceeds lines) rows."""
    return OrderCharges(
        currency,
        tuple(ItemCharges(i, q, u, tuple(lines)) for i, q, u, lines in items),
        tuple(order_lines),
        amazon_total,
    )


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
