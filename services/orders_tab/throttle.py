"""Login throttling as a pure rule: after a few free failures, each further failure locks the
account name (or the client address) out for twice as long as the one before, up to a cap.
Failures older than ``forget_after`` are forgotten; a success clears the account's count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Policy:
    free: int  # failures allowed without a lockout
    base: timedelta  # the first lockout
    cap: timedelta  # the longest lockout
    forget_after: timedelta  # a quiet period after which the count starts again


# Per account name: brute force on one account. Per client address: guessing across accounts,
# looser since many people may share an address (an office behind NAT).
PER_USER = Policy(free=5, base=timedelta(seconds=30), cap=timedelta(minutes=15), forget_after=timedelta(hours=1))
PER_ADDRESS = Policy(free=20, base=timedelta(seconds=30), cap=timedelta(minutes=15), forget_after=timedelta(hours=1))


@dataclass(frozen=True)
class Attempts:
    failures: int
    last_failure_at: datetime


def lockout(failures: int, policy: Policy) -> timedelta:
    """How long the failure numbered ``failures`` locks sign-in: none for the free ones, then
    base, 2 x base, 4 x base, ... up to ``cap``."""
    extra = failures - policy.free
    if extra <= 0:
        return timedelta(0)
    if extra > 32:  # 2**32 x base is beyond any cap
        return policy.cap
    return min(policy.base * (2 ** (extra - 1)), policy.cap)


def locked_until(attempts: Attempts | None, policy: Policy) -> datetime | None:
    if attempts is None:
        return None
    wait = lockout(attempts.failures, policy)
    return attempts.last_failure_at + wait if wait else None


def after_failure(attempts: Attempts | None, now: datetime, policy: Policy) -> Attempts:
    if attempts is None or now - attempts.last_failure_at > policy.forget_after:
        return Attempts(failures=1, last_failure_at=now)
    return Attempts(failures=attempts.failures + 1, last_failure_at=now)
