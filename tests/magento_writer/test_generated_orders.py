"""Property (issue 17, "Done when"): 1,000 generated valid orders map with no crash and no dead letter.

Each order is a valid ``magento.order.requested`` v2 command (``DetailedAmazonOrder``, encoded and decoded
as the writer reads it) covering every optional field, absent and present: the SP-API sandbox's
marketplaces and currencies, proceeds of every category (and one Amazon adds) with and without detailed
breakdowns, orders without proceeds, delivery tips, gifts, B2B details, delivery instructions, windows,
addresses in any country with regions as codes, names, free text or none, and names and lines with any
character. Each maps through the writer as a create does: the store's facts (regions and currencies as
the stand-in's ``GET /V1/directory/countries`` and ``/V1/directory/currency`` serve them) and
``build_order_entity``. Then:

* the body passes the checks the stand-in runs (``sandbox.magento.schema``: ``coerce`` then ``require``,
  generated from the 2.4.8 contract, and Magento's order-address validator) and the full 2.4.8 schema;
* its totals add up to the cent, in order and base currency, and equal ``charges_of``'s charges;
* an order in a currency the store has no rate for fails as a Magento business error naming what to
  configure, and one with an ordered item without a seller SKU fails before any mapping (both
  ``magento.order.failed``), never as an unexpected exception (what the runner dead-letters).

``GENERATED_ORDERS`` sets the number of orders (default 1,000; about ten seconds)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sandbox.magento.directory import COUNTRIES, Currencies
from sandbox.magento.directory import countries as stand_in_countries
from sandbox.magento.orders import address_warnings
from sandbox.magento.schema import coerce, require
from sandbox.spapi.catalog import MARKETPLACES
from schemas import decode, encode
from schemas.events.lifecycle import MagentoOrderRequestedV2
from schemas.events.poller import (
    DeliveryPreferences,
    DetailedAmazonOrder,
    DetailedOrderItem,
    GiftOption,
    ProceedsDetail,
    ProceedsLine,
    TaxCollection,
    TaxRegistration,
    TimeRange,
)
from schemas.types import Address, AmazonStatus, FulfillmentChannel, Money
from services.magento_writer.currency import base_to_order, currency_info_from
from services.magento_writer.magento.errors import ConfigurationError, MagentoError
from services.magento_writer.payload import (
    OrderOptions,
    build_order_entity,
    charges_of,
    magento_totals,
    missing_skus,
    money_currency,
)
from services.magento_writer.regions import regions_from_countries
from tests.magento_writer.factories import order_requested
from tests.magento_writer.schema_check import request_body_schema, violations

EXAMPLES = int(os.environ.get("GENERATED_ORDERS", "1000"))
D = Decimal
T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)

# The store: base USD; every marketplace currency but one has a rate (CHF: allowed nowhere, no rate).
RATED = {"CAD": 1.3712, "MXN": 17.05, "BRL": 5.01, "GBP": 0.79, "EUR": 0.7067, "PLN": 3.98, "SEK": 10.42,
         "JPY": 149.5, "AUD": 1.52}
_currencies = Currencies()
for _code, _rate in RATED.items():
    _currencies.set_rate("USD", _code, _rate)
    _currencies.allow(_code)
CURRENCY_INFO = currency_info_from(_currencies.information("USD"))
REGIONS = regions_from_countries(stand_in_countries())
ORDER_SCHEMA = request_body_schema("/V1/orders/create", "put")

# ---- what a valid order is made of ---------------------------------------------------------------------------
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=24)  # any character, control ones too
SOME_TEXT = st.one_of(st.none(), TEXT)
WORD = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x24F, exclude_categories=["Cs", "Cc"]),
               min_size=1, max_size=12)
MONEY_AMOUNT = st.integers(0, 250_000).map(lambda cents: D(cents) / 100)  # 0.00 … 2,500.00
OPTIONAL_AMOUNT = st.one_of(st.none(), MONEY_AMOUNT)
CURRENCY = st.sampled_from([*sorted({m.currency for m in MARKETPLACES.values()}), "CHF"])
KINDS = st.sampled_from(["ITEM", "ITEM", "SHIPPING", "TAX", "TAX", "DISCOUNT", "GIFT_WRAP", "COD_FEE", "OTHER",
                         "NEW_FEE"])
SUBTYPES = st.sampled_from(["ITEM", "SHIPPING", "GIFT_WRAP", "COD_FEE", "OTHER", "DISCOUNT", "SOMETHING_NEW"])
SKUS = st.one_of(WORD, st.sampled_from(["", "  "]))  # Amazon may send an item without a seller SKU
EMAILS = st.builds("{}@marketplace.amazon.{}".format, st.from_regex(r"[a-z0-9.+_-]{1,16}", fullmatch=True),
                   st.sampled_from(["com", "de", "co.uk", "co.jp"]))
TIMES = st.one_of(st.none(), st.integers(0, 30 * 24).map(lambda h: T0 + timedelta(hours=h)))
WINDOWS = st.one_of(st.none(), st.builds(TimeRange, earliest=TIMES, latest=TIMES))
GIFTS = st.one_of(st.none(), st.builds(GiftOption, message=SOME_TEXT, wrap_level=SOME_TEXT))
ITEM_PROGRAMS = st.lists(st.sampled_from(["TRANSPARENCY", "SUBSCRIBE_AND_SAVE", "NEW_ONE"]), max_size=2).map(tuple)
PROMOTIONS = st.lists(WORD, max_size=2).map(tuple)
SCHEMES = st.lists(st.sampled_from(["IOSS", "UOSS"]), max_size=1).map(tuple)
TAX_COLLECTIONS = st.lists(
    st.builds(TaxCollection, collection_model=st.just("MARKETPLACE_FACILITATOR"), responsible_party=SOME_TEXT),
    max_size=1,
).map(tuple)
ORDER_PROGRAMS = st.lists(st.sampled_from(["PRIME", "AMAZON_BUSINESS", "PREORDER", "BRAND_NEW"]), max_size=2).map(tuple)
REGISTRATIONS = st.lists(
    st.builds(
        TaxRegistration,
        entity_type=st.sampled_from([None, "BUYER", "MERCHANT", "MARKETPLACE"]),
        registration_type=st.sampled_from([None, "VAT", "BUSINESS", "CNPJ"]),
        number=SOME_TEXT,
        legal_name=SOME_TEXT,
    ),
    max_size=2,
).map(tuple)
PREFERENCES = st.one_of(
    st.none(), st.builds(DeliveryPreferences, drop_off_location=SOME_TEXT, address_instruction=SOME_TEXT)
)


def _money(amount: Decimal | None, currency: str) -> Money | None:
    return Money(amount=amount, currency=currency) if amount is not None else None


def _signed(kind: str, subtype: str | None, amount: Decimal) -> Decimal:
    """Amazon's signs: discounts negative, tax on a discount negative, everything else positive."""
    return -amount if kind == "DISCOUNT" or (kind == "TAX" and subtype == "DISCOUNT") else amount


@st.composite
def proceeds_lines(draw: st.DrawFn, currency: str) -> tuple[ProceedsLine, ...]:
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(KINDS)
        details = []
        if kind in ("TAX", "DISCOUNT") and draw(st.booleans()):
            for _ in range(draw(st.integers(1, 3))):
                sub = draw(SUBTYPES)
                details.append(
                    ProceedsDetail(subtype=sub, amount=Money(amount=_signed(kind, sub, draw(MONEY_AMOUNT)),
                                                             currency=currency))
                )
        total = sum((d.amount.amount for d in details), D(0))
        if not details or draw(st.booleans()):  # a subtotal the details do not (fully) explain
            total += _signed(kind, None, draw(MONEY_AMOUNT))
        lines.append(ProceedsLine(type=kind, amount=Money(amount=total, currency=currency), details=tuple(details)))
    return tuple(lines)


@st.composite
def items(draw: st.DrawFn, currency: str, itemised: bool) -> tuple[DetailedOrderItem, ...]:
    out = []
    for n in range(draw(st.integers(1, 4))):
        qty = draw(st.integers(1, 5)) if n == 0 else draw(st.integers(0, 5))  # at least one ordered
        unit = draw(OPTIONAL_AMOUNT)
        out.append(
            DetailedOrderItem(
                order_item_id=f"{10**13 + n}",
                sku=draw(SKUS),
                asin=draw(st.one_of(st.none(), st.just("B0" + "1" * 8))),
                title=draw(SOME_TEXT),
                quantity_ordered=qty,
                quantity_shipped=draw(st.integers(0, qty)),
                unit_price=_money(unit, currency),
                buyer_cancel_requested=draw(st.booleans()),
                programs=draw(ITEM_PROGRAMS),
                price_designation=draw(st.one_of(st.none(), st.just("BUSINESS_PRICE"))),
                proceeds=draw(proceeds_lines(currency)) if itemised else (),
                promotion_ids=draw(PROMOTIONS),
                gift=draw(GIFTS),
                ioss_number=draw(st.one_of(st.none(), st.just("IM0000000001"))),
                scheduled_delivery_window=draw(WINDOWS),
                tax_reporting_schemes=draw(SCHEMES),
                tax_collections=draw(TAX_COLLECTIONS),
            )
        )
    return tuple(out)


@st.composite
def ship_to(draw: st.DrawFn) -> Address | None:
    if draw(st.integers(0, 9)) == 0:
        return None  # withheld (FBA, Pending)
    country = draw(st.one_of(st.sampled_from(sorted(REGIONS)), st.sampled_from([*sorted(COUNTRIES), None, "", "XK"])))
    listed = REGIONS.get(country or "", ())
    region_choices = [SOME_TEXT]
    if listed:
        region = st.sampled_from(listed)
        region_choices += [region.map(lambda r: r.code), region.map(lambda r: r.name.upper()),
                           region.map(lambda r: f"{country}-{r.code}")]
    return Address(
        name=draw(SOME_TEXT),
        company=draw(SOME_TEXT),
        lines=tuple(draw(st.lists(TEXT, max_size=3))),
        city=draw(SOME_TEXT),
        region=draw(st.one_of(*region_choices)),
        postal_code=draw(SOME_TEXT),
        country_code=country,
        address_type=draw(st.sampled_from([None, "RESIDENTIAL", "COMMERCIAL", "PICKUP_POINT"])),
    )


@st.composite
def orders(draw: st.DrawFn) -> DetailedAmazonOrder:
    currency = draw(CURRENCY)
    market = draw(st.sampled_from([*MARKETPLACES.values(), None]))
    itemised = draw(st.integers(0, 3)) > 0
    lines = draw(items(currency, itemised))
    tips = draw(st.lists(MONEY_AMOUNT, max_size=1))
    fba = draw(st.booleans())
    return DetailedAmazonOrder(
        amazon_order_id=f"{draw(st.integers(100, 999))}-{draw(st.integers(0, 10**7 - 1)):07d}-"
        f"{draw(st.integers(0, 10**7 - 1)):07d}",
        marketplace_id=market.marketplace_id if market else "A1NEWMARKET",
        status=draw(st.sampled_from(list(AmazonStatus))),
        fulfillment_channel=FulfillmentChannel.AMAZON if fba else FulfillmentChannel.MERCHANT,
        purchase_date=T0,
        last_updated=T0 + timedelta(hours=1),
        latest_ship_date=draw(TIMES),
        is_prime=draw(st.booleans()),
        is_business=draw(st.booleans()),
        order_total=_money(draw(OPTIONAL_AMOUNT), currency),
        shipping_total=_money(draw(OPTIONAL_AMOUNT), currency),
        buyer_name=draw(SOME_TEXT),
        buyer_email=draw(st.one_of(st.none(), TEXT, EMAILS)),
        ship_to=draw(ship_to()),
        items=lines,
        programs=draw(ORDER_PROGRAMS),
        fulfilled_by=draw(st.sampled_from([None, "AMAZON", "MERCHANT", "SOMEONE_NEW"])),
        fulfillment_service_level=draw(st.sampled_from([None, "STANDARD", "EXPEDITED", "NEW_LEVEL"])),
        sales_channel=draw(st.sampled_from([None, "AMAZON", "NON_AMAZON"])),
        marketplace_name=market.name if market else None,
        ship_by_window=draw(WINDOWS),
        deliver_by_window=draw(WINDOWS),
        buyer_company_name=draw(SOME_TEXT),
        buyer_purchase_order_number=draw(SOME_TEXT),
        tax_registrations=draw(REGISTRATIONS),
        buyer_invoice_preference=draw(st.sampled_from([None, "INDIVIDUAL", "BUSINESS"])),
        delivery_phone=draw(SOME_TEXT),
        delivery_preferences=draw(PREFERENCES),
        proceeds=tuple(
            ProceedsLine(type="DELIVERY_TIP", amount=Money(amount=tip, currency=currency),
                         status=draw(st.sampled_from(["PENDING", "FINALIZED"])))
            for tip in tips
        ),
    )


# ---- the checks ------------------------------------------------------------------------------------------------
def _d(value: float) -> Decimal:
    return Decimal(repr(value))


def assert_adds_up(entity: dict[str, Any]) -> None:
    for prefix in ("", "base_"):
        subtotal, shipping = _d(entity[f"{prefix}subtotal"]), _d(entity[f"{prefix}shipping_amount"])
        tax, discount = _d(entity[f"{prefix}tax_amount"]), _d(entity[f"{prefix}discount_amount"])
        assert discount <= 0
        assert _d(entity[f"{prefix}grand_total"]) == subtotal + shipping + tax + discount, prefix
        rows = entity["items"]
        assert subtotal == sum((_d(i[f"{prefix}row_total"]) for i in rows), D(0)), prefix
        assert tax == sum((_d(i[f"{prefix}tax_amount"]) for i in rows), D(0)) + _d(
            entity[f"{prefix}shipping_tax_amount"]
        ), prefix
        assert -discount == sum((_d(i[f"{prefix}discount_amount"]) for i in rows), D(0)) + _d(
            entity[f"{prefix}shipping_discount_amount"]
        ), prefix


def as_the_writer_reads_it(order: DetailedAmazonOrder) -> DetailedAmazonOrder:
    """The order through a v2 command on the wire: encoded by the processor, decoded by the writer."""
    command = decode(encode(order_requested("st-gen", order)))
    assert isinstance(command, MagentoOrderRequestedV2)
    return command.data.order


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(generated=orders())
def test_generated_orders_map_without_a_crash_or_a_dead_letter(generated: DetailedAmazonOrder) -> None:
    order = as_the_writer_reads_it(generated)
    assert order == generated
    if missing_skus(order):  # the create handler answers magento.order.failed ("… has no seller SKU") at once
        assert any(not i.sku.strip() for i in order.items if i.quantity_ordered > 0)
        return
    assert CURRENCY_INFO is not None
    try:
        base, rate = base_to_order(CURRENCY_INFO, money_currency(order), "default")
    except ConfigurationError as exc:  # magento.order.failed, with what the merchant must set up
        assert money_currency(order) == "CHF" and "set the USD to CHF rate" in exc.reason
        return
    except MagentoError:
        pytest.fail("only a missing exchange rate may fail an order here")
    options = OrderOptions("checkmo", "flatrate_flatrate", 1, None, base_currency_code=base, base_to_order_rate=rate,
                           regions=REGIONS)
    entity = build_order_entity(order, order_requested("st-gen", order).data.target, options)

    # the stand-in's own checks, generated from the 2.4.8 contract (and Magento's address validator)
    coerced = coerce("sales-data-order-interface", entity)
    require("sales-data-order-interface", coerced, "entity")
    shipping = entity["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]
    assert address_warnings(entity["billing_address"]) == [] and address_warnings(shipping) == []
    assert violations({"entity": entity}, ORDER_SCHEMA) == []

    # totals add up, and are what Amazon charged
    assert_adds_up(entity)
    totals = magento_totals(charges_of(order))
    assert _d(entity["grand_total"]) == totals.grand_total
    assert (entity["order_currency_code"], entity["base_currency_code"]) == (money_currency(order) or base, base)
    assert _d(entity["base_to_order_rate"]) == rate
    for kind in ("billing_address",):
        region_id = entity[kind].get("region_id")
        if region_id is not None:
            assert region_id in {r.id for r in REGIONS[entity[kind]["country_id"]]}
