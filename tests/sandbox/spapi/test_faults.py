"""Fault injection: failing and slow answers, late visibility and malformed orders."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient

from sandbox.spapi import SandboxState
from tests.sandbox.spapi.contract import assert_valid, violations
from tests.sandbox.spapi.helpers import LONG_AGO, SellerSession, get_order, login, search


def _second_seller(state: SandboxState, client: TestClient) -> SellerSession:
    credentials = state.create_seller("A2OTHERSELLER")
    return SellerSession(credentials, login(client, credentials))


def test_next_calls_fail_with_injected_statuses(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    order = state.create_order(seller.seller_id)
    state.inject_fault("searchOrders", status=500, count=2)
    state.inject_fault("getOrder", status=503)
    codes = []
    for _ in range(3):
        response = search(client, seller, lastUpdatedAfter=LONG_AGO)
        codes.append((response.status_code, response.json().get("errors", [{}])[0].get("code")))
        assert response.headers["x-amzn-RequestId"]
    assert codes == [(500, "InternalFailure"), (500, "InternalFailure"), (200, None)]
    unavailable = get_order(client, seller, order.order_id)
    assert unavailable.status_code == 503
    assert_valid("ErrorList", unavailable.json())
    assert get_order(client, seller, order.order_id).status_code == 200


def test_faults_can_target_one_seller(state: SandboxState, client: TestClient, seller: SellerSession) -> None:
    other = _second_seller(state, client)
    response = client.post(
        "/_sandbox/faults",
        json={"operation": "searchOrders", "status": 429, "count": 1, "seller_id": other.seller_id},
    )
    assert response.status_code == 201 and response.json()[0]["remaining"] == 1
    assert search(client, seller, lastUpdatedAfter=LONG_AGO).status_code == 200
    throttled = search(client, other, lastUpdatedAfter=LONG_AGO)
    assert throttled.status_code == 429 and throttled.json()["errors"][0]["code"] == "QuotaExceeded"
    assert search(client, other, lastUpdatedAfter=LONG_AGO).status_code == 200
    assert client.get("/_sandbox/faults").json() == []


def test_added_latency(state: SandboxState, client: TestClient, seller: SellerSession) -> None:
    client.post("/_sandbox/faults", json={"operation": "*", "latency_ms": 300, "count": 1})
    started = time.monotonic()
    assert search(client, seller, lastUpdatedAfter=LONG_AGO).status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    assert search(client, seller, lastUpdatedAfter=LONG_AGO).status_code == 200
    assert time.monotonic() - started < 0.3


def test_token_endpoint_faults(state: SandboxState, client: TestClient) -> None:
    credentials = state.create_seller()
    state.inject_fault("token", status=500)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": credentials.refresh_token,
        "client_id": credentials.client_id,
        "client_secret": credentials.client_secret,
    }
    failed = client.post("/auth/o2/token", data=form)
    assert failed.status_code == 500 and failed.json()["error"] == "server_error"
    assert client.post("/auth/o2/token", data=form).status_code == 200


def test_late_visibility_delays_updates_in_search_only(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    sid = seller.seller_id
    order = state.create_order(sid, fulfilled_by="MERCHANT")
    state.clock.advance(60)
    client.post("/_sandbox/visibility-delay", json={"seconds": 300, "seller_id": sid})
    state.set_status(sid, order.order_id, "UNSHIPPED")
    hidden_new = state.create_order(sid)
    state.clock.advance(180)

    def searched() -> dict[str, dict[str, object]]:
        body = search(client, seller, lastUpdatedAfter=LONG_AGO, includedData="FULFILLMENT").json()
        return {o["orderId"]: o["fulfillment"]["fulfillmentStatus"] for o in body["orders"]}

    assert searched() == {order.order_id: "PENDING"}
    fresh = get_order(client, seller, order.order_id, includedData="FULFILLMENT").json()["order"]
    assert fresh["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED"
    state.clock.advance(120)
    assert searched() == {order.order_id: "UNSHIPPED", hidden_new.order_id: "PENDING"}


def test_explicit_visibility_delay_per_transition(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    order = state.create_order(seller.seller_id, fulfilled_by="AMAZON")
    state.clock.advance(10)
    response = client.post(
        f"/_sandbox/sellers/{seller.seller_id}/orders/{order.order_id}/transition",
        json={"action": "ship", "visible_after_seconds": 600},
    )
    assert response.status_code == 200, response.text
    shipped_at = response.json()["lastUpdatedTime"]
    state.clock.advance(300)
    (seen,) = search(client, seller, lastUpdatedAfter=LONG_AGO).json()["orders"]
    assert seen["lastUpdatedTime"] < shipped_at
    state.clock.advance(301)
    (seen,) = search(client, seller, lastUpdatedAfter=LONG_AGO).json()["orders"]
    assert seen["lastUpdatedTime"] == shipped_at


def test_malformed_order_in_next_search_only(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    state.malform_next_search(seller.seller_id, "unknown_status")
    assert search(client, seller, lastUpdatedAfter=LONG_AGO).json()["orders"] == []  # stays armed
    for _ in range(3):
        state.create_order(seller.seller_id)
    state.clock.advance(180)
    first = search(client, seller, lastUpdatedAfter=LONG_AGO, includedData="FULFILLMENT").json()
    statuses = [o["fulfillment"]["fulfillmentStatus"] for o in first["orders"]]
    assert statuses.count("LOST_IN_SPACE") == 1 and statuses.count("PENDING") == 2
    assert violations("SearchOrdersResponse", first)
    second = search(client, seller, lastUpdatedAfter=LONG_AGO, includedData="FULFILLMENT").json()
    assert_valid("SearchOrdersResponse", second)


def test_malformed_missing_field_over_http(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    orders = [state.create_order(seller.seller_id).order_id for _ in range(3)]
    state.clock.advance(180)
    armed = client.post(
        f"/_sandbox/sellers/{seller.seller_id}/malformed-next",
        json={"kind": "missing_field", "field": "createdTime", "order_id": orders[1]},
    )
    assert armed.status_code == 200, armed.text
    body = search(client, seller, lastUpdatedAfter=LONG_AGO).json()
    broken = [o for o in body["orders"] if "createdTime" not in o]
    assert [o["orderId"] for o in broken] == [orders[1]]
    assert all(not violations("Order", o) for o in body["orders"] if o["orderId"] != orders[1])
