"""searchOrders and getOrder answers validate against the official v2026-01-01 model, for
every kind of order the lifecycle produces, and carry the semantics Amazon documents."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sandbox.spapi import SandboxState
from tests.sandbox.spapi.contract import assert_valid, violations
from tests.sandbox.spapi.helpers import EVERYTHING, LONG_AGO, SellerSession, get_order, search

ORDER_ID = re.compile(r"^\d{3}-\d{7}-\d{7}$")
AMOUNT = re.compile(r"^\d+\.\d{2}$")


@pytest.fixture
def catalog(state: SandboxState, seller: SellerSession) -> dict[str, str]:
    """One order of each kind, keyed by a name; the clock is then moved past the 2-minute rule."""
    sid = seller.seller_id
    two_units = [
        {"quantity": 3, "seller_sku": "SKU-A", "unit_price": "10.00"},
        {"quantity": 1, "seller_sku": "SKU-B", "unit_price": "5.50"},
    ]
    orders = {
        "pending": state.create_order(sid, fulfilled_by="MERCHANT", programs=[]),
        "preorder": state.create_order(sid, fulfilled_by="MERCHANT", status="PENDING_AVAILABILITY"),
        "unshipped": state.create_order(
            sid, fulfilled_by="MERCHANT", status="UNSHIPPED", programs=["PRIME", "AMAZON_BUSINESS"]
        ),
        "partial": state.create_order(sid, fulfilled_by="MERCHANT", status="UNSHIPPED", items=two_units),
        "fba": state.create_order(sid, fulfilled_by="AMAZON"),
        "cancelled": state.create_order(sid, fulfilled_by="MERCHANT"),
        "cancel_requested": state.create_order(sid, fulfilled_by="MERCHANT", status="UNSHIPPED"),
        "shipped_fbm": state.create_order(sid, fulfilled_by="MERCHANT", status="UNSHIPPED"),
    }
    state.clock.advance(60)
    partial = orders["partial"]
    state.ship(sid, partial.order_id, {partial.items[0].order_item_id: 1})
    state.ship(sid, orders["fba"].order_id)
    state.cancel(sid, orders["cancelled"].order_id, reason="Payment not authorized", cancelled_by="SYSTEM")
    state.request_cancellation(sid, orders["cancel_requested"].order_id, reason="Ordered by mistake")
    state.ship(sid, orders["shipped_fbm"].order_id)
    state.clock.advance(300)
    return {name: order.order_id for name, order in orders.items()}


def _by_id(client: TestClient, seller: SellerSession, **params: Any) -> dict[str, dict[str, Any]]:
    response = search(client, seller, lastUpdatedAfter=LONG_AGO, **params)
    assert response.status_code == 200, response.text
    assert_valid("SearchOrdersResponse", response.json())
    return {order["orderId"]: order for order in response.json()["orders"]}


@pytest.mark.parametrize(
    "included",
    [
        None,
        "FULFILLMENT",
        EVERYTHING,
        "BUYER,RECIPIENT,PROCEEDS,EXPENSE,PROMOTION,CANCELLATION,FULFILLMENT,"
        "PACKAGES,TAX,PAYMENT,FULFILLMENT_ORDERS",
    ],
)
def test_search_and_get_validate_against_the_model(
    client: TestClient, seller: SellerSession, catalog: dict[str, str], included: str | None
) -> None:
    params = {"includedData": included} if included else {}
    found = _by_id(client, seller, **params)
    assert set(found) == set(catalog.values())
    for order_id in catalog.values():
        response = get_order(client, seller, order_id, **params)
        assert response.status_code == 200, response.text
        assert_valid("GetOrderResponse", response.json())
        assert response.json()["order"] == found[order_id]


def test_pending_orders_have_no_prices_buyer_or_address(
    client: TestClient, seller: SellerSession, catalog: dict[str, str]
) -> None:
    found = _by_id(client, seller, includedData=EVERYTHING)
    for name, status in (("pending", "PENDING"), ("preorder", "PENDING_AVAILABILITY")):
        order = found[catalog[name]]
        assert order["fulfillment"]["fulfillmentStatus"] == status
        assert not {"buyer", "recipient", "proceeds"} & order.keys()
        for item in order["orderItems"]:
            assert "price" not in item["product"] and "proceeds" not in item
    assert "PREORDER" in found[catalog["preorder"]]["programs"]


def test_unshipped_business_prime_order_is_complete(
    client: TestClient, seller: SellerSession, catalog: dict[str, str]
) -> None:
    order = _by_id(client, seller, includedData=EVERYTHING)[catalog["unshipped"]]
    assert ORDER_ID.match(order["orderId"])
    assert (
        order["fulfillment"] | {"fulfillmentStatus": "UNSHIPPED", "fulfilledBy": "MERCHANT"}
        == order["fulfillment"]
    )
    assert set(order["programs"]) == {"PRIME", "AMAZON_BUSINESS"}
    assert order["buyer"]["buyerCompanyName"] and order["buyer"]["buyerEmail"].endswith(
        "@marketplace.amazon.com"
    )
    assert order["recipient"]["deliveryAddress"]["addressType"] == "COMMERCIAL"
    total = order["proceeds"]["grandTotal"]
    assert AMOUNT.match(total["amount"]) and total["currencyCode"] == "USD"
    parts = sum(float(b["subtotal"]["amount"]) for b in order["proceeds"]["breakdowns"])
    assert parts == pytest.approx(float(total["amount"]))
    for item in order["orderItems"]:
        assert re.fullmatch(r"\d{14}", item["orderItemId"])
        assert item["product"]["price"]["priceDesignation"] == "BUSINESS_PRICE"
        assert AMOUNT.match(item["product"]["price"]["unitPrice"]["amount"])
        assert item["fulfillment"] == {"quantityFulfilled": 0, "quantityUnfulfilled": item["quantityOrdered"]}


def test_partial_shipment_counts_units_per_item(
    client: TestClient, seller: SellerSession, catalog: dict[str, str]
) -> None:
    order = _by_id(client, seller, includedData=EVERYTHING)[catalog["partial"]]
    assert order["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
    first, second = order["orderItems"]
    assert first["product"]["price"]["unitPrice"] == {"amount": "10.00", "currencyCode": "USD"}
    assert first["fulfillment"] == {"quantityFulfilled": 1, "quantityUnfulfilled": 2}
    assert second["fulfillment"] == {"quantityFulfilled": 0, "quantityUnfulfilled": 1}
    (package,) = order["packages"]
    assert package["packageItems"] == [{"orderItemId": first["orderItemId"], "quantity": 1}]


def test_fba_order_goes_pending_to_shipped_without_packages(
    client: TestClient, seller: SellerSession, catalog: dict[str, str]
) -> None:
    order = _by_id(client, seller, includedData=EVERYTHING)[catalog["fba"]]
    assert order["fulfillment"]["fulfilledBy"] == "AMAZON"
    assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert "packages" not in order and "proceeds" in order
    assert order["lastUpdatedTime"] > order["createdTime"]


def test_cancelled_and_buyer_cancel_requested(
    client: TestClient, seller: SellerSession, catalog: dict[str, str]
) -> None:
    found = _by_id(client, seller, includedData=EVERYTHING)
    cancelled = found[catalog["cancelled"]]
    assert cancelled["fulfillment"]["fulfillmentStatus"] == "CANCELLED"
    for item in cancelled["orderItems"]:
        assert item["cancellation"]["cancellationExecution"]["cancelledBy"] == "SYSTEM"
        assert item["fulfillment"]["quantityUnfulfilled"] == 0
    requested = found[catalog["cancel_requested"]]
    assert requested["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    for item in requested["orderItems"]:
        assert item["cancellation"] == {
            "cancellationRequest": {"requester": "BUYER", "cancelReason": "Ordered by mistake"}
        }
    without = _by_id(client, seller, includedData="FULFILLMENT")[catalog["cancel_requested"]]
    assert all("cancellation" not in item for item in without["orderItems"])


def test_optional_blocks_follow_included_data(
    client: TestClient, seller: SellerSession, catalog: dict[str, str]
) -> None:
    bare = _by_id(client, seller)[catalog["shipped_fbm"]]
    assert not {"buyer", "recipient", "proceeds", "fulfillment", "packages"} & bare.keys()
    assert bare["salesChannel"] == {
        "channelName": "AMAZON",
        "marketplaceId": "ATVPDKIKX0DER",
        "marketplaceName": "Amazon.com",
    }
    only_buyer = _by_id(client, seller, includedData="BUYER")[catalog["shipped_fbm"]]
    assert "buyer" in only_buyer and "recipient" not in only_buyer
    full = _by_id(client, seller, includedData=EVERYTHING)[catalog["shipped_fbm"]]
    assert full["packages"][0]["trackingNumber"] and full["packages"][0]["packageStatus"] == {
        "status": "SHIPPED"
    }


def test_the_strict_schema_catches_what_a_poller_must_reject(
    client: TestClient, seller: SellerSession, catalog: dict[str, str]
) -> None:
    order = _by_id(client, seller, includedData=EVERYTHING)[catalog["unshipped"]]
    assert violations("Order", order | {"orderStatus": "Unshipped"})
    assert violations("Order", order | {"fulfillment": order["fulfillment"] | {"fulfillmentStatus": "LOST"}})
    assert violations("Order", {k: v for k, v in order.items() if k != "createdTime"})


def test_error_answers_follow_error_list(client: TestClient, seller: SellerSession) -> None:
    bad = search(client, seller)
    assert bad.status_code == 400
    assert_valid("ErrorList", bad.json())
    assert bad.json()["errors"][0]["code"] == "InvalidInput"
    missing = get_order(client, seller, "111-0000000-0000000")
    assert missing.status_code == 404
    assert_valid("ErrorList", missing.json())
