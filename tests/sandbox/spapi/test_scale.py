"""A thousand sellers with thousands of orders stay fast: searches read per-seller indexes."""

from __future__ import annotations

import time
from datetime import timedelta

from sandbox.spapi import SandboxState
from sandbox.spapi.clock import format_time

LONG_AGO = "2020-01-01T00:00:00Z"


def test_thousand_sellers_poll_quickly() -> None:
    state = SandboxState(seed=3, rate_limits_enabled=False)
    state.clock.freeze()
    sellers = [state.create_seller().seller_id for _ in range(1000)]
    state.tick_all(new_orders_per_seller=6)
    state.clock.advance(60)
    state.tick_all(transitions_per_seller=3)
    state.clock.advance(180)
    started = time.perf_counter()
    counts = [
        len(
            state.search_orders(seller_id, {"lastUpdatedAfter": LONG_AGO, "includedData": "FULFILLMENT"})[
                "orders"
            ]
        )
        for seller_id in sellers
    ]
    elapsed = time.perf_counter() - started
    assert counts == [6] * 1000
    assert elapsed < 15, f"1000 searches took {elapsed:.1f}s"


def test_big_seller_narrow_window_and_full_pagination() -> None:
    state = SandboxState(seed=4, rate_limits_enabled=False)
    state.clock.freeze()
    seller = state.create_seller().seller_id
    state.tick(seller, new_orders=3000)
    state.clock.advance(3600)
    recent = state.create_order(seller).order_id
    state.clock.advance(180)
    window = {"lastUpdatedAfter": format_time(state.clock.now() - timedelta(minutes=5))}
    started = time.perf_counter()
    for _ in range(200):
        body = state.search_orders(seller, window)
    assert time.perf_counter() - started < 5
    assert [o["orderId"] for o in body["orders"]] == [recent]
    token, seen = None, []
    while True:
        params = {"createdAfter": LONG_AGO, "maxResultsPerPage": "100"} | (
            {"paginationToken": token} if token else {}
        )
        page = state.search_orders(seller, params)
        seen += [o["orderId"] for o in page["orders"]]
        token = page.get("pagination", {}).get("nextToken")
        if not token:
            break
    assert len(seen) == len(set(seen)) == 3001
