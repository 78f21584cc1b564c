"""POST /V1/customers, GET /V1/customers/search and /V1/customers/{id}: one account per email per
website, required fields, ACL, schema-valid output."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sandbox.magento import MagentoState
from tests.sandbox.magento.schema_check import assert_valid, response_schema

CUSTOMER = "customer-data-customer-interface"
BUYER = {"email": "buyer@marketplace.amazon.com", "firstname": "Jane", "lastname": "Doe"}


def _search(client: TestClient, auth: dict[str, str], store: str, email: str) -> dict:  # type: ignore[type-arg]
    params = {
        "searchCriteria[filterGroups][0][filters][0][field]": "email",
        "searchCriteria[filterGroups][0][filters][0][value]": email,
        "searchCriteria[filterGroups][0][filters][0][conditionType]": "eq",
    }
    r = client.get(f"/rest/{store}/V1/customers/search", params=params, headers=auth)
    assert r.status_code == 200, r.text
    body: dict = r.json()  # type: ignore[type-arg]
    return body


def test_create_search_and_get_a_customer(client: TestClient, auth: dict[str, str]) -> None:
    r = client.post("/rest/amazon_us_en/V1/customers", json={"customer": BUYER}, headers=auth)
    assert r.status_code == 200, r.text
    customer = r.json()
    assert_valid(customer, CUSTOMER)
    assert_valid(customer, response_schema("/V1/customers", "post"))
    assert isinstance(customer["id"], int) and customer["group_id"] == 1
    assert (customer["store_id"], customer["website_id"], customer["created_in"]) == (2, 2, "Amazon US")
    found = _search(client, auth, "amazon_us_en", BUYER["email"])
    assert found["total_count"] == 1 and found["items"][0]["id"] == customer["id"]
    assert_valid(found, response_schema("/V1/customers/search", "get"))
    assert _search(client, auth, "default", "nobody@example.com")["total_count"] == 0
    got = client.get(f"/rest/default/V1/customers/{customer['id']}", headers=auth)
    assert got.status_code == 200 and got.json()["email"] == BUYER["email"]
    assert client.get("/rest/default/V1/customers/999", headers=auth).status_code == 404


def test_one_account_per_email_per_website(client: TestClient, auth: dict[str, str], state: MagentoState) -> None:
    assert client.post("/rest/amazon_us_en/V1/customers", json={"customer": BUYER}, headers=auth).status_code == 200
    again = client.post(
        "/rest/amazon_us_en/V1/customers", json={"customer": {**BUYER, "email": BUYER["email"].upper()}}, headers=auth
    )
    assert again.status_code == 400
    assert again.json()["message"] == "A customer with the same email address already exists in an associated website."
    other_site = client.post("/rest/default/V1/customers", json={"customer": BUYER}, headers=auth)
    assert other_site.status_code == 200 and other_site.json()["website_id"] == 1
    assert len(state.list_customers()) == 2


def test_required_fields_unknown_fields_and_acl(client: TestClient, auth: dict[str, str], state: MagentoState) -> None:
    missing = client.post("/rest/default/V1/customers", json={"customer": {"email": "a@b.example"}}, headers=auth)
    assert missing.status_code == 400 and missing.json()["parameters"] == {"fieldName": "firstname"}
    no_body = client.post("/rest/default/V1/customers", json={}, headers=auth)
    assert no_body.status_code == 400 and no_body.json()["parameters"] == {"fieldName": "customer"}
    unknown = client.post("/rest/default/V1/customers", json={"customer": {**BUYER, "nickname": "x"}}, headers=auth)
    assert unknown.status_code == 400
    keys = state.create_integration("orders-only", resources=["Magento_Sales::create"])
    bearer = {"Authorization": f"Bearer {keys['access_token']}"}
    denied = client.post("/rest/default/V1/customers", json={"customer": BUYER}, headers=bearer)
    assert denied.status_code == 401
    assert denied.json()["parameters"] == {"resources": "Magento_Customer::manage"}
