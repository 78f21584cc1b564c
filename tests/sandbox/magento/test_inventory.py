"""Salable quantity = quantity + reservations; order reservations; the module's idempotent command."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from sandbox.magento import MagentoState
from tests.sandbox.magento.helpers import create_order
from tests.sandbox.magento.schema_check import assert_valid, response_schema

ROUTE = "/rest/V1/sales-channel/reservations"


def _salable(client: TestClient, auth: dict[str, str], sku: str, stock: int = 1) -> Any:
    resp = client.get(f"/rest/V1/inventory/get-product-salable-quantity/{sku}/{stock}", headers=auth)
    assert resp.status_code == 200, resp.text
    return resp.json()


def _command(
    key: str, qty: float, event: str = "amazon_pending_reserve", sku: str = "SKU-1"
) -> dict[str, Any]:
    return {
        "command": {
            "reservation_key": key,
            "stock_id": 1,
            "items": [{"sku": sku, "quantity": qty}],
            "metadata": {
                "event_type": event,
                "object_type": "amazon_order",
                "object_id": "1:113-1234567-1234567",
            },
        }
    }


def test_module_reservation_is_idempotent_and_lowers_salable(
    client: TestClient, auth: dict[str, str], state: MagentoState
) -> None:
    assert _salable(client, auth, "SKU-1") == 10
    first = client.post(ROUTE, json=_command("r-1", -2), headers=auth)
    assert first.status_code == 200 and first.json() == {"applied": True}
    assert client.post(ROUTE, json=_command("r-1", -2), headers=auth).json() == {"applied": False}
    assert _salable(client, auth, "SKU-1") == 8
    release = _command("r-1-release", 2, "amazon_pending_release")
    assert client.post(ROUTE, json=release, headers=auth).json() == {"applied": True}
    assert client.post(ROUTE, json=release, headers=auth).json() == {"applied": False}
    assert _salable(client, auth, "SKU-1") == 10
    assert [r["quantity"] for r in state.reservations()] == [-2.0, 2.0]


def test_module_reservation_validation_and_acl(
    client: TestClient, auth: dict[str, str], state: MagentoState
) -> None:
    bad_event = client.post(ROUTE, json=_command("r-2", -1, "order_placed"), headers=auth)
    assert bad_event.status_code == 400
    zero = client.post(ROUTE, json=_command("r-3", 0), headers=auth)
    assert zero.status_code == 400
    unknown = client.post(ROUTE, json=_command("r-4", -1, sku="NOPE"), headers=auth)
    assert unknown.status_code == 400 and "NOPE" in unknown.json()["parameters"][0]
    assert state.reservations() == []
    integ = state.create_integration("reader", ["Magento_Sales::actions_view"])
    denied = client.post(
        ROUTE, json=_command("r-5", -1), headers={"Authorization": f"Bearer {integ['access_token']}"}
    )
    assert denied.status_code == 401
    assert denied.json()["parameters"] == {"resources": "Magento_InventoryApi::stock"}


def test_order_reserves_until_shipped_or_canceled(
    client: TestClient, auth: dict[str, str], state: MagentoState
) -> None:
    a = create_order(client, auth, ext_order_id="A", items=[("SKU-1", 3)])
    b = create_order(client, auth, ext_order_id="B", items=[("SKU-1", 2)])
    assert _salable(client, auth, "SKU-1") == 5
    client.post(f"/rest/V1/order/{a['entity_id']}/ship", json={}, headers=auth)
    assert _salable(client, auth, "SKU-1") == 5  # source 10-3=7, reservations -3-2+3 = -2
    assert state.inventory.quantities[("SKU-1", 1)] == 7
    client.post(f"/rest/V1/orders/{b['entity_id']}/cancel", headers=auth)
    assert _salable(client, auth, "SKU-1") == 7
    events = [r["metadata"] for r in state.reservations()]
    assert '"event_type":"order_placed"' in events[0] and '"event_type":"order_canceled"' in events[-1]


def test_pending_reservation_blocks_order_creation(client: TestClient, auth: dict[str, str]) -> None:
    client.post(ROUTE, json=_command("hold-all", -10), headers=auth)
    resp = client.put(
        "/rest/V1/orders/create",
        json={
            "entity": {
                "items": [{"sku": "SKU-1", "qty_ordered": 1}],
                "grand_total": 1,
                "base_grand_total": 1,
                "customer_email": "a@b.c",
            }
        },
        headers=auth,
    )
    assert resp.status_code == 400 and resp.json()["message"] == "The requested qty is not available"


def test_salable_per_stock_and_unknown_sku(client: TestClient, auth: dict[str, str]) -> None:
    assert _salable(client, auth, "SKU-2", 2) == 7
    create_order(client, auth, store_code="amazon_us_en", items=[("SKU-2", 4)])
    assert _salable(client, auth, "SKU-2", 2) == 3 and _salable(client, auth, "SKU-2", 1) == 3
    missing = client.get("/rest/V1/inventory/get-product-salable-quantity/NOPE/1", headers=auth)
    assert missing.status_code == 404
    resolver = client.get("/rest/V1/inventory/stock-resolver/website/amazon_us", headers=auth).json()
    assert resolver["stock_id"] == 2
    assert_valid(resolver, response_schema("/V1/inventory/stock-resolver/{type}/{code}", "get"))
    qty = client.get("/rest/V1/inventory/get-product-salable-quantity/SKU-2/2", headers=auth).json()
    assert_valid(qty, response_schema("/V1/inventory/get-product-salable-quantity/{sku}/{stockId}", "get"))
