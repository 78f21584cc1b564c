"""The one retry policy, without sleeping: sleep and clock are injected."""

from __future__ import annotations

import asyncio
import random

import pytest

from services.common.retry import (
    BROKER_CONNECT,
    MAGENTO_CALL,
    SHIPMENT_DEFERRED,
    SPAPI_CALL,
    SQS_RECEIVE,
    STORES_READER,
    TOPIC_DESCRIBED,
    RetriesExhausted,
    RetryPolicy,
    poll_until,
    poll_until_async,
    retry_async,
    retry_call,
    store_poll_failure,
)


class Transient(Exception):
    pass


class Fatal(Exception):
    pass


def transient(exc: BaseException) -> bool:
    return isinstance(exc, Transient)


class Flaky:
    """Fails with the given errors in turn, then answers ``"ok"``."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


class FakeTime:
    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_full_jitter_is_bounded_by_the_doubling_ceiling_and_the_cap() -> None:
    policy = RetryPolicy(max_attempts=10, base_s=1.0, cap_s=8.0)
    rng = random.Random(7)
    samples = {n: [policy.delay(n, rng) for _ in range(300)] for n in range(1, 8)}
    for n, delays in samples.items():
        assert all(0.0 <= d <= min(8.0, 2 ** (n - 1)) for d in delays)
    assert len({round(d, 6) for d in samples[4]}) > 200  # jittered, not one fixed delay
    assert max(samples[7]) > 6.0  # grows up to the cap


def test_without_jitter_the_delay_doubles_up_to_the_cap_and_never_overflows() -> None:
    policy = RetryPolicy(base_s=0.5, cap_s=3.0, jitter=False)
    assert [policy.delay(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.delay(100_000) == 3.0


def test_store_poll_failure_doubles_the_interval_up_to_fifteen_minutes() -> None:
    assert [store_poll_failure(60).delay(n) for n in (1, 2, 3, 4, 20)] == [60, 120, 240, 480, 900]
    assert store_poll_failure(1800).delay(5) == 1800  # an interval longer than the cap is kept
    assert store_poll_failure(60).max_attempts is None


def test_retries_what_the_caller_accepts_with_the_policy_waits() -> None:
    fake = FakeTime()
    flaky = Flaky(Transient("a"), Transient("b"))
    seen: list[tuple[int, str, float]] = []
    policy = RetryPolicy(max_attempts=3, base_s=1.0, cap_s=10.0, jitter=False)
    result = retry_call(policy, flaky, retry_on=transient, sleep=fake.sleep, clock=fake.clock,
                        on_retry=lambda n, exc, wait: seen.append((n, str(exc), wait)))
    assert result == "ok" and flaky.calls == 3
    assert fake.sleeps == [1.0, 2.0]
    assert seen == [(1, "a", 1.0), (2, "b", 2.0)]


def test_an_error_the_caller_does_not_accept_is_raised_at_once() -> None:
    fake = FakeTime()
    flaky = Flaky(Transient("a"), Fatal("no"))
    with pytest.raises(Fatal, match="no"):
        retry_call(MAGENTO_CALL, flaky, retry_on=transient, sleep=fake.sleep, clock=fake.clock)
    assert flaky.calls == 2 and len(fake.sleeps) == 1


def test_exhausted_attempts_carry_the_last_error_and_the_count() -> None:
    fake = FakeTime()
    flaky = Flaky(*(Transient(str(i)) for i in range(10)))
    with pytest.raises(RetriesExhausted) as caught:
        retry_call(MAGENTO_CALL, flaky, retry_on=transient, sleep=fake.sleep, clock=fake.clock)
    assert caught.value.attempts == MAGENTO_CALL.max_attempts == flaky.calls
    assert isinstance(caught.value.last, Transient) and str(caught.value.last) == str(flaky.calls - 1)
    assert isinstance(caught.value.__cause__, Transient)
    assert len(fake.sleeps) == flaky.calls - 1
    assert all(0 <= s <= min(MAGENTO_CALL.cap_s, MAGENTO_CALL.base_s * 2 ** i) for i, s in enumerate(fake.sleeps))


def test_a_deadline_stops_an_unbounded_policy() -> None:
    fake = FakeTime()
    flaky = Flaky(*(Transient("down") for _ in range(1000)))
    with pytest.raises(RetriesExhausted) as caught:
        retry_call(BROKER_CONNECT.within(3.0), flaky, retry_on=transient, sleep=fake.sleep, clock=fake.clock)
    assert fake.sleeps == [0.5] * 6  # every half second until three seconds have passed
    assert caught.value.attempts == flaky.calls == 7


def test_the_async_runner_waits_through_the_injected_sleep() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    flaky = Flaky(Transient("429"), Transient("503"))

    async def call() -> str:
        return flaky()

    policy = RetryPolicy(max_attempts=SPAPI_CALL.max_attempts, base_s=1.0, cap_s=60.0, jitter=False)
    assert asyncio.run(retry_async(policy, call, retry_on=transient, sleep=sleep)) == "ok"
    assert waits == [1.0, 2.0]

    always = Flaky(*(Transient("x") for _ in range(10)))

    async def failing() -> str:
        return always()

    with pytest.raises(RetriesExhausted) as caught:
        asyncio.run(retry_async(SPAPI_CALL, failing, retry_on=transient, sleep=sleep))
    assert caught.value.attempts == SPAPI_CALL.max_attempts == always.calls


def test_poll_until_probes_again_until_done_and_returns_that_result() -> None:
    t, answers = FakeTime(), iter([{}, {}, {"t": "x"}])
    result = poll_until(TOPIC_DESCRIBED, lambda: next(answers), done=bool, sleep=t.sleep, clock=t.clock)
    assert result == {"t": "x"} and t.sleeps == [0.3, 0.3]


def test_poll_until_returns_the_last_result_at_the_deadline() -> None:
    t, probes = FakeTime(), []

    def probe() -> int:
        probes.append(t.now)
        return 0

    assert poll_until(TOPIC_DESCRIBED.within(1.0), probe, done=bool, sleep=t.sleep, clock=t.clock) == 0
    assert len(probes) == 5 and t.now - 1000.0 == pytest.approx(1.2)  # 0, .3, .6, .9, 1.2: past the deadline


def test_poll_until_raises_the_probes_error_at_once() -> None:
    t = FakeTime()
    with pytest.raises(Fatal):
        poll_until(TOPIC_DESCRIBED, Flaky(Fatal()), done=bool, sleep=t.sleep, clock=t.clock)
    assert t.sleeps == []


def test_poll_until_async_waits_on_the_loop() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    answers = iter([False, False, True])
    assert asyncio.run(poll_until_async(STORES_READER, lambda: next(answers), done=bool, sleep=sleep)) is True
    assert waits == [0.05, 0.05]


def test_never_ending_loops_back_off_within_their_caps() -> None:
    rng = random.Random(7)
    for attempt in range(1, 40):
        assert 0 <= SQS_RECEIVE.delay(attempt, rng) <= min(30.0, 2 ** (attempt - 1))
        assert 0 <= SHIPMENT_DEFERRED.delay(attempt, rng) <= 5.0  # the confirmer polls well within max.poll.interval
    assert SQS_RECEIVE.max_attempts is None and SHIPMENT_DEFERRED.max_attempts is None
