"""Bounded retries with jittered exponential backoff ("full jitter") for retryable Magento errors."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from services.magento_writer import metrics
from services.magento_writer.magento.errors import MagentoError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    base_delay_s: float = 0.2
    max_delay_s: float = 5.0

    def delay(self, attempt: int) -> float:
        """Sleep before attempt ``attempt + 1`` (attempt counts from 1)."""
        return random.uniform(0, min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))


class RetriesExhausted(Exception):
    def __init__(self, last: MagentoError, attempts: int) -> None:
        super().__init__(last.reason)
        self.last = last
        self.attempts = attempts


def with_retries(
    policy: RetryPolicy, route: str, call: Callable[[], T], sleep: Callable[[float], None] = time.sleep
) -> T:
    """Run ``call``; retry retryable errors, re-raise business errors at once."""
    attempt = 1
    while True:
        try:
            return call()
        except MagentoError as exc:
            if not exc.retryable:
                raise
            if attempt >= policy.max_attempts:
                raise RetriesExhausted(exc, attempt) from exc
            metrics.RETRIES.labels(route).inc()
            sleep(policy.delay(attempt))
            attempt += 1
