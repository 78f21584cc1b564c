"""Token buckets per (seller, operation) with Amazon's default rates, and the rate headers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sandbox.spapi import SandboxState
from sandbox.spapi.ratelimit import RateLimiter
from sandbox.spapi.server import create_app
from tests.harness import FakeClock
from tests.sandbox.spapi.contract import assert_valid
from tests.sandbox.spapi.helpers import LONG_AGO, SellerSession, get_order, login, search


def test_search_orders_burst_then_429_then_refill() -> None:
    ticks = FakeClock()
    state = SandboxState(seed=1, monotonic=ticks)
    with TestClient(create_app(state)) as client:
        credentials = state.create_seller()
        session = SellerSession(credentials, login(client, credentials))
        for _ in range(20):
            ok = search(client, session, lastUpdatedAfter=LONG_AGO)
            assert ok.status_code == 200
            assert ok.headers["x-amzn-RateLimit-Limit"] == "0.0056"
        throttled = search(client, session, lastUpdatedAfter=LONG_AGO)
        assert throttled.status_code == 429
        assert_valid("ErrorList", throttled.json())
        assert throttled.json()["errors"][0]["code"] == "QuotaExceeded"
        assert throttled.headers["x-amzn-RequestId"] and "x-amzn-RateLimit-Limit" not in throttled.headers
        ticks.now += 1 / 0.0056 + 0.01
        assert search(client, session, lastUpdatedAfter=LONG_AGO).status_code == 200
        assert search(client, session, lastUpdatedAfter=LONG_AGO).status_code == 429
        order = state.create_order(credentials.seller_id)
        assert get_order(client, session, order.order_id).headers["x-amzn-RateLimit-Limit"] == "0.5"


def test_buckets_are_per_seller_and_operation() -> None:
    ticks = FakeClock()
    limiter = RateLimiter(monotonic=ticks)
    assert all(limiter.try_acquire("A", "searchOrders") for _ in range(20))
    assert not limiter.try_acquire("A", "searchOrders")
    assert limiter.try_acquire("B", "searchOrders")
    assert all(limiter.try_acquire("A", "getOrder") for _ in range(30))
    assert not limiter.try_acquire("A", "getOrder")
    ticks.now += 2.0
    assert limiter.try_acquire("A", "getOrder") and not limiter.try_acquire("A", "getOrder")


def test_rate_scale_speeds_up_refill_and_shows_in_the_header() -> None:
    ticks = FakeClock()
    limiter = RateLimiter(rate_scale=1000, monotonic=ticks)
    assert limiter.header_value("searchOrders") == "5.6"
    assert all(limiter.try_acquire("A", "searchOrders") for _ in range(20))
    assert not limiter.try_acquire("A", "searchOrders")
    ticks.now += 0.2
    assert limiter.try_acquire("A", "searchOrders")


def test_rate_limits_can_be_configured_over_http(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    answer = client.post("/_sandbox/config", json={"rate_limits_enabled": True, "rate_scale": 2}).json()
    assert answer["rate_limits_enabled"] is True and answer["rate_scale"] == 2
    statuses = [search(client, seller, lastUpdatedAfter=LONG_AGO).status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
    assert search(client, seller, lastUpdatedAfter=LONG_AGO).status_code == 429
