"""The stand-in's fulfillment outbox records an order whose state became canceled (our module's
``sales_order_save_after`` observer): from the admin's Cancel and from ``POST /V1/orders/{id}/cancel``."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from tests.sandbox.magento.helpers import create_order

OUTBOX = "/rest/V1/sales-channel/fulfillment-outbox"


def _entries(client: TestClient, auth: dict[str, str]) -> list[dict[str, Any]]:
    resp = client.get(OUTBOX, headers=auth)
    assert resp.status_code == 200, resp.text
    entries: list[dict[str, Any]] = resp.json()["entries"]
    return entries


def test_the_merchant_canceling_in_the_admin_writes_an_order_canceled_entry(
    client: TestClient, auth: dict[str, str]
) -> None:
    order = create_order(client, auth, items=[("SKU-1", 2)])
    resp = client.post(f"/_sandbox/orders/{order['entity_id']}/cancel")
    assert resp.status_code == 200, resp.text
    assert resp.json()["state"] == "canceled"
    [entry] = _entries(client, auth)
    assert (entry["event"], entry["order_id"], entry["shipment_id"]) == ("order_canceled", order["entity_id"], 0)
    payload = json.loads(entry["payload"])
    assert payload["order"]["ext_order_id"] == "113-1234567-1234567"
    assert payload["order"]["store_code"] == "default"
    assert payload["order"]["state"] == "canceled"
    assert [(i["sku"], i["qty_canceled"]) for i in payload["items"]] == [("SKU-1", 2.0)]
    assert payload["source"] == {"area": "adminhtml", "user_type": 2, "user_id": 1}


def test_a_rest_cancel_is_recorded_as_made_by_the_api_user(client: TestClient, auth: dict[str, str]) -> None:
    order = create_order(client, auth, items=[("SKU-1", 1)])
    resp = client.post(f"/rest/V1/orders/{order['entity_id']}/cancel", headers=auth)
    assert resp.status_code == 200 and resp.json() is True, resp.text
    [entry] = _entries(client, auth)
    assert entry["event"] == "order_canceled"
    assert json.loads(entry["payload"])["source"]["area"] == "webapi_rest"


def test_an_order_that_cannot_be_canceled_writes_nothing(client: TestClient, auth: dict[str, str]) -> None:
    order = create_order(client, auth, items=[("SKU-1", 1)])
    assert client.post(f"/_sandbox/orders/{order['entity_id']}/cancel").status_code == 200
    resp = client.post(f"/_sandbox/orders/{order['entity_id']}/cancel")  # already canceled
    assert resp.status_code == 400
    assert resp.json()["message"] == "You have not canceled the item."
    assert [e["event"] for e in _entries(client, auth)] == ["order_canceled"]


def test_a_shipped_order_not_invoiced_can_still_be_canceled_in_magento_and_is_recorded(
    client: TestClient, auth: dict[str, str]
) -> None:
    """As Order::canCancel allows (some quantity left to invoice): Amazon is the one to refuse it."""
    order = create_order(client, auth, items=[("SKU-1", 1)])
    ship = client.post(f"/_sandbox/orders/{order['entity_id']}/shipments",
                       json={"tracks": [{"track_number": "1Z", "title": "UPS", "carrier_code": "ups"}]})
    assert ship.status_code == 200, ship.text
    resp = client.post(f"/_sandbox/orders/{order['entity_id']}/cancel")
    assert resp.status_code == 200, resp.text
    assert [e["event"] for e in _entries(client, auth)] == ["shipment_saved", "order_canceled"]
