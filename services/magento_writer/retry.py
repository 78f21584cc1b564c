"""Magento calls under the writer's retry policy (``services/common/retry.py``; ``MAGENTO_CALL``
unless the context holds another): a retryable Magento error is retried and counted per route, any
other error is raised at once, and ``RetriesExhausted`` carries the last one."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from services.common.retry import RetryPolicy, retry_call
from services.magento_writer import metrics
from services.magento_writer.magento.errors import MagentoError

T = TypeVar("T")


def retryable(exc: BaseException) -> bool:
    return isinstance(exc, MagentoError) and exc.retryable


def with_retries(
    policy: RetryPolicy, route: str, call: Callable[[], T], sleep: Callable[[float], None] = time.sleep
) -> T:
    return retry_call(
        policy, call, retry_on=retryable, sleep=sleep, on_retry=lambda *_: metrics.RETRIES.labels(route).inc()
    )
