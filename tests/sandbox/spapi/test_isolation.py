"""Sellers see only their own orders, tokens and pagination."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sandbox.spapi import SandboxState
from tests.sandbox.spapi.helpers import LONG_AGO, SellerSession, get_order, login, search


def test_sellers_are_isolated(state: SandboxState, client: TestClient, seller: SellerSession) -> None:
    other_credentials = state.create_seller("A2OTHERSELLER", marketplace_id="A1PA6795UKMFR9")
    other = SellerSession(other_credentials, login(client, other_credentials))
    mine = {state.create_order(seller.seller_id).order_id for _ in range(4)}
    theirs = {state.create_order(other.seller_id).order_id for _ in range(3)}
    state.clock.advance(180)

    def ids(session: SellerSession) -> set[str]:
        return {o["orderId"] for o in search(client, session, lastUpdatedAfter=LONG_AGO).json()["orders"]}

    assert ids(seller) == mine and ids(other) == theirs
    foreign = next(iter(theirs))
    assert get_order(client, seller, foreign).status_code == 404
    assert get_order(client, other, foreign).status_code == 200
    german = search(client, other, lastUpdatedAfter=LONG_AGO, includedData="PROCEEDS").json()["orders"]
    assert {o["salesChannel"]["marketplaceName"] for o in german} == {"Amazon.de"}
    assert all(o["orderId"][:3] in {"302", "303", "304", "305", "306"} for o in german)

    token = search(client, seller, lastUpdatedAfter=LONG_AGO, maxResultsPerPage=1).json()["pagination"][
        "nextToken"
    ]
    stolen = search(client, other, lastUpdatedAfter=LONG_AGO, maxResultsPerPage=1, paginationToken=token)
    assert stolen.status_code == 400 and stolen.json()["errors"][0]["code"] == "InvalidInput"


def test_faults_and_malformed_orders_stay_with_their_seller(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    other_credentials = state.create_seller("A2OTHERSELLER")
    other = SellerSession(other_credentials, login(client, other_credentials))
    state.create_order(seller.seller_id)
    state.create_order(other.seller_id)
    state.clock.advance(180)
    state.malform_next_search(other.seller_id, "missing_field", field="salesChannel")
    state.inject_fault("searchOrders", status=500, seller_id=other.seller_id)
    mine = search(client, seller, lastUpdatedAfter=LONG_AGO).json()["orders"]
    assert mine and all("salesChannel" in o for o in mine)
    assert search(client, other, lastUpdatedAfter=LONG_AGO).status_code == 500
    assert all(
        "salesChannel" not in o for o in search(client, other, lastUpdatedAfter=LONG_AGO).json()["orders"]
    )
