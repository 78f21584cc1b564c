"""confirmShipment (Orders API v0) in the SP-API sandbox: the body checked against the model, Amazon's
documented errors, packages added and edited, the order moving to Partially Shipped and Shipped."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft4Validator

from sandbox.spapi import SandboxState
from tests.harness import shared_path
from tests.sandbox.spapi.helpers import SellerSession, get_order

MARKETPLACE = "ATVPDKIKX0DER"
CONTRACT = shared_path("contracts", "sp-api", "ordersV0.json")


@cache
def _model() -> Draft4Validator:
    doc = json.loads(CONTRACT.read_text())
    return Draft4Validator({"$ref": "#/definitions/ConfirmShipmentRequest", "definitions": doc["definitions"]})


def body(reference: str = "1", items: list[tuple[str, int]] | None = None, tracking: str | None = "1Z1",
         carrier: str = "UPS", **package: Any) -> dict[str, Any]:
    detail: dict[str, Any] = {
        "packageReferenceId": reference, "carrierCode": carrier, "trackingNumber": tracking,
        "shipDate": "2026-12-05T09:30:00Z",
        "orderItems": [{"orderItemId": i, "quantity": q} for i, q in (items or [])],
    }
    detail.update(package)
    return {"marketplaceId": MARKETPLACE, "packageDetail": {k: v for k, v in detail.items() if v is not None}}


def confirm(client: TestClient, seller: SellerSession, order_id: str, payload: Any) -> httpx.Response:
    return client.post(f"/orders/v0/orders/{order_id}/shipmentConfirmation", json=payload, headers=seller.headers)


def _order(state: SandboxState, seller: SellerSession, status: str = "UNSHIPPED", fulfilled_by: str = "MERCHANT",
           quantities: tuple[int, ...] = (2, 1)) -> tuple[str, list[str]]:
    order = state.create_order(seller.seller_id, status=status, fulfilled_by=fulfilled_by,
                               items=[{"quantity": q} for q in quantities], marketplace_id=MARKETPLACE)
    return order.order_id, [i.order_item_id for i in order.items]


def _view(client: TestClient, seller: SellerSession, order_id: str) -> dict[str, Any]:
    order: dict[str, Any] = get_order(client, seller, order_id, includedData="FULFILLMENT,PACKAGES").json()["order"]
    return order


def test_the_bodies_used_here_are_valid_against_the_model() -> None:
    if not CONTRACT.exists():
        pytest.skip("ordersV0.json not beside the repo")
    _model().validate(body("1", [("A", 1)]))
    _model().validate(body("2", [("A", 1)], carrier="Other", carrierName="Bob's", shippingMethod="Ground"))


def test_two_packages_move_the_order_to_partially_shipped_then_shipped(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    order_id, (a, b) = _order(state, seller)
    first = confirm(client, seller, order_id, body("1", [(a, 2)], "1Z1"))
    assert first.status_code == 204 and first.content == b""
    assert first.headers["x-amzn-RateLimit-Limit"] == "2"
    assert _view(client, seller, order_id)["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
    assert confirm(client, seller, order_id, body("2", [(b, 1)], "9400", "USPS")).status_code == 204
    order = _view(client, seller, order_id)
    assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    held = [(p["packageReferenceId"], p["carrier"], p["trackingNumber"], p["packageItems"]) for p in order["packages"]]
    assert held == [("1", "UPS", "1Z1", [{"orderItemId": a, "quantity": 2}]),
            ("2", "USPS", "9400", [{"orderItemId": b, "quantity": 1}])]


def test_the_same_reference_edits_its_package_even_once_shipped(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    order_id, (a, b) = _order(state, seller)
    assert confirm(client, seller, order_id, body("7", [(a, 2), (b, 1)], "WRONG")).status_code == 204
    assert confirm(client, seller, order_id, body("7", [(a, 2), (b, 1)], "RIGHT")).status_code == 204
    order = _view(client, seller, order_id)
    assert [(p["packageReferenceId"], p["trackingNumber"]) for p in order["packages"]] == [("7", "RIGHT")]
    assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    assert [i["fulfillment"]["quantityFulfilled"] for i in order["orderItems"]] == [2, 1]


def test_a_new_package_on_a_fulfilled_order_is_refused(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    order_id, (a, b) = _order(state, seller)
    assert confirm(client, seller, order_id, body("1", [(a, 2), (b, 1)])).status_code == 204
    resp = confirm(client, seller, order_id, body("2", [(a, 1)]))
    assert resp.status_code == 400
    [error] = resp.json()["errors"]
    assert error["code"] == "InvalidInput" and "already been fulfilled" in error["message"]
    assert "PackageToUpdateNotFound" in error["details"]


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"carrier": "Pigeon Post"}, "Invalid carrierCode"),
        ({"carrier": "Other"}, "carrierName is required"),
        ({"reference": "PKG-1"}, "Invalid packageReferenceId"),
        ({"reference": "0"}, "Invalid packageReferenceId"),
        ({"tracking": ""}, "packageDetail.trackingNumber"),
        ({"shipDate": "02/21/2022"}, "Invalid shipDate"),
        ({"items": [("NOPE", 1)]}, "Invalid orderItemId"),
        ({"items": []}, "at least one item"),
        ({"bogus": 1}, "Unknown field packageDetail.bogus"),
    ],
)
def test_invalid_requests_are_refused_as_amazon_does(
    state: SandboxState, client: TestClient, seller: SellerSession, change: dict[str, Any], words: str
) -> None:
    order_id, (a, _) = _order(state, seller)
    args: dict[str, Any] = {"reference": "1", "items": [(a, 1)], "tracking": "1Z1", "carrier": "UPS"}
    extra = {k: v for k, v in change.items() if k not in args}
    args.update({k: v for k, v in change.items() if k in args})
    resp = confirm(client, seller, order_id, body(args["reference"], args["items"], args["tracking"] or None,
                                                 args["carrier"], **extra))
    assert resp.status_code == 400, resp.text
    assert words in json.dumps(resp.json())
    assert _view(client, seller, order_id)["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"


def test_more_units_than_are_left_and_orders_amazon_will_not_ship(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    order_id, (a, _) = _order(state, seller)
    assert "exceeds" in confirm(client, seller, order_id, body("1", [(a, 3)])).text
    for status, fulfilled_by, words in (("CANCELLED", "MERCHANT", "Cancelled"), ("PENDING", "MERCHANT", "Pending"),
                                        ("UNSHIPPED", "AMAZON", "fulfilled by Amazon")):
        other, (item, _) = _order(state, seller, status, fulfilled_by)
        resp = confirm(client, seller, other, body("1", [(item, 1)]))
        assert resp.status_code == 400 and words in resp.text, (status, resp.text)
    assert confirm(client, seller, "999-0000000-0000000", body("1", [(a, 1)])).status_code == 404
    wrong_market = {**body("1", [(a, 1)]), "marketplaceId": "A1F83G8C2ARO7P"}
    assert "Invalid marketplaceId" in confirm(client, seller, order_id, wrong_market).text


def test_429_from_the_usage_plan_and_injected_faults(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    order_id, (a, _) = _order(state, seller, quantities=(20, 1))
    state.rate_limiter.enabled = True
    answers = [confirm(client, seller, order_id, body(str(n), [(a, 1)], f"T{n}")).status_code for n in range(1, 13)]
    assert answers[:10] == [204] * 10 and 429 in answers[10:]
    state.rate_limiter.enabled = False
    # faults.OPERATIONS does not list confirmShipment yet: any operation of this seller, the next call
    state.inject_fault("*", status=503, seller_id=seller.seller_id)
    resp = confirm(client, seller, order_id, body("99", [(a, 1)]))
    assert resp.status_code == 503 and resp.json()["errors"][0]["code"] == "ServiceUnavailable"
    assert confirm(client, seller, order_id, body("99", [(a, 1)])).status_code == 204
    anonymous = client.post(f"/orders/v0/orders/{order_id}/shipmentConfirmation", json=body("5", [(a, 1)]))
    assert anonymous.status_code == 403
