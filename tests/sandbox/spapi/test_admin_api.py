"""The /_sandbox admin API over HTTP, as the demo and benchmarks use it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.sandbox.spapi.contract import assert_valid
from tests.sandbox.spapi.helpers import LONG_AGO, SellerSession, login, search


def test_seller_order_and_transitions_over_http(client: TestClient) -> None:
    created = client.post("/_sandbox/sellers", json={"marketplace_id": "ATVPDKIKX0DER"})
    assert created.status_code == 201
    credentials = created.json()
    assert set(credentials) == {"seller_id", "marketplace_id", "client_id", "client_secret", "refresh_token"}
    assert re.fullmatch(r"A[A-Z0-9]{13}", credentials["seller_id"])
    sid = credentials["seller_id"]
    order = client.post(
        f"/_sandbox/sellers/{sid}/orders",
        json={
            "fulfilled_by": "MERCHANT",
            "status": "UNSHIPPED",
            "programs": ["PRIME"],
            "items": [{"quantity": 2, "seller_sku": "MY-SKU", "unit_price": "19.99"}],
        },
    )
    assert order.status_code == 201, order.text
    body = order.json()
    assert_valid("Order", body)
    assert body["fulfillment"]["fulfillmentStatus"] == "UNSHIPPED" and body["programs"] == ["PRIME"]
    assert body["orderItems"][0]["product"]["sellerSku"] == "MY-SKU"
    order_id, item_id = body["orderId"], body["orderItems"][0]["orderItemId"]
    path = f"/_sandbox/sellers/{sid}/orders/{order_id}/transition"
    partial = client.post(path, json={"action": "ship", "quantities": {item_id: 1}}).json()
    assert partial["fulfillment"]["fulfillmentStatus"] == "PARTIALLY_SHIPPED"
    requested = client.post(path, json={"action": "request_cancellation", "reason": "Too slow"}).json()
    assert requested["orderItems"][0]["cancellation"]["cancellationRequest"]["cancelReason"] == "Too slow"
    forced = client.post(path, json={"action": "status", "status": "SHIPPED"}).json()
    assert forced["orderItems"][0]["fulfillment"] == {"quantityFulfilled": 2, "quantityUnfulfilled": 0}
    assert client.post(path, json={"action": "cancel"}).status_code == 409
    assert client.get(f"/_sandbox/sellers/{sid}/orders/{order_id}").json() == forced


def test_admin_errors(client: TestClient) -> None:
    sid = client.post("/_sandbox/sellers", json={"seller_id": "A1ADMIN"}).json()["seller_id"]
    assert client.post("/_sandbox/sellers", json={"seller_id": "A1ADMIN"}).status_code == 422
    assert client.post("/_sandbox/sellers/A9NOBODY/orders", json={}).status_code == 404
    assert client.get(f"/_sandbox/sellers/{sid}/orders/111-0000000-0000000").status_code == 404
    pending = client.post(f"/_sandbox/sellers/{sid}/orders", json={"fulfilled_by": "MERCHANT"}).json()
    path = f"/_sandbox/sellers/{sid}/orders/{pending['orderId']}/transition"
    assert client.post(path, json={"action": "ship"}).status_code == 409
    assert client.post(path, json={"action": "status", "status": "LOST"}).status_code == 409
    assert client.post(path, json={"action": "fly"}).status_code == 422
    assert client.post("/_sandbox/faults", json={"operation": "listOrders", "status": 500}).status_code == 422


def test_clock_control(client: TestClient) -> None:
    frozen = client.post("/_sandbox/clock/freeze", json={"at": "2026-05-01T08:00:00Z"}).json()
    assert frozen == {"now": "2026-05-01T08:00:00Z", "frozen": True, "offset_seconds": 0.0}
    assert (
        client.post("/_sandbox/clock/advance", json={"seconds": 90}).json()["now"] == "2026-05-01T08:01:30Z"
    )
    running = client.post("/_sandbox/clock/unfreeze").json()
    assert running["frozen"] is False and running["now"] >= "2026-05-01T08:01:30Z"
    shifted = client.post("/_sandbox/clock/offset", json={"seconds": -86400}).json()
    assert shifted["offset_seconds"] == -86400 and client.get("/_sandbox/clock").json()["frozen"] is False


def test_tick_bulk_sellers_and_reset(client: TestClient) -> None:
    sellers = client.post("/_sandbox/sellers/bulk", json={"count": 5}).json()
    assert len({s["seller_id"] for s in sellers}) == 5
    assert client.post("/_sandbox/tick", json={"new_orders_per_seller": 4}).json() == {
        "created": 20,
        "transitioned": 0,
    }
    sid = sellers[0]["seller_id"]
    tick = client.post(f"/_sandbox/sellers/{sid}/tick", json={"new_orders": 1, "transitions": 4}).json()
    assert len(tick["created"]) == 1 and len(tick["transitioned"]) == 4
    client.post("/_sandbox/clock/advance", json={"seconds": 300})
    from sandbox.spapi import SellerCredentials

    session = SellerSession(SellerCredentials(**sellers[0]), "")
    session.access_token = login(client, session.credentials)
    found = search(client, session, lastUpdatedAfter=LONG_AGO)
    assert len(found.json()["orders"]) == 5
    summary = client.get("/_sandbox/state").json()
    assert summary["sellers"] == 5 and summary["orders"] == 21
    assert client.post("/_sandbox/reset").json() == {"reset": "ok"}
    assert client.get("/_sandbox/sellers").json() == []
