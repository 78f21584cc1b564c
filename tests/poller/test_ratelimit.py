from __future__ import annotations

import asyncio

import pytest

from services.poller.ratelimit import DEFAULT_RATES, RateLimits, TokenBucket
from services.poller.scheduler import failure_delay, first_delay, owns
from tests.harness import FakeClock


def test_burst_then_rate() -> None:
    clock = FakeClock()
    b = TokenBucket(0.5, 3, clock)
    assert [b.try_take() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert b.try_take() == pytest.approx(2.0)
    clock.now += 1.0
    assert b.try_take() == pytest.approx(1.0)
    clock.now += 1.0
    assert b.try_take() == 0.0


def test_refill_is_capped_at_burst() -> None:
    clock = FakeClock()
    b = TokenBucket(1.0, 5, clock, initial=0)
    clock.now += 3600
    assert b.tokens == 5


def test_amazon_defaults() -> None:
    limits = RateLimits(clock=FakeClock())
    s = limits.bucket("st", "searchOrders")
    assert (s.rate, s.burst) == DEFAULT_RATES["searchOrders"] == (0.0056, 20)
    assert (limits.bucket("st", "getOrder").rate, limits.bucket("st", "getOrder").burst) == (0.5, 30)
    assert limits.bucket("st", "searchOrders") is s
    assert limits.bucket("other", "searchOrders") is not s


def test_rate_follows_the_header() -> None:
    limits = RateLimits(clock=FakeClock())
    limits.observe_limit("st", "searchOrders", "0.0167")
    assert limits.bucket("st", "searchOrders").rate == pytest.approx(0.0167)
    limits.observe_limit("st", "searchOrders", "garbage")
    limits.observe_limit("st", "searchOrders", None)
    assert limits.bucket("st", "searchOrders").rate == pytest.approx(0.0167)


def test_drain_after_429() -> None:
    clock = FakeClock()
    b = TokenBucket(0.5, 30, clock)
    b.drain()
    assert b.try_take() == pytest.approx(2.0)


def test_acquire_waits_for_a_token() -> None:
    async def main() -> float:
        b = TokenBucket(20.0, 1)
        await b.acquire()
        return await b.acquire()

    waited = asyncio.run(main())
    assert 0.02 <= waited <= 0.2


def test_store_split_and_spread() -> None:
    stores = [f"store-{i}" for i in range(300)]
    for sid in stores:
        assert sum(owns(sid, i, 3) for i in range(3)) == 1
    shares = [sum(owns(sid, i, 3) for sid in stores) for i in range(3)]
    assert min(shares) > 60
    offsets = sorted(first_delay(sid, 180) for sid in stores)
    assert offsets[0] < 20 and offsets[-1] > 160 and all(0 <= o < 180 for o in offsets)
    assert failure_delay(60, 1) == 60 and failure_delay(60, 3) == 240 and failure_delay(60, 20) == 900
