"""Roles (SPEC §11) and the login throttle, as pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.orders_tab.roles import Permission, Role, allows, least_role, refusal
from services.orders_tab.throttle import PER_USER, Attempts, Policy, after_failure, locked_until, lockout

T0 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("role", "granted"), [
    (Role.VIEWER, {Permission.READ}),
    (Role.OPERATOR, {Permission.READ, Permission.EXPORT_BUYER_PII, Permission.RETRY, Permission.CANCEL}),
    (Role.ADMIN, set(Permission)),
])
def test_each_role_holds_exactly_its_permissions(role: Role, granted: set[Permission]) -> None:
    assert {p for p in Permission if allows(role, p)} == granted


def test_a_refusal_names_the_role_needed() -> None:
    assert least_role(Permission.RETRY) is Role.OPERATOR
    assert refusal(Role.VIEWER, Permission.RETRY) == (
        "your role (viewer) does not allow you to retry Magento orders; it needs the operator role (ask an admin)")


def test_lockouts_double_after_the_free_failures_up_to_the_cap() -> None:
    policy = Policy(free=3, base=timedelta(seconds=10), cap=timedelta(seconds=45), forget_after=timedelta(hours=1))
    assert [lockout(n, policy).total_seconds() for n in range(1, 9)] == [0, 0, 0, 10, 20, 40, 45, 45]
    assert lockout(10_000, policy) == policy.cap


def test_failures_count_up_and_are_forgotten_after_a_quiet_period() -> None:
    a = None
    for i in range(PER_USER.free):
        a = after_failure(a, T0 + timedelta(seconds=i), PER_USER)
        assert locked_until(a, PER_USER) is None
    a = after_failure(a, T0 + timedelta(seconds=10), PER_USER)
    assert a.failures == PER_USER.free + 1
    assert locked_until(a, PER_USER) == T0 + timedelta(seconds=10) + PER_USER.base
    later = T0 + timedelta(seconds=10) + PER_USER.forget_after + timedelta(seconds=1)
    assert after_failure(a, later, PER_USER) == Attempts(failures=1, last_failure_at=later)
    assert locked_until(None, PER_USER) is None
