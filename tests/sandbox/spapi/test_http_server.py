"""The sandbox behind a real uvicorn server (as the poller, demo and benchmarks use it)."""

from __future__ import annotations

import base64
from urllib.parse import quote

import httpx

from sandbox._server import serve_in_thread
from sandbox.spapi import SandboxState
from sandbox.spapi.server import create_app


def test_real_server_round_trip_with_url_unsafe_tokens() -> None:
    state = SandboxState(seed=5, rate_scale=1000)
    handle = serve_in_thread(create_app(state))
    try:
        with httpx.Client(base_url=handle.url, timeout=10) as http:
            credentials = http.post("/_sandbox/sellers", json={}).json()
            token = http.post(
                "/auth/o2/token",
                data={
                    "grant_type": "refresh_token",
                    "refresh_token": credentials["refresh_token"],
                    "client_id": credentials["client_id"],
                    "client_secret": credentials["client_secret"],
                },
            ).json()["access_token"]
            http.post(f"/_sandbox/sellers/{credentials['seller_id']}/tick", json={"new_orders": 7})
            http.post("/_sandbox/clock/advance", json={"seconds": 180})
            headers = {"x-amz-access-token": token}
            params: dict[str, str | int] = {
                "lastUpdatedAfter": "2020-01-01T00:00:00Z",
                "maxResultsPerPage": 2,
            }
            seen: list[str] = []
            next_token: str | None = None
            while True:
                query = params | ({"paginationToken": next_token} if next_token else {})
                response = http.get("/orders/2026-01-01/orders", params=query, headers=headers)
                assert response.status_code == 200, response.text
                assert response.headers["x-amzn-RateLimit-Limit"] == "5.6"
                seen += [o["orderId"] for o in response.json()["orders"]]
                next_token = response.json().get("pagination", {}).get("nextToken")
                if not next_token:
                    break
                base64.b64decode(next_token, validate=True)  # standard alphabet: must be URL-encoded
            assert len(seen) == len(set(seen)) == 7
            one = http.get(f"/orders/2026-01-01/orders/{quote(seen[0])}", headers=headers)
            assert one.status_code == 200 and one.json()["order"]["orderId"] == seen[0]
    finally:
        handle.stop()
