"""Bearer admin/integration tokens, OAuth 1.0a (HMAC-SHA256/SHA1, signed with oauthlib), ACL, 401 envelope."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi.testclient import TestClient
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256, Client

from sandbox.magento import MagentoState
from tests.sandbox.magento.helpers import order_entity
from tests.sandbox.magento.schema_check import assert_valid

BASE = "http://testserver"


def _oauth(
    integ: dict[str, Any], method: str, url: str, sig: str = SIGNATURE_HMAC_SHA256, secret: str | None = None
) -> dict[str, str]:
    client = Client(
        integ["consumer_key"],
        client_secret=secret or integ["consumer_secret"],
        resource_owner_key=integ["access_token"],
        resource_owner_secret=integ["access_token_secret"],
        signature_method=sig,
    )
    # JSON bodies are not part of the base string: sign without a body
    _, headers, _ = client.sign(url, http_method=method)
    return {"Authorization": headers["Authorization"]}


def test_no_credentials_is_401_with_resource(client: TestClient) -> None:
    resp = client.put("/rest/V1/orders/create", json={"entity": order_entity()})
    assert resp.status_code == 401
    assert resp.json() == {
        "message": "The consumer isn't authorized to access %resources.",
        "parameters": {"resources": "Magento_Sales::create"},
    }
    assert_valid({"message": resp.json()["message"]}, "error-response")
    bad = client.get("/rest/V1/orders/1", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401 and bad.json()["parameters"] == {"resources": "Magento_Sales::actions_view"}


def test_oauth_hmac_sha256_and_sha1_good_signature(client: TestClient, state: MagentoState) -> None:
    integ = state.create_integration()
    url = f"{BASE}/rest/amazon_us_en/V1/orders/create"
    entity = order_entity(items=[("SKU-2", 1)])
    resp = client.put(url, json={"entity": entity}, headers=_oauth(integ, "PUT", url))
    assert resp.status_code == 200, resp.text
    query = urlencode(
        {
            "searchCriteria[filter_groups][0][filters][0][field]": "ext_order_id",
            "searchCriteria[filter_groups][0][filters][0][value]": "113-1234567-1234567",
        }
    )
    search = f"{BASE}/rest/V1/orders?{query}"  # brackets percent-encoded, as oauthlib requires
    found = client.get(search, headers=_oauth(integ, "GET", search, SIGNATURE_HMAC_SHA1))
    assert found.status_code == 200 and found.json()["total_count"] == 1


def test_oauth_bad_signature_replay_and_wrong_token(client: TestClient, state: MagentoState) -> None:
    integ = state.create_integration()
    url = f"{BASE}/rest/V1/products/SKU-1"
    wrong_secret = client.get(url, headers=_oauth(integ, "GET", url, secret="not-the-secret"))
    assert wrong_secret.status_code == 401
    assert wrong_secret.json()["parameters"] == {"resources": "Magento_Catalog::products"}
    other_url = _oauth(integ, "GET", f"{BASE}/rest/V1/products/SKU-2")
    assert client.get(url, headers=other_url).status_code == 401  # signature covers the path
    good = _oauth(integ, "GET", url)
    assert client.get(url, headers=good).status_code == 200
    assert client.get(url, headers=good).status_code == 401  # nonce replay
    tampered = {"Authorization": good["Authorization"].replace(integ["access_token"], "0" * 32)}
    assert client.get(url, headers=tampered).status_code == 401


def test_integration_acl_and_bearer_switch(client: TestClient, state: MagentoState) -> None:
    reader = state.create_integration("reader", ["Magento_Sales::actions_view"])
    bearer = {"Authorization": f"Bearer {reader['access_token']}"}
    assert client.get("/rest/V1/orders?searchCriteria[pageSize]=1", headers=bearer).status_code == 200
    denied = client.put("/rest/V1/orders/create", json={"entity": order_entity()}, headers=bearer)
    assert denied.status_code == 401 and denied.json()["parameters"] == {"resources": "Magento_Sales::create"}
    state.integration_bearer_enabled = False  # Magento >= 2.4.4 default
    assert client.get("/rest/V1/orders?searchCriteria[pageSize]=1", headers=bearer).status_code == 401


def test_admin_token_endpoint_and_expiry(client: TestClient, state: MagentoState) -> None:
    resp = client.post("/rest/V1/integration/admin/token", json={"username": "admin", "password": "admin123"})
    assert resp.status_code == 200 and isinstance(resp.json(), str)
    headers = {"Authorization": f"Bearer {resp.json()}"}
    assert client.get("/rest/V1/store/websites", headers=headers).status_code == 200
    state.expire_admin_token(resp.json())
    assert client.get("/rest/V1/store/websites", headers=headers).status_code == 401
    wrong = client.post("/rest/V1/integration/admin/token", json={"username": "admin", "password": "x"})
    assert wrong.status_code == 401 and wrong.json()["message"].startswith(
        "The account sign-in was incorrect"
    )
    issued = client.post("/_sandbox/tokens", json={}).json()["token"]
    assert (
        client.get("/rest/V1/store/websites", headers={"Authorization": f"Bearer {issued}"}).status_code
        == 200
    )
