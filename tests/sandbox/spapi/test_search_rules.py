"""searchOrders parameter rules: exactly one *After, the two-minute rule, enums and limits,
and pagination tokens (bound to the parameters, stable, expiring after 24 hours)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sandbox.spapi import SandboxState
from sandbox.spapi.clock import format_time
from tests.sandbox.spapi.contract import assert_valid
from tests.sandbox.spapi.helpers import LONG_AGO, START, SellerSession, search


def _error(response: Any) -> str:
    assert response.status_code == 400, response.text
    (error,) = response.json()["errors"]
    assert error["code"] == "InvalidInput"
    return str(error["message"])


def _make_orders(state: SandboxState, seller: SellerSession, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        ids.append(state.create_order(seller.seller_id, fulfilled_by="MERCHANT").order_id)
        state.clock.advance(1)
    state.clock.advance(180)
    return ids


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"createdAfter": LONG_AGO, "lastUpdatedAfter": LONG_AGO},
        {"createdAfter": LONG_AGO, "lastUpdatedBefore": LONG_AGO},
        {"lastUpdatedAfter": LONG_AGO, "createdBefore": LONG_AGO},
        {"lastUpdatedAfter": "yesterday"},
        {"lastUpdatedAfter": LONG_AGO, "maxResultsPerPage": 0},
        {"lastUpdatedAfter": LONG_AGO, "maxResultsPerPage": 101},
        {"lastUpdatedAfter": LONG_AGO, "maxResultsPerPage": "ten"},
        {"lastUpdatedAfter": LONG_AGO, "fulfillmentStatuses": "Canceled"},
        {"lastUpdatedAfter": LONG_AGO, "fulfillmentStatuses": "InvoiceUnconfirmed"},
        {"lastUpdatedAfter": LONG_AGO, "fulfilledBy": "AFN"},
        {"lastUpdatedAfter": LONG_AGO, "includedData": "ADDRESS"},
        {"lastUpdatedAfter": LONG_AGO, "marketplaceIds": ",".join(f"M{i}" for i in range(51))},
        {
            "lastUpdatedAfter": format_time(START),
            "lastUpdatedBefore": format_time(START - timedelta(hours=1)),
        },
    ],
)
def test_invalid_parameters_are_rejected(
    client: TestClient, seller: SellerSession, params: dict[str, Any]
) -> None:
    response = search(client, seller, **params)
    _error(response)
    assert response.headers["x-amzn-RequestId"] and response.headers["x-amzn-RateLimit-Limit"]


@pytest.mark.parametrize("age_seconds, accepted", [(0, False), (119, False), (120, True), (3600, True)])
def test_before_must_be_two_minutes_old(
    client: TestClient, seller: SellerSession, age_seconds: int, accepted: bool
) -> None:
    before = format_time(START - timedelta(seconds=age_seconds))
    for after_name, before_name in (
        ("lastUpdatedAfter", "lastUpdatedBefore"),
        ("createdAfter", "createdBefore"),
    ):
        response = search(client, seller, **{after_name: LONG_AGO, before_name: before})
        if accepted:
            assert response.status_code == 200, response.text
            assert response.json()[before_name] == before
        else:
            assert "two minutes" in _error(response)


def test_default_upper_bound_hides_the_last_two_minutes(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    order = state.create_order(seller.seller_id)
    first = search(client, seller, lastUpdatedAfter=LONG_AGO)
    assert first.json() == {"orders": [], "lastUpdatedBefore": format_time(START - timedelta(minutes=2))}
    state.clock.advance(120)
    second = search(client, seller, lastUpdatedAfter=LONG_AGO).json()
    assert [o["orderId"] for o in second["orders"]] == [order.order_id]
    assert second["lastUpdatedBefore"] == format_time(START)


def test_created_and_updated_windows_use_their_own_timestamps(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    old = state.create_order(seller.seller_id, fulfilled_by="MERCHANT")
    state.clock.advance(1800)
    state.set_status(seller.seller_id, old.order_id, "UNSHIPPED")
    state.clock.advance(180)
    recent = format_time(START + timedelta(minutes=15))
    assert [o["orderId"] for o in search(client, seller, lastUpdatedAfter=recent).json()["orders"]] == [
        old.order_id
    ]
    by_created = search(client, seller, createdAfter=recent).json()
    assert by_created["orders"] == [] and "createdBefore" in by_created
    assert len(search(client, seller, createdAfter=LONG_AGO).json()["orders"]) == 1


def test_filters_accept_csv_and_repeated_keys(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    sid = seller.seller_id
    unshipped = state.create_order(sid, fulfilled_by="MERCHANT", status="UNSHIPPED").order_id
    fba = state.create_order(sid, fulfilled_by="AMAZON").order_id
    cancelled = state.create_order(sid, fulfilled_by="MERCHANT", status="CANCELLED").order_id
    state.clock.advance(180)

    def ids(**params: Any) -> set[str]:
        response = search(client, seller, lastUpdatedAfter=LONG_AGO, **params)
        assert response.status_code == 200, response.text
        return {o["orderId"] for o in response.json()["orders"]}

    assert ids(fulfillmentStatuses="UNSHIPPED,CANCELLED") == {unshipped, cancelled}
    assert ids(fulfillmentStatuses=["UNSHIPPED", "PENDING"]) == {unshipped, fba}
    assert ids(fulfilledBy="AMAZON") == {fba}
    assert ids(marketplaceIds="ATVPDKIKX0DER") == {unshipped, fba, cancelled}
    assert ids(marketplaceIds="A1PA6795UKMFR9") == set()


def _all_pages(client: TestClient, seller: SellerSession, size: int, **params: Any) -> list[list[str]]:
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        extra = {"paginationToken": token} if token else {}
        response = search(client, seller, maxResultsPerPage=size, **params, **extra)
        assert response.status_code == 200, response.text
        assert_valid("SearchOrdersResponse", response.json())
        body = response.json()
        pages.append([order["orderId"] for order in body["orders"]])
        if "pagination" not in body:
            return pages
        token = body["pagination"]["nextToken"]


def test_pagination_walks_every_order_once_in_update_order(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    ids = _make_orders(state, seller, 25)
    pages = _all_pages(client, seller, 10, lastUpdatedAfter=LONG_AGO)
    assert [len(page) for page in pages] == [10, 10, 5]
    assert [order_id for page in pages for order_id in page] == ids
    exact = _all_pages(client, seller, 5, lastUpdatedAfter=LONG_AGO)
    assert [len(page) for page in exact] == [5, 5, 5, 5, 5]


def test_token_must_come_with_the_same_parameters(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    _make_orders(state, seller, 6)
    first = search(client, seller, lastUpdatedAfter=LONG_AGO, maxResultsPerPage=2).json()
    token = first["pagination"]["nextToken"]
    changed = search(
        client, seller, lastUpdatedAfter=format_time(START), maxResultsPerPage=2, paginationToken=token
    )
    assert "must match" in _error(changed)
    filtered = search(
        client, seller, lastUpdatedAfter=LONG_AGO, fulfilledBy="MERCHANT", paginationToken=token
    )
    assert "must match" in _error(filtered)
    resized = search(
        client,
        seller,
        lastUpdatedAfter=LONG_AGO,
        maxResultsPerPage=3,
        includedData="BUYER",
        paginationToken=token,
    )
    assert resized.status_code == 200, resized.text
    assert len(resized.json()["orders"]) == 3
    tampered = search(client, seller, lastUpdatedAfter=LONG_AGO, paginationToken=token[:-4] + "AAAA")
    _error(tampered)


def test_token_expires_after_24_hours(state: SandboxState, client: TestClient, seller: SellerSession) -> None:
    _make_orders(state, seller, 3)
    token = search(client, seller, lastUpdatedAfter=LONG_AGO, maxResultsPerPage=1).json()["pagination"][
        "nextToken"
    ]
    state.clock.advance(24 * 3600 - 1)
    seller.access_token = state.access_token_for(seller.seller_id)
    assert (
        search(
            client, seller, lastUpdatedAfter=LONG_AGO, maxResultsPerPage=1, paginationToken=token
        ).status_code
        == 200
    )
    state.clock.advance(2)
    expired = search(client, seller, lastUpdatedAfter=LONG_AGO, maxResultsPerPage=1, paginationToken=token)
    assert "paginationToken" in _error(expired)
    assert "expired" in expired.json()["errors"][0]["details"]


def test_pagination_is_stable_while_orders_change(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    ids = _make_orders(state, seller, 9)
    first = search(client, seller, lastUpdatedAfter=LONG_AGO, maxResultsPerPage=3).json()
    seen = [o["orderId"] for o in first["orders"]]
    state.set_status(seller.seller_id, ids[0], "UNSHIPPED")  # already seen: moves to the end
    state.set_status(seller.seller_id, ids[5], "UNSHIPPED")  # not yet seen: moves past the window
    state.create_order(seller.seller_id)
    state.clock.advance(600)
    token = first["pagination"]["nextToken"]
    while token:
        body = search(
            client, seller, lastUpdatedAfter=LONG_AGO, maxResultsPerPage=3, paginationToken=token
        ).json()
        seen += [o["orderId"] for o in body["orders"]]
        token = body.get("pagination", {}).get("nextToken")
    assert seen == ids[:5] + ids[6:]
    following = search(client, seller, lastUpdatedAfter=first["lastUpdatedBefore"]).json()
    assert {ids[0], ids[5]} <= {o["orderId"] for o in following["orders"]}
