"""Request builders shared by the Magento stand-in tests."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient


def address(kind: str) -> dict[str, Any]:
    return {
        "address_type": kind,
        "firstname": "Jane",
        "lastname": "Doe",
        "street": ["1 Main St"],
        "city": "Seattle",
        "region_code": "WA",
        "postcode": "98101",
        "country_id": "US",
        "telephone": "2065550100",
        "email": "abc@marketplace.amazon.com",
    }


def order_entity(
    ext_order_id: str = "113-1234567-1234567", items: list[tuple[str, float]] | None = None, **extra: Any
) -> dict[str, Any]:
    """A self-consistent PUT /V1/orders/create entity (research §3C)."""
    lines = items if items is not None else [("SKU-1", 2)]
    order_items = [
        {
            "sku": sku,
            "name": sku,
            "product_type": "simple",
            "qty_ordered": qty,
            "price": 19.99,
            "base_price": 19.99,
            "original_price": 19.99,
            "row_total": round(19.99 * qty, 2),
            "base_row_total": round(19.99 * qty, 2),
        }
        for sku, qty in lines
    ]
    subtotal = round(sum(float(i["row_total"]) for i in order_items), 2)
    entity: dict[str, Any] = {
        "ext_order_id": ext_order_id,
        "state": "new",
        "status": "pending",
        "customer_is_guest": 1,
        "customer_group_id": 0,
        "customer_email": "abc@marketplace.amazon.com",
        "customer_firstname": "Jane",
        "customer_lastname": "Doe",
        "base_currency_code": "USD",
        "order_currency_code": "USD",
        "store_currency_code": "USD",
        "global_currency_code": "USD",
        "subtotal": subtotal,
        "base_subtotal": subtotal,
        "shipping_amount": 4.99,
        "base_shipping_amount": 4.99,
        "grand_total": round(subtotal + 4.99, 2),
        "base_grand_total": round(subtotal + 4.99, 2),
        "total_qty_ordered": sum(q for _, q in lines),
        "items": order_items,
        "billing_address": address("billing"),
        "payment": {"method": "checkmo", "additional_information": [], "account_status": "", "cc_last4": ""},
        "extension_attributes": {
            "shipping_assignments": [
                {"shipping": {"method": "flatrate_flatrate", "address": address("shipping")}, "items": []}
            ]
        },
    }
    entity.update(extra)
    return entity


def create_order(
    client: TestClient, auth: dict[str, str], store_code: str | None = None, **kwargs: Any
) -> dict[str, Any]:
    prefix = f"/rest/{store_code}" if store_code else "/rest"
    resp = client.put(f"{prefix}/V1/orders/create", json={"entity": order_entity(**kwargs)}, headers=auth)
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body
