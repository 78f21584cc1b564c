"""cancel / invoice / ship / hold / comments; the new → processing → complete / canceled / closed machine."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from sandbox.magento import MagentoState
from tests.sandbox.magento.helpers import create_order
from tests.sandbox.magento.schema_check import assert_valid, response_schema


def _get(client: TestClient, auth: dict[str, str], oid: int) -> dict[str, Any]:
    body: dict[str, Any] = client.get(f"/rest/V1/orders/{oid}", headers=auth).json()
    return body


def test_cancel_new_order_returns_true_then_false(client: TestClient, auth: dict[str, str]) -> None:
    oid = create_order(client, auth)["entity_id"]
    first = client.post(f"/rest/V1/orders/{oid}/cancel", headers=auth)
    assert first.status_code == 200 and first.json() is True
    order = _get(client, auth, oid)
    assert (order["state"], order["status"]) == ("canceled", "canceled")
    assert order["items"][0]["qty_canceled"] == 2.0
    again = client.post(f"/rest/V1/orders/{oid}/cancel", headers=auth)
    assert again.status_code == 200 and again.json() is False
    assert client.post("/rest/V1/orders/999/cancel", headers=auth).status_code == 404


def test_invoice_then_ship_completes_and_cancel_is_refused(client: TestClient, auth: dict[str, str]) -> None:
    oid = create_order(client, auth)["entity_id"]
    inv = client.post(f"/rest/V1/order/{oid}/invoice", json={"capture": False, "notify": False}, headers=auth)
    assert inv.status_code == 200 and isinstance(inv.json(), int)
    assert_valid(inv.json(), response_schema("/V1/order/{orderId}/invoice", "post"))
    order = _get(client, auth, oid)
    assert (order["state"], order["status"]) == ("processing", "processing")
    assert order["items"][0]["qty_invoiced"] == 2.0 and order["total_paid"] == order["grand_total"]
    # fully invoiced: Order::canCancel() is false -> HTTP 200 false, nothing saved
    assert client.post(f"/rest/V1/orders/{oid}/cancel", headers=auth).json() is False
    again = client.post(f"/rest/V1/order/{oid}/invoice", json={}, headers=auth)
    assert again.status_code == 400
    assert again.json()["message"] == (
        "Invoice Document Validation Error(s):\nThe order does not allow an invoice to be created."
    )
    ship = client.post(
        f"/rest/V1/order/{oid}/ship",
        json={
            "tracks": [{"track_number": "1Z999", "title": "UPS", "carrier_code": "ups"}],
            "arguments": {"extension_attributes": {"source_code": "default"}},
        },
        headers=auth,
    )
    assert ship.status_code == 200 and isinstance(ship.json(), int)
    order = _get(client, auth, oid)
    assert (order["state"], order["status"]) == ("complete", "complete")
    assert client.post(f"/rest/V1/orders/{oid}/cancel", headers=auth).json() is False
    refused = client.post(f"/rest/V1/order/{oid}/invoice", json={}, headers=auth)
    assert refused.json()["message"].endswith(
        "An invoice cannot be created when an order has a status of complete"
    )
    no_ship = client.post(f"/rest/V1/order/{oid}/ship", json={}, headers=auth)
    assert no_ship.status_code == 400 and "does not allow a shipment" in no_ship.json()["message"]


def test_partial_ship_then_cancel_keeps_shipped_qty(client: TestClient, auth: dict[str, str]) -> None:
    order = create_order(client, auth, items=[("SKU-1", 3)])
    oid, item_id = order["entity_id"], order["items"][0]["item_id"]
    ship = client.post(
        f"/rest/V1/order/{oid}/ship", json={"items": [{"order_item_id": item_id, "qty": 1}]}, headers=auth
    )
    assert ship.status_code == 200
    assert _get(client, auth, oid)["state"] == "processing"
    too_many = client.post(
        f"/rest/V1/order/{oid}/ship", json={"items": [{"order_item_id": item_id, "qty": 5}]}, headers=auth
    )
    assert too_many.status_code == 400
    assert client.post(f"/rest/V1/orders/{oid}/cancel", headers=auth).json() is True
    after = _get(client, auth, oid)
    assert after["state"] == "canceled" and after["items"][0]["qty_canceled"] == 2.0


def test_closed_and_canceled_refuse_everything(
    client: TestClient, auth: dict[str, str], state: MagentoState
) -> None:
    oid = create_order(client, auth)["entity_id"]
    client.post(f"/rest/V1/order/{oid}/invoice", json={}, headers=auth)
    state.close_order(oid)
    assert _get(client, auth, oid)["state"] == "closed"
    assert client.post(f"/rest/V1/orders/{oid}/cancel", headers=auth).json() is False
    canceled = create_order(client, auth, ext_order_id="C-2", items=[("SKU-1", 1)])["entity_id"]
    client.post(f"/rest/V1/orders/{canceled}/cancel", headers=auth)
    ship = client.post(f"/rest/V1/order/{canceled}/ship", json={}, headers=auth)
    assert ship.status_code == 400
    assert ship.json()["message"] == (
        "Shipment Document Validation Error(s):\n"
        "A shipment cannot be created when an order has a status of canceled"
    )


def test_hold_unhold_and_cancel_on_hold(client: TestClient, auth: dict[str, str]) -> None:
    oid = create_order(client, auth)["entity_id"]
    assert client.post(f"/rest/V1/orders/{oid}/hold", headers=auth).json() is True
    assert _get(client, auth, oid)["status"] == "holded"
    assert client.post(f"/rest/V1/orders/{oid}/cancel", headers=auth).json() is False
    assert client.post(f"/rest/V1/orders/{oid}/hold", headers=auth).status_code == 400
    assert client.post(f"/rest/V1/orders/{oid}/unhold", headers=auth).json() is True
    order = _get(client, auth, oid)
    assert (order["state"], order["status"]) == ("new", "pending")


def test_comments_are_stored_without_changing_status(client: TestClient, auth: dict[str, str]) -> None:
    oid = create_order(client, auth)["entity_id"]
    body = {
        "statusHistory": {
            "comment": "Amazon order 113-1234567-1234567",
            "is_customer_notified": 0,
            "is_visible_on_front": 0,
            "parent_id": oid,
            "status": "processing",
        }
    }
    resp = client.post(f"/rest/V1/orders/{oid}/comments", json=body, headers=auth)
    assert resp.status_code == 200 and resp.json() is True
    order = _get(client, auth, oid)
    assert order["status"] == "pending"  # 2.4.7+ behaviour
    assert order["status_histories"][0]["comment"] == "Amazon order 113-1234567-1234567"
    listed = client.get(f"/rest/V1/orders/{oid}/comments", headers=auth).json()
    assert_valid(listed, "sales-data-order-status-history-search-result-interface")
    assert listed["total_count"] == 1
    missing = client.post("/rest/V1/orders/999/comments", json=body, headers=auth)
    assert missing.status_code == 404


def test_shipment_tracks_are_recorded_and_listed(client: TestClient, auth: dict[str, str], state: MagentoState) -> None:
    oid = create_order(client, auth)["entity_id"]
    other = create_order(client, auth, ext_order_id="113-7654321-7654321")["entity_id"]
    tracks = [
        {"track_number": "1Z999AA1234567890", "title": "UPS", "carrier_code": "ups"},
        {"track_number": "RR123456789GB", "title": "Royal Mail", "carrier_code": "custom"},
    ]
    shipped = client.post(f"/rest/V1/order/{oid}/ship", json={"notify": False, "tracks": tracks}, headers=auth)
    assert shipped.status_code == 200
    assert client.post(f"/rest/V1/order/{other}/ship", json={}, headers=auth).status_code == 200
    [shipment] = state.shipments(oid)
    assert shipment["entity_id"] == shipped.json() and shipment["order_id"] == oid
    assert shipment["tracks"] == tracks
    assert [s["tracks"] for s in state.shipments(other)] == [[]]
    listed = client.get("/_sandbox/shipments", params={"order_id": oid}).json()
    assert [s["tracks"] for s in listed] == [tracks]
    assert len(client.get("/_sandbox/shipments").json()) == 2
