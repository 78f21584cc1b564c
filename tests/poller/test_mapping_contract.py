"""Every example order of the Orders v2026-01-01 model (the response examples and the
``x-amzn-api-sandbox`` static cases) maps, and keeps what merchants need: B2B, gifts, delivery
instructions and phone, IOSS, promotions and discounts, ship and delivery windows, service level.
The mapping's documented values are the model's "Possible values"."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any

import pytest

from schemas import decode, encode
from schemas.events.poller import AmazonOrderChangedV1, AmazonOrderChangedV3, DetailedAmazonOrder
from services.poller.facts import order_facts
from services.poller.mapping import KNOWN_VALUES, map_order, map_tracks
from tests.harness import shared_path

CONTRACT = shared_path("contracts", "sp-api", "orders_2026-01-01.json")
T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


@cache
def model() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(CONTRACT.read_text())
    return data


def example_orders() -> list[tuple[str, dict[str, Any]]]:
    out: list[tuple[str, dict[str, Any]]] = []
    for ops in model()["paths"].values():
        op = ops["get"]
        for code, response in op["responses"].items():
            bodies = [(f"{op['operationId']} {code} example", body)
                      for body in response.get("examples", {}).values()]
            bodies += [(f"{op['operationId']} {code} sandbox {n}", case["response"])
                       for n, case in enumerate(response.get("x-amzn-api-sandbox", {}).get("static", []))]
            for name, body in bodies:
                orders = body.get("orders") or ([body["order"]] if "order" in body else [])
                out += [(f"{name} {o['orderId']}", o) for o in orders]
    return out


EXAMPLES = example_orders()


def test_the_model_has_the_examples_we_expect() -> None:
    assert len(EXAMPLES) == 8  # 2 response examples, 3 + 3 sandbox cases with an order


def _money(raw: dict[str, Any]) -> tuple[Decimal, str]:
    return Decimal(raw["amount"]), raw["currencyCode"]


def _opt(raw: dict[str, Any] | None, *path: str) -> Any:
    node: Any = raw
    for p in path:
        node = node.get(p) if isinstance(node, dict) else None
    return node or None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


@pytest.mark.parametrize("name, raw", EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_every_example_order_maps_without_losing_what_merchants_need(name: str, raw: dict[str, Any]) -> None:
    seen: list[tuple[str, str, str | None]] = []
    o = map_order(raw, on_unknown=lambda *a: seen.append(a))
    assert not seen, f"{name}: the model's own example has values it does not document: {seen}"
    assert isinstance(o, DetailedAmazonOrder)
    buyer, recipient = raw.get("buyer") or {}, raw.get("recipient") or {}
    address, fulfillment = recipient.get("deliveryAddress") or {}, raw["fulfillment"]
    # B2B
    assert o.buyer_company_name == _opt(buyer, "buyerCompanyName")
    assert o.buyer_purchase_order_number == _opt(buyer, "buyerPurchaseOrderNumber")
    regs = _opt(raw, "tax", "taxRegistrations") or []
    assert [(r.entity_type, r.registration_type, r.number, r.legal_name) for r in o.tax_registrations] == [
        (_opt(r, "entityType"), _opt(r, "taxRegistrationType"), _opt(r, "taxRegistrationNumber"), _opt(r, "legalName"))
        for r in regs]
    for reg, raw_reg in zip(o.tax_registrations, regs, strict=True):
        assert [(a.key, a.value) for a in reg.attributes] == [
            (a["key"], a["value"]) for a in raw_reg.get("taxRegistrationAttributes", [])]
        assert (reg.address is None) == ("taxRegistrationAddress" not in raw_reg)
    assert o.buyer_invoice_preference == _opt(raw, "tax", "taxInvoicing", "buyerInvoicePreference")
    # delivery instructions and phone
    assert o.delivery_phone == _opt(address, "phone")
    pref = recipient.get("deliveryPreference")
    if pref is None:
        assert o.delivery_preferences is None
    else:
        p = o.delivery_preferences
        assert p is not None
        assert p.drop_off_location == pref.get("dropOffLocation")
        assert p.address_instruction == pref.get("addressInstruction")
        assert p.capabilities == tuple(pref.get("deliveryCapabilities", ()))
        hours = _opt(pref, "deliveryTime", "businessHours") or []
        assert [(h.day_of_week, [(w.start.hour, w.end.hour) for w in h.windows if w.start and w.end])
                for h in p.business_hours] == [
            (h["dayOfWeek"], [(w["startTime"]["hour"], w["endTime"]["hour"]) for w in h["timeWindows"]]) for h in hours]
        exceptions = _opt(pref, "deliveryTime", "exceptionDates") or []
        assert [(e.day.isoformat() if e.day else None, e.type) for e in p.exception_dates] == [
            (e["exceptionDate"], e["exceptionDateType"]) for e in exceptions]
    # windows, service level, programs as sent
    ship_by, deliver_by = fulfillment.get("shipByWindow") or {}, fulfillment.get("deliverByWindow") or {}
    assert o.earliest_ship_date == _time(ship_by.get("earliestDateTime"))
    assert o.latest_ship_date == _time(ship_by.get("latestDateTime"))
    assert (o.deliver_by_window.earliest if o.deliver_by_window else None) == _time(deliver_by.get("earliestDateTime"))
    assert (o.deliver_by_window.latest if o.deliver_by_window else None) == _time(deliver_by.get("latestDateTime"))
    assert o.fulfillment_service_level == fulfillment.get("fulfillmentServiceLevel")
    assert o.fulfilled_by == fulfillment.get("fulfilledBy")
    assert o.programs == tuple(raw.get("programs", ()))
    assert o.marketplace_name == raw["salesChannel"].get("marketplaceName")
    assert [(p.type, p.amount.amount, p.amount.currency) for p in o.proceeds] == [
        (b["type"], *_money(b["subtotal"])) for b in _opt(raw, "proceeds", "breakdowns") or []]
    # items: gifts, IOSS, promotions and discounts, proceeds, scheduled delivery
    assert len(o.items) == len(raw["orderItems"])
    for item, raw_item in zip(o.items, raw["orderItems"], strict=True):
        gift = _opt(raw_item, "fulfillment", "packing", "giftOption")
        assert (item.gift and (item.gift.message, item.gift.wrap_level)) == (
            gift and (gift.get("giftMessage"), gift.get("giftWrapLevel")))
        assert item.ioss_number == _opt(raw_item, "fulfillment", "shipping", "internationalShipping", "iossNumber")
        assert item.promotion_ids == tuple(b["promotionId"] for b in _opt(raw_item, "promotion", "breakdowns") or [])
        breakdowns = _opt(raw_item, "proceeds", "breakdowns") or []
        lines = [(p.type, p.amount.amount, [(d.subtype, d.amount.amount) for d in p.details]) for p in item.proceeds]
        assert lines == [
            (b["type"], Decimal(b["subtotal"]["amount"]),
             [(d["subtype"], Decimal(d["value"]["amount"])) for d in b.get("detailedBreakdowns", [])])
            for b in breakdowns]
        discounts = [Decimal(b["subtotal"]["amount"]) for b in breakdowns if b["type"] == "DISCOUNT"]
        assert (item.discount.amount if item.discount else None) == (sum(discounts) if discounts else None)
        total = _opt(raw_item, "proceeds", "proceedsTotal")
        assert (item.proceeds_total and (item.proceeds_total.amount, item.proceeds_total.currency)) == (
            total and _money(total))
        window = _opt(raw_item, "fulfillment", "shipping", "scheduledDeliveryWindow") or {}
        assert (item.scheduled_delivery_window.earliest if item.scheduled_delivery_window else None) == _time(
            window.get("earliestDateTime"))
        assert item.programs == tuple(raw_item.get("programs", ()))
        assert item.price_designation == _opt(raw_item, "product", "price", "priceDesignation")
        schemes = [b["reportingScheme"] for b in _opt(raw_item, "tax", "taxCalculationBreakdowns") or []]
        assert item.tax_reporting_schemes == tuple(schemes)
        assert [(c.collection_model, c.responsible_party) for c in item.tax_collections] == [
            (c.get("model"), c.get("responsibleParty")) for c in _opt(raw_item, "tax", "taxCollections") or []]


@pytest.mark.parametrize("name, raw", EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_every_example_order_goes_out_as_a_v3_fact_that_decodes_as_published(name: str, raw: dict[str, Any]) -> None:
    order = map_order(raw)
    [event] = order_facts("st-a", [order], {}, T0, tracks={order.amazon_order_id: map_tracks(raw)}).events
    assert isinstance(event, AmazonOrderChangedV3) and isinstance(event, AmazonOrderChangedV1)
    decoded = decode(encode(event))
    assert decoded == event
    assert isinstance(decoded, AmazonOrderChangedV3) and decoded.data.order == order


def _possible_values(description: str) -> frozenset[str]:
    tail = description[description.index("Possible value"):]
    return frozenset(re.findall(r"`([A-Z][A-Z0-9_]*)`", tail.split("**Note")[0]))


def _definition_of(path: str) -> tuple[str, str | None]:
    """(definition, property) of a KNOWN_VALUES path."""
    step = {"": "Order", "salesChannel": "SalesChannel", "fulfillment": "OrderFulfillment",
            "proceeds": "OrderProceeds", "proceeds.breakdowns": "OrderProceedsBreakdown",
            "recipient": "Recipient", "recipient.deliveryAddress": "CustomerAddress",
            "recipient.deliveryPreference": "DeliveryPreference", "tax": "OrderTax",
            "tax.taxRegistrations": "OrderTaxRegistration",
            "tax.taxRegistrations.taxRegistrationAttributes": "TaxRegistrationAttribute",
            "tax.taxInvoicing": "OrderTaxInvoicing", "orderItems": "OrderItem",
            "orderItems.product.price": "ItemPrice", "orderItems.proceeds.breakdowns": "ItemProceedsBreakdown",
            "orderItems.proceeds.breakdowns.detailedBreakdowns": "ItemProceedsDetailedBreakdown",
            "orderItems.cancellation.cancellationRequest": "ItemCancellationRequest",
            "orderItems.tax.taxCalculationBreakdowns": "ItemTaxCalculationBreakdown",
            "orderItems.tax.taxCollections": "ItemTaxCollection"}
    parent, _, prop = path.rpartition(".")
    return step[parent], prop


@pytest.mark.parametrize("path", sorted(KNOWN_VALUES))
def test_known_values_are_the_models_possible_values(path: str) -> None:
    definition, prop = _definition_of(path)
    node = model()["definitions"][definition]["properties"][prop]
    if "$ref" in node:  # deliveryCapabilities items: PreferredDeliveryCapability
        node = model()["definitions"][node["$ref"].rsplit("/", 1)[1]]
    if node.get("type") == "array" and "$ref" in node.get("items", {}):
        node = model()["definitions"][node["items"]["$ref"].rsplit("/", 1)[1]]
    assert KNOWN_VALUES[path] == _possible_values(node["description"]), path
