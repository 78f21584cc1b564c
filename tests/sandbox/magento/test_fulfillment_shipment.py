"""The stand-in's fulfillment outbox (our module's), shipment tracks and the merchant's admin actions."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from sandbox.magento import fulfillment_routes
from sandbox.magento.state import MagentoState
from tests.sandbox.magento.helpers import create_order
from tests.sandbox.magento.schema_check import SCHEMA, _doc

OUTBOX = "/rest/V1/sales-channel/fulfillment-outbox"


def _order(client: TestClient, auth: dict[str, str]) -> dict[str, Any]:
    order = create_order(client, auth, items=[("SKU-1", 2), ("SKU-2", 1)])
    return order


def _with_amazon_item_ids(state: MagentoState, entity_id: int) -> None:
    with state.lock:
        for n, item in enumerate(state.orders.get(entity_id)["items"], 1):
            item["ext_order_item_id"] = f"AMZ-ITEM-{n}"


def _entries(client: TestClient, auth: dict[str, str], after: int = 0) -> list[dict[str, Any]]:
    resp = client.get(OUTBOX, params={"after": after}, headers=auth)
    assert resp.status_code == 200, resp.text
    entries: list[dict[str, Any]] = resp.json()["entries"]
    return entries


def test_merchant_shipment_with_items_and_tracks_is_in_the_outbox(
    client: TestClient, auth: dict[str, str], state: MagentoState
) -> None:
    order = _order(client, auth)
    _with_amazon_item_ids(state, order["entity_id"])
    resp = client.post(
        f"/_sandbox/orders/{order['entity_id']}/shipments",
        json={"items": [{"sku": "SKU-1", "qty": 2}],
              "tracks": [{"track_number": "1Z1", "title": "UPS", "carrier_code": "ups"}]},
    )
    assert resp.status_code == 200, resp.text
    [entry] = _entries(client, auth)
    assert entry["event"] == "shipment_saved" and entry["shipment_id"] == resp.json()["shipment_id"]
    payload = json.loads(entry["payload"])
    assert payload["order"]["ext_order_id"] == "113-1234567-1234567"
    assert payload["order"]["store_code"] == "default"
    assert [(i["ext_order_item_id"], i["sku"], i["qty"]) for i in payload["items"]] == [("AMZ-ITEM-1", "SKU-1", 2.0)]
    assert [(t["track_number"], t["carrier_code"], t["title"]) for t in payload["tracks"]] == [("1Z1", "ups", "UPS")]
    assert payload["source"]["area"] == "adminhtml"


def test_a_track_added_later_fires_only_the_track_event_with_the_whole_shipment(
    client: TestClient, auth: dict[str, str]
) -> None:
    order = _order(client, auth)
    shipment_id = client.post(
        f"/_sandbox/orders/{order['entity_id']}/shipments", json={"items": [{"sku": "SKU-2", "qty": 1}]}
    ).json()["shipment_id"]
    track = {"track_number": "9400", "carrier_code": "usps", "title": "USPS"}
    resp = client.post(f"/_sandbox/shipments/{shipment_id}/tracks", json=track)
    assert resp.status_code == 200, resp.text
    first, second = _entries(client, auth)
    assert (first["event"], second["event"]) == ("shipment_saved", "track_saved")
    assert json.loads(first["payload"])["tracks"] == []
    assert [t["track_number"] for t in json.loads(second["payload"])["tracks"]] == ["9400"]
    assert _entries(client, auth, after=first["entry_id"]) == [second]
    assert _entries(client, auth, after=second["entry_id"]) == []


def test_rest_track_save_and_delete_follow_the_schema(client: TestClient, auth: dict[str, str]) -> None:
    order = _order(client, auth)
    ship = client.post(f"/rest/V1/order/{order['entity_id']}/ship",
                       json={"tracks": [{"track_number": "OLD", "title": "UPS", "carrier_code": "ups"}]}, headers=auth)
    assert ship.status_code == 200, ship.text
    shipment_id = ship.json()
    missing = client.post("/rest/V1/shipment/track", json={"entity": {"parent_id": shipment_id}}, headers=auth)
    assert missing.status_code == 400 and missing.json()["message"] == "One or more input exceptions have occurred."
    entity = {"order_id": order["entity_id"], "parent_id": shipment_id, "weight": 0, "qty": 0, "description": "",
              "track_number": "NEW", "title": "UPS", "carrier_code": "ups"}
    saved = client.post("/rest/V1/shipment/track", json={"entity": entity}, headers=auth)
    assert saved.status_code == 200, saved.text
    old_id = json.loads(_entries(client, auth)[0]["payload"])["tracks"][0]["entity_id"]
    assert client.delete(f"/rest/V1/shipment/track/{old_id}", headers=auth).json() is True
    entries = _entries(client, auth)
    assert [e["event"] for e in entries] == ["shipment_saved", "track_saved", "track_deleted"]
    assert [t["track_number"] for t in json.loads(entries[-1]["payload"])["tracks"]] == ["NEW"]
    assert json.loads(entries[0]["payload"])["source"]["area"] == "webapi_rest"
    [shipment] = client.get("/_sandbox/shipments").json()
    assert shipment["tracks"] == [{"track_number": "NEW", "title": "UPS", "carrier_code": "ups"}]


def test_outbox_needs_its_acl_and_valid_paging(client: TestClient, auth: dict[str, str], state: MagentoState) -> None:
    assert client.get(OUTBOX).status_code == 401
    integ = state.create_integration("no-outbox", resources=["Magento_Sales::sales"])
    state.integration_bearer_enabled = True
    denied = client.get(OUTBOX, headers={"Authorization": f"Bearer {integ['access_token']}"})
    assert denied.status_code == 401
    assert client.get(OUTBOX, params={"pageSize": 0}, headers=auth).status_code == 400
    assert client.get(OUTBOX, params={"after": "x"}, headers=auth).status_code == 400
    assert client.get(OUTBOX, headers=auth).json() == {"entries": [], "last_entry_id": 0}


def test_a_refused_shipment_records_nothing(client: TestClient, auth: dict[str, str]) -> None:
    order = _order(client, auth)
    resp = client.post(f"/_sandbox/orders/{order['entity_id']}/shipments", json={"items": [{"sku": "SKU-1", "qty": 5}]})
    assert resp.status_code == 400
    assert _entries(client, auth) == []


@pytest.mark.skipif(not SCHEMA.exists(), reason="admin schema YAML not beside the repo")
def test_track_routes_exist_in_the_admin_schema_and_the_outbox_route_does_not() -> None:
    paths = _doc()["paths"]
    for route in fulfillment_routes.router.routes:
        assert isinstance(route, APIRoute)
        path = route.path.removeprefix("/rest")
        if path == "/V1/sales-channel/fulfillment-outbox":
            assert path not in paths
            continue
        for method in route.methods or ():
            assert method.lower() in paths[path], f"{method} {path}"
