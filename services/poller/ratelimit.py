"""Client-side rate limiting: a token bucket per (store, operation) (retries and their backoff:
``services/common/retry.py``).

Seeded from Amazon's published default rates and adjusted from ``x-amzn-RateLimit-Limit``
when Amazon sends it. The clock is injectable so the arithmetic is testable without sleeping."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

# Amazon's default usage plans for Orders v2026-01-01 (requests per second, burst).
DEFAULT_RATES: dict[str, tuple[float, int]] = {
    "searchOrders": (0.0056, 20),
    "getOrder": (0.5, 30),
    "confirmShipment": (2.0, 10),
    # Feeds API v2021-06-30 (seller cancellations, services/fulfillment)
    "createFeedDocument": (0.5, 15),
    "createFeed": (0.0083, 15),
    "getFeed": (2.0, 15),
    "getFeedDocument": (0.0222, 10),
}


class TokenBucket:
    """``rate`` tokens per second up to ``burst``; each call takes one token."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic,
                 initial: float | None = None) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst if initial is None else initial)
        self._at = clock()
        self._lock = asyncio.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = now

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    def try_take(self) -> float:
        """Take a token if there is one and return 0, else return the seconds until there is one."""
        self._refill()
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate

    async def acquire(self) -> float:
        """Wait for a token; returns how long it waited."""
        waited = 0.0
        async with self._lock:
            while (delay := self.try_take()) > 0:
                await asyncio.sleep(delay)
                waited += delay
        return waited

    def set_rate(self, rate: float) -> None:
        """Adopt the rate Amazon reports (``x-amzn-RateLimit-Limit``)."""
        if rate > 0 and rate != self.rate:
            self._refill()
            self.rate = rate

    def drain(self) -> None:
        """After a 429 Amazon's bucket is empty, so is ours."""
        self._refill()
        self._tokens = 0.0


class RateLimits:
    """The buckets of one process, one per (store, operation)."""

    def __init__(self, rate_scale: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate_scale = rate_scale
        self._clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def bucket(self, store_id: str, operation: str) -> TokenBucket:
        key = (store_id, operation)
        b = self._buckets.get(key)
        if b is None:
            rate, burst = DEFAULT_RATES[operation]
            b = self._buckets[key] = TokenBucket(rate * self.rate_scale, burst, self._clock)
        return b

    def observe_limit(self, store_id: str, operation: str, header: str | None) -> None:
        if not header:
            return
        try:
            rate = float(header)
        except ValueError:
            return
        self.bucket(store_id, operation).set_rate(rate)  # Amazon's own figure, never rescaled

    def forget(self, store_id: str) -> None:
        for key in [k for k in self._buckets if k[0] == store_id]:
            del self._buckets[key]
