"""Magento totals add up to the cent: grand_total = subtotal + shipping + tax − discount, in order and
base currency, for every example order of the Orders model and for random charges (hypothesis)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.magento_writer.payload import (
    Charge,
    OrderOptions,
    build_order_entity,
    charges_from_lines,
    charges_of,
    in_base,
    magento_totals,
)
from services.poller.mapping import map_order
from tests.magento_writer.amazon_examples import charges_of_example, example_orders
from tests.magento_writer.factories import amazon_order, target
from tests.magento_writer.schema_check import request_body_schema, violations

D = Decimal


def _d(value: float) -> Decimal:
    return Decimal(repr(value))


def assert_adds_up(entity: dict[str, Any]) -> None:
    """Every sum Magento shows, checked on the JSON numbers sent, exactly."""
    for prefix in ("", "base_"):
        subtotal, shipping = _d(entity[f"{prefix}subtotal"]), _d(entity[f"{prefix}shipping_amount"])
        tax, discount = _d(entity[f"{prefix}tax_amount"]), _d(entity[f"{prefix}discount_amount"])
        assert discount <= 0  # Magento stores the order's discount negative
        assert _d(entity[f"{prefix}grand_total"]) == subtotal + shipping + tax + discount, prefix
        assert _d(entity[f"{prefix}total_due"]) == _d(entity[f"{prefix}grand_total"])
        items = entity["items"]
        assert subtotal == sum((_d(i[f"{prefix}row_total"]) for i in items), D(0))
        item_tax = sum((_d(i[f"{prefix}tax_amount"]) for i in items), D(0))
        ship_tax = _d(entity[f"{prefix}shipping_tax_amount"])
        assert tax == item_tax + ship_tax
        item_discount = sum((_d(i[f"{prefix}discount_amount"]) for i in items), D(0))
        assert -discount == item_discount + _d(entity[f"{prefix}shipping_discount_amount"])
        assert _d(entity[f"{prefix}subtotal_incl_tax"]) == subtotal + item_tax
        assert _d(entity[f"{prefix}shipping_incl_tax"]) == shipping + ship_tax
        for i in items:
            assert _d(i[f"{prefix}row_total_incl_tax"]) == _d(i[f"{prefix}row_total"]) + _d(i[f"{prefix}tax_amount"])
    for value in _numbers(entity):
        assert _d(value) == _d(value).quantize(D("0.0001"))  # Magento's decimal(20,4)


def _numbers(node: Any) -> list[float]:
    if isinstance(node, dict):
        return [n for v in node.values() for n in _numbers(v)]
    if isinstance(node, list):
        return [n for v in node for n in _numbers(v)]
    return [node] if isinstance(node, float) else []


EXAMPLES = example_orders()


@pytest.mark.parametrize("raw", EXAMPLES, ids=[o["orderId"] for o in EXAMPLES])
def test_every_example_order_adds_up_and_keeps_amazons_total(raw: dict[str, Any]) -> None:
    order = map_order(raw)
    charges = charges_of(order)  # what the command's order carries (magento.order.requested v2)
    assert charges == charges_of_example(raw)  # read independently from Amazon's JSON
    options = OrderOptions("checkmo", "flatrate_flatrate", 1, f"AMZ{order.amazon_order_id}")
    entity = build_order_entity(order, target("s1"), options, {})
    assert_adds_up(entity)
    assert violations({"entity": entity}, request_body_schema("/V1/orders/create", "put")) == []
    totals = magento_totals(charges)
    # Amazon's grand total = Magento's grand total + the delivery tip (kept out of the totals).
    assert charges.amazon_total == totals.grand_total + totals.delivery_tip
    assert entity["order_currency_code"] == raw["orderItems"][0]["product"]["price"]["unitPrice"]["currencyCode"]


def test_delivery_tip_and_tax_of_the_model_example() -> None:
    """The issue's case: grand 154.99 over subtotal 149.97 was Amazon's tax 0.02 and a 5.00 tip."""
    raw = next(o for o in EXAMPLES if o["orderId"] == "123-4567890-1234567")
    entity = build_order_entity(
        map_order(raw), target("s1"), OrderOptions("checkmo", "flatrate_flatrate"), {}
    )
    assert (entity["subtotal"], entity["tax_amount"], entity["shipping_amount"]) == (149.97, 0.02, 0.0)
    assert entity["grand_total"] == 149.99
    first = entity["items"][0]
    assert (first["row_total"], first["tax_amount"], first["tax_percent"]) == (99.98, 0.02, 0.02)
    assert "tax_percent" not in entity["items"][1]
    assert "delivery tip of 5.00 USD is not in the order totals" in entity["status_histories"][0]["comment"]


def test_shipping_tax_goes_to_shipping_and_item_tax_percent_is_derived() -> None:
    raw = next(o for o in EXAMPLES if o["orderId"] == "202-1234567-8901234")
    entity = build_order_entity(
        map_order(raw), target("s1"), OrderOptions("checkmo", "flatrate_flatrate"), {}
    )
    assert (entity["subtotal"], entity["shipping_amount"], entity["shipping_tax_amount"]) == (89.97, 10.0, 1.0)
    assert (entity["tax_amount"], entity["grand_total"], entity["order_currency_code"]) == (4.0, 103.97, "GBP")
    assert entity["items"][0]["tax_percent"] == 3.3344  # 3.00 / 89.97
    assert entity["items"][0]["price_incl_tax"] == 30.99


def test_promotions_gift_wrap_and_base_currency() -> None:
    order = amazon_order("113-0000000-0000009", items=(("SKU-1", 2, "20.00"), ("SKU-2", 1, "10.00")))
    charges = charges_from_lines(
        "CAD",
        [
            (
                "item-0",
                2,
                D("20.00"),
                [
                    Charge("ITEM", D("40.00")),
                    Charge("SHIPPING", D("5.00")),
                    Charge("GIFT_WRAP", D("3.99")),
                    Charge("TAX", D("5.20"), "ITEM"),
                    Charge("TAX", D("0.65"), "SHIPPING"),
                    Charge("TAX", D("0.52"), "GIFT_WRAP"),
                    Charge("DISCOUNT", D("-4.00"), "ITEM"),
                    Charge("DISCOUNT", D("-5.00"), "SHIPPING"),
                    Charge("TAX", D("-0.52"), "DISCOUNT"),
                ],
            ),
            ("item-1", 1, D("10.00"), [Charge("ITEM", D("10.00")), Charge("TAX", D("1.30"))]),
        ],
        [Charge("DELIVERY_TIP", D("2.00"))],
    )
    options = OrderOptions("checkmo", "flatrate_flatrate", base_currency_code="USD", base_to_order_rate=D("1.3712"))
    entity = build_order_entity(order, target("s1"), options, {}, charges)
    assert_adds_up(entity)
    assert entity["shipping_amount"] == 8.99 and entity["shipping_tax_amount"] == 1.17
    assert entity["discount_amount"] == -9.0 and entity["shipping_discount_amount"] == 5.0
    assert entity["items"][0]["discount_amount"] == 4.0 and entity["items"][0]["tax_amount"] == 4.68
    assert entity["items"][0]["tax_percent"] == 13.0  # 4.68 / (40.00 − 4.00)
    assert entity["grand_total"] == 50.0 + 8.99 + 4.68 + 1.30 + 1.17 - 9.0
    assert (entity["order_currency_code"], entity["base_currency_code"], entity["base_to_order_rate"]) == (
        "CAD",
        "USD",
        1.3712,
    )
    assert entity["base_subtotal"] == 29.17 + 7.29  # 40.00 / 1.3712, 10.00 / 1.3712, each rounded
    assert "gift wrap 3.99 CAD is in Shipping & Handling" in entity["status_histories"][0]["comment"]


def test_todays_command_data_adds_up_and_names_what_is_not_itemised() -> None:
    order = amazon_order("113-0000000-0000010", items=(("SKU-1", 3, "49.99"),))
    order = order.model_copy(
        update={
            "order_total": order.order_total.model_copy(update={"amount": D("165.01")}),  # type: ignore[union-attr]
            "shipping_total": None,
        }
    )
    entity = build_order_entity(order, target("s1"), OrderOptions("checkmo", "flatrate_flatrate"))
    assert_adds_up(entity)
    assert entity["grand_total"] == 149.97 and entity["tax_amount"] == 0.0
    assert "15.04 USD of it (tax, fees or discounts) is not itemised" in entity["status_histories"][0]["comment"]


KINDS = st.sampled_from(["ITEM", "SHIPPING", "GIFT_WRAP", "COD_FEE", "OTHER", "TAX", "DISCOUNT", "NEW_FEE"])
SUBTYPES = st.sampled_from([None, "ITEM", "SHIPPING", "GIFT_WRAP", "COD_FEE", "OTHER", "DISCOUNT"])
AMOUNTS = st.decimals(min_value=D("-500"), max_value=D("5000"), places=2, allow_nan=False, allow_infinity=False)
LINES = st.lists(st.builds(Charge, KINDS, AMOUNTS, SUBTYPES), max_size=8)
ITEMS = st.lists(st.tuples(st.integers(1, 20), st.one_of(st.none(), AMOUNTS.map(abs)), LINES), min_size=1, max_size=5)
RATES = st.one_of(st.just(D(1)), st.decimals(min_value=D("0.0100"), max_value=D("400"), places=4).filter(bool))


@settings(max_examples=300, deadline=None)
@given(ITEMS, st.lists(st.builds(Charge, st.just("DELIVERY_TIP"), AMOUNTS.map(abs)), max_size=2), RATES)
def test_any_charges_add_up_in_order_and_base_currency(
    rows: list[tuple[int, Decimal | None, list[Charge]]], tips: list[Charge], rate: Decimal
) -> None:
    items = tuple((f"SKU-{n}", qty, "1.00") for n, (qty, _, _) in enumerate(rows))
    order = amazon_order("113-0000000-0000011", items=items)
    charges = charges_from_lines(
        "EUR", [(f"item-{n}", qty, unit, lines) for n, (qty, unit, lines) in enumerate(rows)], tips
    )
    totals = magento_totals(charges)
    signed = sum(
        (abs(c.amount) * -1 if c.type == "DISCOUNT" else c.amount for _, _, lines in rows for c in lines), D(0)
    )
    assert totals.grand_total == signed  # every Amazon charge lands in exactly one Magento total
    assert in_base(totals, rate).grand_total == in_base(totals, rate).subtotal + in_base(totals, rate).shipping + (
        in_base(totals, rate).tax - in_base(totals, rate).discount
    )
    entity = build_order_entity(
        order,
        target("s1"),
        OrderOptions("checkmo", "flatrate_flatrate", base_to_order_rate=rate, base_currency_code="USD"),
        {},
        charges,
    )
    assert_adds_up(entity)
    assert _d(entity["grand_total"]) == totals.grand_total
