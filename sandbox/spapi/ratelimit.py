"""Token buckets per (seller, operation) with Amazon's default usage plans (research §2)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class UsagePlan:
    rate: float
    """Requests per second."""
    burst: int


DEFAULT_PLANS: dict[str, UsagePlan] = {
    "searchOrders": UsagePlan(0.0056, 20),
    "getOrder": UsagePlan(0.5, 30),
}


class RateLimiter:
    """``rate_scale`` multiplies every refill rate (e.g. 1000 for fast tests and benchmarks).
    Buckets refill on real (monotonic) time, not the sandbox clock, so freezing the clock does
    not starve clients."""

    def __init__(
        self, rate_scale: float = 1.0, enabled: bool = True, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate_scale = rate_scale
        self.enabled = enabled
        self.plans = dict(DEFAULT_PLANS)
        self._monotonic = monotonic
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()

    def rate(self, operation: str) -> float:
        return self.plans[operation].rate * self.rate_scale

    def header_value(self, operation: str) -> str:
        """The ``x-amzn-RateLimit-Limit`` value: a decimal string in requests per second."""
        return f"{self.rate(operation):.4f}".rstrip("0").rstrip(".")

    def try_acquire(self, seller_id: str, operation: str) -> bool:
        if not self.enabled:
            return True
        plan = self.plans[operation]
        now = self._monotonic()
        with self._lock:
            tokens, last = self._buckets.get((seller_id, operation), (float(plan.burst), now))
            tokens = min(float(plan.burst), tokens + (now - last) * plan.rate * self.rate_scale)
            if tokens < 1.0:
                self._buckets[(seller_id, operation)] = (tokens, now)
                return False
            self._buckets[(seller_id, operation)] = (tokens - 1.0, now)
            return True

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()
