"""The order's details reach the Magento order (issue 17, item 3): company and VAT id on the billing
address, gift messages as Magento gift messages, the delivery phone as telephone, PO number, tax
registrations, IOSS and delivery instructions as order comments; every example order of the Orders
model keeps them and its body validates against the 2.4.8 schema and is accepted by the stand-in."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from sandbox.magento import MagentoState, create_app
from schemas.events.poller import DetailedAmazonOrder
from services.magento_writer.payload import OrderOptions, build_order_entity, missing_skus
from services.poller.mapping import map_order
from tests.magento_writer.amazon_examples import example_orders
from tests.magento_writer.factories import target
from tests.magento_writer.schema_check import request_body_schema, violations
from tests.pii.conftest import pii_order

EXAMPLES = example_orders()
OPTIONS = OrderOptions("checkmo", "flatrate_flatrate")


def _comments(entity: dict[str, Any]) -> str:
    return "\n".join(h["comment"] for h in entity["status_histories"])


def _valid(entity: dict[str, Any]) -> None:
    assert violations({"entity": entity}, request_body_schema("/V1/orders/create", "put")) == []


def test_b2b_gift_phone_and_instructions_go_where_magento_keeps_them() -> None:
    order = pii_order().model_copy(update={"buyer_purchase_order_number": "PO-4711"})
    entity = build_order_entity(order, target("s1"), OPTIONS)
    _valid(entity)
    billing, shipping = entity["billing_address"], entity["extension_attributes"]["shipping_assignments"][0][
        "shipping"]["address"]
    assert billing["company"] == "Hopper Ltd" and billing["vat_id"] == "123.456.789-00"
    assert "vat_id" not in shipping
    assert billing["telephone"] == shipping["telephone"] == "+1 555 0100"
    gift = {"sender": "Grace Hopper", "recipient": "Grace Hopper", "message": "Happy birthday Grace"}
    assert entity["items"][0]["extension_attributes"]["gift_message"] == gift
    assert entity["extension_attributes"]["gift_message"] == gift  # one message: the order's too
    comments = _comments(entity)
    assert "purchase order PO-4711" in comments and "company Hopper Ltd" in comments
    assert "tax registration CPF 123.456.789-00 (Grace Hopper)" in comments
    assert "EU372000041" not in comments  # the marketplace's registration is not the buyer's
    assert "Delivery instructions: Back door; Ring twice." in comments
    assert "Gift wrap: Classic." in comments
    assert all(h["parent_id"] == 0 and h["status"] == entity["status"] for h in entity["status_histories"])


def test_an_order_without_details_gets_the_placeholder_phone_and_one_comment() -> None:
    order = DetailedAmazonOrder.model_validate(pii_order().model_dump() | {
        "delivery_phone": None, "delivery_preferences": None, "buyer_company_name": None,
        "tax_registrations": (), "items": [i.model_dump() | {"gift": None} for i in pii_order().items]})
    entity = build_order_entity(order, target("s1"), OPTIONS)
    _valid(entity)
    assert entity["billing_address"]["telephone"] == "N/A" and "vat_id" not in entity["billing_address"]
    assert entity["billing_address"]["company"] == "Hopper Ltd"  # the ship-to company, as before
    assert len(entity["status_histories"]) == 1 and "gift_message" not in entity["extension_attributes"]


@pytest.mark.parametrize("raw", EXAMPLES, ids=[o["orderId"] for o in EXAMPLES])
def test_every_example_order_keeps_its_details_in_the_magento_order(raw: dict[str, Any]) -> None:
    order = map_order(raw)
    entity = build_order_entity(order, target("s1"), OPTIONS)
    _valid(entity)
    comments = _comments(entity)
    if order.buyer_company_name:
        assert entity["billing_address"]["company"] == order.buyer_company_name.strip()
    if order.buyer_purchase_order_number:
        assert order.buyer_purchase_order_number.strip() in comments
    for reg in order.buyer_tax_registrations:
        assert not reg.number or reg.number.strip() in comments
    if order.delivery_phone:
        assert entity["billing_address"]["telephone"] == " ".join(order.delivery_phone.split())
    if order.ioss_number:
        assert order.ioss_number in comments
    prefs = order.delivery_preferences
    for text in (prefs.drop_off_location, prefs.address_instruction) if prefs else ():
        assert not text or " ".join(text.split()) in comments
    by_item = {row["ext_order_item_id"]: row for row in entity["items"]}
    for item in order.items:
        if item.gift is not None and item.gift.message and item.quantity_ordered > 0:
            assert by_item[item.order_item_id]["extension_attributes"]["gift_message"]["message"] == (
                item.gift.message.strip())


def test_the_examples_cover_the_details() -> None:
    """The example orders exercise what the tests above check (else they would prove nothing)."""
    orders = [map_order(raw) for raw in EXAMPLES]
    assert any(o.buyer_company_name for o in orders)
    assert any(o.buyer_purchase_order_number for o in orders)
    assert any(o.gift_messages for o in orders)
    assert any(o.delivery_phone for o in orders)
    assert any(o.buyer_tax_registrations for o in orders)


def test_the_stand_in_accepts_every_example_with_its_details() -> None:
    state = MagentoState()
    state.enforce_stock_on_create = False  # persistence only: the examples' SKUs are not in its catalog
    client = TestClient(create_app(state))
    auth = {"Authorization": f"Bearer {state.issue_admin_token()}"}
    for raw in EXAMPLES:
        entity = build_order_entity(map_order(raw), target("s1"), OPTIONS)
        resp = client.put("/rest/V1/orders/create", json={"entity": entity}, headers=auth)
        assert resp.status_code == 200, resp.text


def test_items_without_a_seller_sku_are_named() -> None:
    order = pii_order()
    item = order.items[0]
    no_sku = order.model_copy(update={"items": (item, item.model_copy(update={"order_item_id": "i2", "sku": " "}))})
    assert missing_skus(no_sku) == ["i2"] and missing_skus(order) == []
