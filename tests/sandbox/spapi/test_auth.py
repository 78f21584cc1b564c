"""LWA token exchange and access-token checks on the Orders API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from sandbox.spapi import SandboxState
from tests.sandbox.spapi.contract import assert_valid
from tests.sandbox.spapi.helpers import LONG_AGO, ORDERS_PATH, SellerSession, search


def _form(state: SandboxState, token: str, overrides: dict[str, str] | None = None) -> dict[str, str]:
    return {
        "grant_type": "refresh_token",
        "refresh_token": token,
        "client_id": state.auth.client_id,
        "client_secret": state.auth.client_secret,
    } | (overrides or {})


def test_refresh_token_exchange_form_and_json(state: SandboxState, client: TestClient) -> None:
    credentials = state.create_seller()
    assert credentials.refresh_token.startswith("Atzr|")
    assert credentials.client_id.startswith("amzn1.application-oa2-client.")
    for response in (
        client.post("/auth/o2/token", data=_form(state, credentials.refresh_token)),
        client.post("/auth/o2/token", json=_form(state, credentials.refresh_token)),
    ):
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"] == "bearer" and body["expires_in"] == 3600
        assert body["refresh_token"] == credentials.refresh_token
        assert body["access_token"].startswith("Atza|")
        orders = client.get(
            ORDERS_PATH,
            params={"lastUpdatedAfter": LONG_AGO},
            headers={"x-amz-access-token": body["access_token"]},
        )
        assert orders.status_code == 200, orders.text


@pytest.mark.parametrize(
    "overrides, status, error",
    [
        ({"refresh_token": "Atzr|not-a-token"}, 400, "invalid_grant"),
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "amzn1.application-oa2-client.unknown"}, 401, "invalid_client"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"refresh_token": ""}, 400, "invalid_request"),
        ({"grant_type": ""}, 400, "invalid_request"),
    ],
)
def test_bad_credentials_answer_like_lwa(
    state: SandboxState, client: TestClient, overrides: dict[str, str], status: int, error: str
) -> None:
    credentials = state.create_seller()
    response = client.post("/auth/o2/token", data=_form(state, credentials.refresh_token, overrides))
    assert response.status_code == status
    assert response.json()["error"] == error and response.json()["error_description"]


def test_missing_wrong_and_expired_access_tokens_get_403(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    for headers in (
        {},
        {"x-amz-access-token": "Atza|forged"},
        {"authorization": f"Bearer {seller.access_token}"},
    ):
        response = client.get(ORDERS_PATH, params={"lastUpdatedAfter": LONG_AGO}, headers=headers)
        assert response.status_code == 403
        assert_valid("ErrorList", response.json())
        assert response.json()["errors"][0]["code"] == "Unauthorized"
        assert response.headers["x-amzn-RequestId"] and "x-amzn-RateLimit-Limit" not in response.headers
    state.clock.advance(3599)
    assert search(client, seller, lastUpdatedAfter=LONG_AGO).status_code == 200
    state.clock.advance(1)
    expired = search(client, seller, lastUpdatedAfter=LONG_AGO)
    assert expired.status_code == 403
    assert expired.json()["errors"][0]["details"] == "The access token you provided has expired."


def test_token_lifetime_is_configurable(client: TestClient) -> None:
    state: SandboxState = client.app.state.sandbox  # type: ignore[attr-defined]
    state.auth.access_token_ttl_seconds = 5
    credentials = state.create_seller()
    body = client.post("/auth/o2/token", data=_form(state, credentials.refresh_token)).json()
    assert body["expires_in"] == 5
    headers = {"x-amz-access-token": body["access_token"]}
    assert client.get(ORDERS_PATH, params={"lastUpdatedAfter": LONG_AGO}, headers=headers).status_code == 200
    state.clock.advance(5)
    assert client.get(ORDERS_PATH, params={"lastUpdatedAfter": LONG_AGO}, headers=headers).status_code == 403


def test_grantless_token_cannot_read_orders(state: SandboxState, client: TestClient) -> None:
    response = client.post(
        "/auth/o2/token",
        data={
            "grant_type": "client_credentials",
            "scope": "sellingpartnerapi::notifications",
            "client_id": state.auth.client_id,
            "client_secret": state.auth.client_secret,
        },
    )
    assert response.status_code == 200 and "refresh_token" not in response.json()
    orders = client.get(
        ORDERS_PATH,
        params={"lastUpdatedAfter": LONG_AGO},
        headers={"x-amz-access-token": response.json()["access_token"]},
    )
    assert orders.status_code == 403
