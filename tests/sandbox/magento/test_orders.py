"""PUT /V1/orders/create, GET /V1/orders/{id}, searchCriteria, unique key, catalog/stock checks."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sandbox.magento import MagentoState
from tests.sandbox.magento.helpers import create_order, order_entity
from tests.sandbox.magento.schema_check import assert_valid, response_schema

ORDER = "sales-data-order-interface"


def test_create_returns_full_order_valid_against_schema(client: TestClient, auth: dict[str, str]) -> None:
    order = create_order(client, auth)
    assert_valid(order, ORDER)
    assert_valid(order, response_schema("/V1/orders/create", "put"))
    assert isinstance(order["entity_id"], int) and order["increment_id"] == "000000001"
    assert order["ext_order_id"] == "113-1234567-1234567" and order["store_id"] == 1
    assert order["state"] == "new" and order["status"] == "pending"
    assert order["items"][0]["qty_ordered"] == 2.0 and isinstance(order["items"][0]["item_id"], int)
    assert order["payment"]["account_status"] == "" and order["payment"]["cc_last4"] == ""  # as sent: required
    assert "shipping_address" not in order  # Magento has no top-level shipping address
    ship = order["extension_attributes"]["shipping_assignments"][0]["shipping"]
    assert ship["method"] == "flatrate_flatrate" and ship["address"]["city"] == "Seattle"
    assert all(v is not None for v in order.values())  # nulls omitted, required fields all carried


def test_get_order_and_404(client: TestClient, auth: dict[str, str]) -> None:
    created = create_order(client, auth)
    resp = client.get(f"/rest/V1/orders/{created['entity_id']}", headers=auth)
    assert resp.status_code == 200
    assert_valid(resp.json(), response_schema("/V1/orders/{id}", "get"))
    assert resp.json() == created
    missing = client.get("/rest/V1/orders/999", headers=auth)
    assert missing.status_code == 404
    assert missing.json() == {
        "message": "The entity that was requested doesn't exist. Verify the entity and try again."
    }
    assert_valid(missing.json(), "error-response")


def test_increment_sequence_per_store_with_prefix(
    client: TestClient, auth: dict[str, str], state: MagentoState
) -> None:
    a = create_order(client, auth, ext_order_id="A")
    b = create_order(client, auth, ext_order_id="B")
    c = create_order(client, auth, store_code="amazon_us_en", ext_order_id="C", items=[("SKU-2", 1)])
    assert (a["increment_id"], b["increment_id"]) == ("000000001", "000000002")
    us_store = next(s for s in state.catalog.stores.values() if s.code == "amazon_us_en")
    assert c["store_id"] == us_store.id and c["increment_id"] == f"{us_store.id}000000001"


def test_unique_increment_id_per_store(client: TestClient, auth: dict[str, str], state: MagentoState) -> None:
    create_order(client, auth, increment_id="AMZ-1", ext_order_id="X")
    dup = client.put(
        "/rest/V1/orders/create", json={"entity": order_entity("X", increment_id="AMZ-1")}, headers=auth
    )
    assert dup.status_code == 400 and dup.json() == {"message": "Unique constraint violation found"}
    assert state.count_orders("X") == 1
    other_store = client.put(
        "/rest/amazon_us_en/V1/orders/create",
        json={"entity": order_entity("X2", items=[("SKU-2", 1)], increment_id="AMZ-1")},
        headers=auth,
    )
    assert other_store.status_code == 200  # the key is (increment_id, store_id)


def test_disabled_unknown_sku_and_insufficient_stock_are_400(
    client: TestClient, auth: dict[str, str], state: MagentoState
) -> None:
    cases = {
        "SKU-OFF": "Product that you are trying to add is not available.",
        "NOPE": "The product that was requested doesn't exist. Verify the product and try again.",
    }
    for sku, message in cases.items():
        resp = client.put(
            "/rest/V1/orders/create", json={"entity": order_entity(items=[(sku, 1)])}, headers=auth
        )
        assert resp.status_code == 400 and resp.json()["message"] == message
    too_many = client.put(
        "/rest/V1/orders/create", json={"entity": order_entity(items=[("SKU-1", 11)])}, headers=auth
    )
    assert too_many.status_code == 400 and too_many.json()["message"] == "The requested qty is not available"
    assert state.list_orders() == [] and state.reservations() == []


def test_product_not_in_store_website_is_not_available(client: TestClient, auth: dict[str, str]) -> None:
    resp = client.put(
        "/rest/amazon_us_en/V1/orders/create",
        json={"entity": order_entity(items=[("SKU-1", 1)])},
        headers=auth,
    )
    assert resp.status_code == 400 and "not available" in resp.json()["message"]


def test_unknown_field_and_bad_type_rejected(client: TestClient, auth: dict[str, str]) -> None:
    bad_field = client.put(
        "/rest/V1/orders/create", json={"entity": order_entity(shipping_address={})}, headers=auth
    )
    assert bad_field.status_code == 400
    assert bad_field.json()["parameters"][0] == "shipping_address"
    bad_type = client.put(
        "/rest/V1/orders/create", json={"entity": order_entity(store_id="abc")}, headers=auth
    )
    assert bad_type.status_code == 400 and bad_type.json()["parameters"] == {"value": "abc", "type": "int"}
    no_entity = client.put("/rest/V1/orders/create", json={}, headers=auth)
    assert no_entity.status_code == 400 and no_entity.json()["parameters"] == {"fieldName": "entity"}


def test_camel_case_keys_and_sparse_update(
    client: TestClient, auth: dict[str, str], state: MagentoState
) -> None:
    entity = order_entity("E-1")
    entity["extOrderId"] = entity.pop("ext_order_id")
    created = client.put("/rest/V1/orders/create", json={"entity": entity}, headers=auth).json()
    assert created["ext_order_id"] == "E-1"
    upd = client.post(
        "/rest/V1/orders",
        json={"entity": {"entity_id": created["entity_id"], "ext_order_id": "E-2"}},
        headers=auth,
    )
    assert upd.status_code == 200 and upd.json()["ext_order_id"] == "E-2"
    assert upd.json()["items"] == created["items"]
    assert state.count_orders("E-1") == 0 and state.count_orders("E-2") == 1


def test_search_by_ext_order_id_paging_and_fields(client: TestClient, auth: dict[str, str]) -> None:
    for i in range(5):
        create_order(client, auth, ext_order_id=f"111-{i}", items=[("SKU-1", 1)])
    q = (
        "searchCriteria[filter_groups][0][filters][0][field]=ext_order_id"
        "&searchCriteria[filter_groups][0][filters][0][value]=111-3"
        "&searchCriteria[filter_groups][0][filters][0][condition_type]=eq&searchCriteria[pageSize]=2"
    )
    resp = client.get(f"/rest/V1/orders?{q}", headers=auth)
    assert resp.status_code == 200
    body = resp.json()
    assert_valid(body, response_schema("/V1/orders", "get"))
    assert body["total_count"] == 1 and body["items"][0]["ext_order_id"] == "111-3"
    assert body["search_criteria"] == {
        "filter_groups": [{"filters": [{"field": "ext_order_id", "value": "111-3", "condition_type": "eq"}]}],
        "page_size": 2,
    }
    like = (
        "searchCriteria[filterGroups][0][filters][0][field]=ext_order_id"
        "&searchCriteria[filterGroups][0][filters][0][value]=111-%25"
        "&searchCriteria[filterGroups][0][filters][0][conditionType]=like"
        "&searchCriteria[sortOrders][0][field]=entity_id&searchCriteria[sortOrders][0][direction]=DESC"
        "&searchCriteria[pageSize]=2&searchCriteria[currentPage]=2"
        "&fields=items[entity_id,ext_order_id],total_count"
    )
    page = client.get(f"/rest/V1/orders?{like}", headers=auth).json()
    assert page["total_count"] == 5
    assert [i["ext_order_id"] for i in page["items"]] == ["111-2", "111-1"]
    assert set(page) == {"items", "total_count"} and set(page["items"][0]) == {"entity_id", "ext_order_id"}
    none = client.get(
        "/rest/V1/orders?searchCriteria[filter_groups][0][filters][0][field]=ext_order_id"
        "&searchCriteria[filter_groups][0][filters][0][value]=nope",
        headers=auth,
    ).json()
    assert none["total_count"] == 0 and none["items"] == []


def test_merchant_delete_makes_order_404(
    client: TestClient, auth: dict[str, str], state: MagentoState
) -> None:
    order = create_order(client, auth, ext_order_id="DEL-1")
    state.delete_order(order["entity_id"])
    assert client.get(f"/rest/V1/orders/{order['entity_id']}", headers=auth).status_code == 404
    assert state.count_orders("DEL-1") == 0
    assert client.delete("/_sandbox/orders/12345").status_code == 404


def test_store_code_grammar(client: TestClient, auth: dict[str, str]) -> None:
    for prefix in ("/rest", "/rest/default", "/rest/all", "/rest/amazon_us_en"):
        assert client.get(f"{prefix}/V1/store/storeViews", headers=auth).status_code == 200, prefix
    unknown = client.get("/rest/nosuchstore/V1/store/storeViews", headers=auth)
    assert unknown.status_code == 404 and unknown.json() == {"message": "Request does not match any route."}
    no_route = client.get("/rest/V1/not/a/route", headers=auth)
    assert no_route.status_code == 404 and no_route.json() == {"message": "Request does not match any route."}


def test_python_admin_api_lists_and_counts(
    client: TestClient, auth: dict[str, str], state: MagentoState
) -> None:
    order = create_order(client, auth, ext_order_id="P-1")
    listed = client.get("/_sandbox/orders").json()
    assert listed == state.list_orders() and listed[0]["shipping_address"]["city"] == "Seattle"
    assert client.get("/_sandbox/orders/count?ext_order_id=P-1").json()["count"] == 1
    assert state.get_order(order["entity_id"])["shipping_method"] == "flatrate_flatrate"


def test_pure_persistence_mode_skips_catalog_checks(
    client: TestClient, auth: dict[str, str], state: MagentoState
) -> None:
    state.enforce_stock_on_create = False
    order = create_order(client, auth, items=[("UNKNOWN-SKU", 999)])
    assert order["items"][0]["sku"] == "UNKNOWN-SKU" and state.reservations() == []


def test_post_orders_creates_and_all_scope_uses_default_store(
    client: TestClient, auth: dict[str, str]
) -> None:
    resp = client.post("/rest/all/V1/orders", json={"entity": order_entity("POST-1")}, headers=auth)
    assert resp.status_code == 200
    assert_valid(resp.json(), response_schema("/V1/orders", "post"))
    assert resp.json()["store_id"] == 1 and resp.json()["ext_order_id"] == "POST-1"


def test_scalar_ids_switch(client: TestClient, auth: dict[str, str], state: MagentoState) -> None:
    oid = create_order(client, auth)["entity_id"]
    state.scalar_ids_as_strings = True
    inv = client.post(f"/rest/V1/order/{oid}/invoice", json={}, headers=auth).json()
    assert isinstance(inv, str) and inv.isdigit()


def test_search_groups_and_or_semantics(client: TestClient, auth: dict[str, str]) -> None:
    create_order(client, auth, ext_order_id="G-1", items=[("SKU-1", 1)])
    create_order(client, auth, store_code="amazon_us_en", ext_order_id="G-1", items=[("SKU-2", 1)])
    create_order(client, auth, ext_order_id="G-2", items=[("SKU-1", 1)])
    f = "searchCriteria[filter_groups]"
    and_query = (
        f"{f}[0][filters][0][field]=ext_order_id&{f}[0][filters][0][value]=G-1"
        f"&{f}[1][filters][0][field]=store_id&{f}[1][filters][0][value]=1"
        "&searchCriteria[pageSize]=2&fields=items[entity_id,ext_order_id,store_id],total_count"
    )
    body = client.get(f"/rest/V1/orders?{and_query}", headers=auth).json()
    assert body["total_count"] == 1 and body["items"][0]["store_id"] == 1
    or_query = (
        f"{f}[0][filters][0][field]=ext_order_id&{f}[0][filters][0][value]=G-2"
        f"&{f}[0][filters][1][field]=store_id&{f}[0][filters][1][value]=2"
        f"&{f}[0][filters][1][condition_type]=gteq"
    )
    assert client.get(f"/rest/V1/orders?{or_query}", headers=auth).json()["total_count"] == 2
    in_query = (
        f"{f}[0][filters][0][field]=ext_order_id&{f}[0][filters][0][value]=G-1,G-2"
        f"&{f}[0][filters][0][condition_type]=in"
    )
    assert client.get(f"/rest/V1/orders?{in_query}", headers=auth).json()["total_count"] == 3
