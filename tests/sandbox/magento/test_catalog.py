"""Products, store views, websites and store configs against the admin schema."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.sandbox.magento.schema_check import assert_valid, response_schema


def test_product_enabled_disabled_and_missing(client: TestClient, auth: dict[str, str]) -> None:
    ok = client.get("/rest/V1/products/SKU-1", headers=auth)
    assert ok.status_code == 200
    assert_valid(ok.json(), response_schema("/V1/products/{sku}", "get"))
    assert (ok.json()["status"], ok.json()["price"], ok.json()["type_id"]) == (1, 19.99, "simple")
    off = client.get("/rest/V1/products/SKU-OFF", headers=auth).json()
    assert off["status"] == 2
    missing = client.get("/rest/V1/products/NOPE", headers=auth)
    assert missing.status_code == 404
    assert missing.json() == {
        "message": "The product that was requested doesn't exist. Verify the product and try again."
    }


def test_store_views_websites_configs(client: TestClient, auth: dict[str, str]) -> None:
    views = client.get("/rest/V1/store/storeViews", headers=auth).json()
    assert_valid(views, response_schema("/V1/store/storeViews", "get"))
    assert [v["code"] for v in views] == ["admin", "default", "amazon_us_en"] and views[0]["id"] == 0
    sites = client.get("/rest/V1/store/websites", headers=auth).json()
    assert_valid(sites, response_schema("/V1/store/websites", "get"))
    assert [s["code"] for s in sites] == ["admin", "base", "amazon_us"]
    configs = client.get("/rest/V1/store/storeConfigs", headers=auth).json()
    assert_valid(configs, response_schema("/V1/store/storeConfigs", "get"))
    assert [c["code"] for c in configs] == ["default", "amazon_us_en"] and configs[0][
        "base_currency_code"
    ] == "USD"
    assert client.get("/rest/V1/store/storeViews").status_code == 401


def test_sandbox_http_admin_creates_catalog(client: TestClient, auth: dict[str, str]) -> None:
    site = client.post(
        "/_sandbox/websites", json={"code": "amazon_de", "name": "Amazon DE", "stock_id": 3}
    ).json()
    store = client.post(
        "/_sandbox/stores",
        json={"code": "amazon_de_de", "website_code": "amazon_de", "currency": "EUR", "locale": "de_DE"},
    ).json()
    assert store["website_id"] == site["id"]
    prod = client.post(
        "/_sandbox/products", json={"sku": "DE-1", "price": 9.5, "qty": {"3": 4}, "website_ids": [site["id"]]}
    )
    assert prod.status_code == 200
    assert client.get("/rest/V1/inventory/get-product-salable-quantity/DE-1/3", headers=auth).json() == 4
    client.post("/_sandbox/products", json={"sku": "DE-1", "status": 2, "qty": {"3": 4}})
    assert client.get("/rest/V1/products/DE-1", headers=auth).json()["status"] == 2
    dup = client.post("/_sandbox/stores", json={"code": "amazon_de_de", "website_code": "amazon_de"})
    assert dup.status_code == 400
