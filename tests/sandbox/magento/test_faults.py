"""Fault injection (429/500/503, lock wait, latency, commit-then-drop) and the mutating-call log."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from sandbox._server import serve_in_thread
from sandbox.magento import ConnectionDropped, MagentoState, create_app
from tests.sandbox.magento.helpers import order_entity
from tests.sandbox.magento.schema_check import assert_valid

CREATE = "PUT /V1/orders/create"


def _put(client: TestClient, auth: dict[str, str], ext: str = "F-1") -> httpx.Response:
    return client.put(
        "/rest/V1/orders/create", json={"entity": order_entity(ext, items=[("SKU-1", 1)])}, headers=auth
    )


def test_next_n_calls_fail_with_status_then_recover(
    client: TestClient, auth: dict[str, str], state: MagentoState
) -> None:
    state.inject_fault(CREATE, "status", times=2, status=429)
    first, second = _put(client, auth), _put(client, auth)
    assert (first.status_code, second.status_code) == (429, 429)
    assert first.json() == {"message": "Too Many Requests"}
    state.inject_fault(CREATE, "status", status=500)
    masked = _put(client, auth)
    assert masked.status_code == 500
    assert (
        masked.json()["message"] == "Internal Error. Details are available in Magento log file. Report ID: %1"
    )
    assert re.fullmatch(r"webapi-[0-9a-f]{13}", masked.json()["parameters"][0])
    assert_valid({"message": masked.json()["message"]}, "error-response")
    client.post("/_sandbox/faults", json={"route": CREATE, "kind": "status", "status": 503})
    assert _put(client, auth).status_code == 503
    assert state.count_orders("F-1") == 0  # nothing persisted by failed calls
    assert _put(client, auth).status_code == 200
    statuses = [(c["status"], c["fault"]) for c in state.calls(CREATE)]
    assert statuses == [
        (429, "status_429"),
        (429, "status_429"),
        (500, "status_500"),
        (503, "status_503"),
        (200, None),
    ]


def test_lock_wait_timeout_masked_or_shown_in_developer_mode(
    client: TestClient, auth: dict[str, str], state: MagentoState
) -> None:
    state.inject_fault(CREATE, "lock_wait")
    assert _put(client, auth).json()["message"].startswith("Internal Error.")
    state.developer_mode = True
    state.inject_fault(CREATE, "lock_wait")
    body = _put(client, auth).json()
    assert body["message"].startswith("SQLSTATE[HY000]: General error: 1205 Lock wait timeout exceeded")
    assert "trace" in body
    assert state.count_orders("F-1") == 0


def test_latency_is_applied(client: TestClient, auth: dict[str, str], state: MagentoState) -> None:
    client.post("/_sandbox/latency", json={"ms": 150, "route": "GET /V1/orders/{id}"})
    started = time.monotonic()
    client.get("/rest/V1/orders/1", headers=auth)
    assert time.monotonic() - started >= 0.15
    state.clear_faults()
    started = time.monotonic()
    client.get("/rest/V1/orders/1", headers=auth)
    assert time.monotonic() - started < 0.15


def test_commit_then_drop_in_process(client: TestClient, auth: dict[str, str], state: MagentoState) -> None:
    state.inject_fault(CREATE, "commit_then_drop")
    with pytest.raises(ConnectionDropped):
        _put(client, auth, "DROP-1")
    assert state.count_orders("DROP-1") == 1  # committed although the caller saw no answer
    retry = _put(client, auth, "DROP-1")  # a blind retry would create a second order ...
    assert retry.status_code == 200 and state.count_orders("DROP-1") == 2  # ... ext_order_id is not unique
    assert [c["dropped"] for c in state.calls(CREATE)] == [True, False]


def test_commit_then_drop_over_a_socket_and_call_log() -> None:
    state = MagentoState()
    state.create_product("SKU-1", qty=10)
    token = state.issue_admin_token()
    handle = serve_in_thread(create_app(state))
    try:
        with httpx.Client(
            base_url=handle.url, headers={"Authorization": f"Bearer {token}"}, timeout=5
        ) as http:
            state.inject_fault(CREATE, "commit_then_drop")
            body = {"entity": order_entity("SOCK-1", items=[("SKU-1", 1)], increment_id="AMZ-SOCK-1")}
            with pytest.raises(httpx.TransportError):
                http.put("/rest/default/V1/orders/create", json=body)
            assert state.count_orders("SOCK-1") == 1
            dup = http.put(
                "/rest/default/V1/orders/create", json=body
            )  # retry with deterministic increment id
            assert dup.status_code == 400 and dup.json()["message"] == "Unique constraint violation found"
            assert http.get("/rest/V1/orders/1").status_code == 200  # reads are not logged
            calls = http.get("/_sandbox/calls").json()
    finally:
        handle.stop()
    assert [(c["route"], c["store_code"], c["dropped"], c["status"]) for c in calls] == [
        (CREATE, "default", True, 200),
        (CREATE, "default", False, 400),
    ]


def test_fault_on_cancel_route_uses_schema_template(
    client: TestClient, auth: dict[str, str], state: MagentoState
) -> None:
    oid = _put(client, auth, "CX-1").json()["entity_id"]
    state.inject_fault("POST /V1/orders/{id}/cancel", "status", status=503)
    assert client.post(f"/rest/V1/orders/{oid}/cancel", headers=auth).status_code == 503
    assert client.post(f"/rest/V1/orders/{oid}/cancel", headers=auth).json() is True
    assert [c["status"] for c in state.calls("POST /V1/orders/{id}/cancel")] == [503, 200]
