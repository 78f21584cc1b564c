"""The one retry policy of the services: bounded attempts (or a deadline) with exponential backoff,
run by tenacity. Every named policy is configured here; callers say only what is worth retrying
(``retry_call``/``retry_async``) or what "done" means when they wait for a condition
(``poll_until``/``poll_until_async``: a topic described, a consumer group empty, a reader caught up).
Loops that never give up take their pause after ``n`` consecutive failures from ``policy.delay(n)``.

Before retry ``n`` (n >= 1: the wait after the n-th failed attempt) a policy waits
``min(cap, base * 2**(n-1))``, with jitter a uniform draw from ``[0, that]`` ("full jitter"), so
clients that failed together do not come back together. Sleep and clock are injectable: the tests
run every policy without sleeping."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from tenacity import AsyncRetrying, RetryCallState, RetryError, Retrying, retry_if_exception, retry_if_result
from tenacity.stop import stop_after_attempt, stop_any, stop_base, stop_never
from tenacity.wait import wait_base

T = TypeVar("T")
OnRetry = Callable[[int, BaseException, float], None]  # the failed attempt's number, its error, the wait
_MAX_EXPONENT = 64  # 2**64 times any base is past every cap; a bigger exponent would overflow a float


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int | None = 5  # None: no limit (the deadline, or cancelling the caller, ends it)
    base_s: float = 0.2
    cap_s: float = 5.0
    deadline_s: float | None = None  # also stop once this long has passed since the first attempt
    jitter: bool = True

    def delay(self, retry: int, rng: random.Random | None = None) -> float:
        """The wait before retry ``retry`` (counting from 1)."""
        ceiling = min(self.cap_s, self.base_s * 2 ** min(max(retry - 1, 0), _MAX_EXPONENT))
        return (rng or random).uniform(0.0, ceiling) if self.jitter else ceiling

    def within(self, deadline_s: float) -> RetryPolicy:
        return replace(self, deadline_s=deadline_s)


# --- the named policies ----------------------------------------------------------------------

# Broker connect: the broker may still be starting; every half second until the caller's deadline.
BROKER_CONNECT = RetryPolicy(max_attempts=None, base_s=0.5, cap_s=0.5, deadline_s=30.0, jitter=False)
# A group coordinator still loading (a fresh broker creating its offsets topic).
GROUP_COORDINATOR = RetryPolicy(max_attempts=None, base_s=0.2, cap_s=0.2, deadline_s=30.0, jitter=False)
# One SP-API call: throttles (the token bucket is emptied too), 5xx and transport errors.
SPAPI_CALL = RetryPolicy(max_attempts=6, base_s=1.0, cap_s=60.0)
# Notifications API set-up calls (a command or a start-up check, 1 request/s).
SPAPI_NOTIFICATIONS = RetryPolicy(max_attempts=5, base_s=1.0, cap_s=10.0)
# One Magento call (or one create-order sequence): timeouts, 5xx, 429, lock waits.
MAGENTO_CALL = RetryPolicy(max_attempts=5, base_s=0.2, cap_s=5.0)
# The writer's handler once more when its ledger's pooled database connection was found dead
# (no pre-ping: the pool drops it, the re-run gets a fresh one). Magento errors never re-run a handler.
LEDGER_RECONNECT = RetryPolicy(max_attempts=2, base_s=0.5, cap_s=0.5, jitter=False)
# A topic another client created a moment ago, not described by the broker yet.
TOPIC_DESCRIBED = RetryPolicy(max_attempts=None, base_s=0.3, cap_s=0.3, deadline_s=10.0, jitter=False)
# The Notifications listener's SQS receive (queue unreachable): never gives up; the task is cancelled.
SQS_RECEIVE = RetryPolicy(max_attempts=None, base_s=1.0, cap_s=30.0)
# A shipment confirmation Amazon deferred (TryLater, after SPAPI_CALL gave up): the fact is read
# again after this pause; at most 5 s so the consumer polls well within max.poll.interval.
SHIPMENT_DEFERRED = RetryPolicy(max_attempts=None, base_s=1.0, cap_s=5.0)
# Waiting for the stores reader (its thread, caught up to an end offset); callers set the deadline.
STORES_READER = RetryPolicy(max_attempts=None, base_s=0.05, cap_s=0.05, jitter=False)
# A replay waiting for a stopped consumer group to empty, then for its worker to commit every input.
GROUP_EMPTY = RetryPolicy(max_attempts=None, base_s=1.0, cap_s=1.0, jitter=False)
REPLAY_PROGRESS = RetryPolicy(max_attempts=None, base_s=0.5, cap_s=0.5, deadline_s=3600.0, jitter=False)
STORE_POLL_FAILURE_CAP_S = 900.0
OUTBOX_READ_FAILURE_CAP_S = 60.0


def store_poll_failure(interval_s: float) -> RetryPolicy:
    """A store whose poll failed is polled again after its interval, doubled per consecutive
    failure, at most 15 minutes apart (or its interval, when longer); it never gives up."""
    return RetryPolicy(max_attempts=None, base_s=interval_s, cap_s=max(STORE_POLL_FAILURE_CAP_S, interval_s),
                       jitter=False)


def outbox_read_failure(interval_s: float) -> RetryPolicy:
    """The fulfillment outbox read again after a failure (Magento or the broker down): its interval,
    doubled per consecutive failure, at most a minute apart (or its interval, when longer)."""
    return RetryPolicy(max_attempts=None, base_s=interval_s, cap_s=max(OUTBOX_READ_FAILURE_CAP_S, interval_s),
                       jitter=False)


# --- running a call under a policy -------------------------------------------------------------


class RetriesExhausted(Exception):
    """The policy's attempts or deadline ran out; ``last`` is the final attempt's error."""

    def __init__(self, last: BaseException, attempts: int) -> None:
        super().__init__(f"gave up after {attempts} attempt(s): {last}")
        self.last: Any = last
        self.attempts = attempts


class _Wait(wait_base):
    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy

    def __call__(self, retry_state: RetryCallState) -> float:
        return self.policy.delay(retry_state.attempt_number)


class _Deadline(stop_base):
    def __init__(self, deadline_s: float, clock: Callable[[], float]) -> None:
        self.deadline_s = deadline_s
        self.clock = clock
        self.started = clock()

    def __call__(self, retry_state: RetryCallState) -> bool:
        return self.clock() - self.started >= self.deadline_s


def _options(policy: RetryPolicy, retry_on: Callable[[BaseException], bool], on_retry: OnRetry | None,
             clock: Callable[[], float]) -> dict[str, Any]:
    stops: list[stop_base] = []
    if policy.max_attempts is not None:
        stops.append(stop_after_attempt(policy.max_attempts))
    if policy.deadline_s is not None:
        stops.append(_Deadline(policy.deadline_s, clock))

    def before_sleep(state: RetryCallState) -> None:
        if on_retry is not None and state.outcome is not None and state.next_action is not None:
            error = state.outcome.exception()
            assert error is not None
            on_retry(state.attempt_number, error, state.next_action.sleep)

    return {
        "stop": stop_any(*stops) if stops else stop_never,
        "wait": _Wait(policy),
        "retry": retry_if_exception(retry_on),
        "before_sleep": before_sleep,
    }


def _exhausted(error: RetryError) -> RetriesExhausted:
    last = error.last_attempt.exception()
    assert last is not None
    return RetriesExhausted(last, error.last_attempt.attempt_number)


def retry_call(policy: RetryPolicy, call: Callable[[], T], *, retry_on: Callable[[BaseException], bool],
               on_retry: OnRetry | None = None, sleep: Callable[[float], None] = time.sleep,
               clock: Callable[[], float] = time.monotonic) -> T:
    """``call()`` under ``policy``: an error ``retry_on`` accepts is retried, any other is raised as
    it is; when the policy gives up, ``RetriesExhausted`` carries the last error."""
    retrying = Retrying(sleep=sleep, **_options(policy, retry_on, on_retry, clock))
    try:
        return retrying(call)
    except RetryError as exc:
        raise _exhausted(exc) from exc.last_attempt.exception()


async def retry_async(policy: RetryPolicy, call: Callable[[], Awaitable[T]], *,
                      retry_on: Callable[[BaseException], bool], on_retry: OnRetry | None = None,
                      sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                      clock: Callable[[], float] = time.monotonic) -> T:
    """``retry_call`` for a coroutine; waits without blocking the event loop."""
    retrying = AsyncRetrying(sleep=sleep, **_options(policy, retry_on, on_retry, clock))
    try:
        return await retrying(call)
    except RetryError as exc:
        raise _exhausted(exc) from exc.last_attempt.exception()


# --- waiting for a condition under a policy ----------------------------------------------------


def _polling(policy: RetryPolicy, done: Callable[[Any], bool], clock: Callable[[], float]) -> dict[str, Any]:
    options = _options(policy, lambda exc: False, None, clock)  # an error in the probe is raised as it is
    return {**options, "retry": retry_if_result(lambda result: not done(result)),
            "retry_error_callback": lambda state: state.outcome.result() if state.outcome else None}


def poll_until(policy: RetryPolicy, probe: Callable[[], T], *, done: Callable[[T], bool],
               sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> T:
    """``probe()`` again under ``policy`` until ``done`` accepts its result; when the policy gives up
    (its deadline), the last result is returned: the caller says what "not done" means."""
    return Retrying(sleep=sleep, **_polling(policy, done, clock))(probe)  # type: ignore[no-any-return]


async def poll_until_async(policy: RetryPolicy, probe: Callable[[], T], *, done: Callable[[T], bool],
                           sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                           clock: Callable[[], float] = time.monotonic) -> T:
    """``poll_until`` on the event loop: ``probe`` is a plain (quick) function, the waits do not block."""

    async def probe_async() -> T:
        return probe()

    return await AsyncRetrying(sleep=sleep, **_polling(policy, done, clock))(probe_async)  # type: ignore[no-any-return]
