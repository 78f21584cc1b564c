from __future__ import annotations

from datetime import timedelta

import pytest

from services.poller.spapi.port import SearchQuery
from services.poller.window import (
    AMAZON_DELAY,
    WindowPolicy,
    initial_import_window,
    lag_seconds,
    next_window,
    reimport_window,
)
from tests.poller.factory import T0

POLICY = WindowPolicy()


def test_first_window_starts_a_look_back_before_integration_and_respects_two_minutes() -> None:
    now = T0 + timedelta(minutes=10)
    w = next_window(None, T0, now, POLICY)
    assert w is not None
    assert w.start == T0 - POLICY.lookback
    assert w.end == now - AMAZON_DELAY - POLICY.margin
    assert now - w.end >= timedelta(minutes=2)


def test_next_window_overlaps_the_previous_one() -> None:
    checkpoint = T0 + timedelta(minutes=7)
    now = T0 + timedelta(minutes=13)
    w = next_window(checkpoint, T0, now, POLICY)
    assert w is not None
    assert w.start == checkpoint - POLICY.overlap < checkpoint
    assert w.end > checkpoint


@pytest.mark.parametrize("seconds_later", [0, 30, 120, 150, 151, 600, 86_400])
def test_two_minute_rule_holds_whatever_the_timing(seconds_later: int) -> None:
    checkpoint = T0
    now = T0 + AMAZON_DELAY + POLICY.margin + timedelta(seconds=seconds_later)
    w = next_window(checkpoint, T0 - timedelta(days=1), now, POLICY)
    if w is None:
        assert now - AMAZON_DELAY - POLICY.margin <= checkpoint
    else:
        assert now - w.end >= AMAZON_DELAY
        assert w.start < checkpoint < w.end


def test_no_window_before_time_has_moved_on() -> None:
    assert next_window(T0, T0, T0 + timedelta(minutes=2), POLICY) is None
    assert next_window(None, T0, T0 - timedelta(minutes=10), POLICY) is None


def test_consecutive_windows_leave_no_gap() -> None:
    checkpoint = None
    covered_until = None
    for minute in range(10, 60, 3):
        w = next_window(checkpoint, T0, T0 + timedelta(minutes=minute), POLICY)
        assert w is not None
        if covered_until is not None:
            assert w.start <= covered_until
        covered_until = checkpoint = w.end


def test_initial_import_window() -> None:
    w = initial_import_window(T0, T0 + timedelta(hours=1), POLICY)
    assert (w.start, w.end) == (T0 - POLICY.initial_lookback, T0)
    early = initial_import_window(T0, T0 + timedelta(minutes=1), POLICY)
    assert T0 + timedelta(minutes=1) - early.end >= AMAZON_DELAY


def test_reimport_window_limits() -> None:
    now = T0 + timedelta(days=100)
    w = reimport_window(now - timedelta(days=90), now, POLICY)
    assert now - w.end >= AMAZON_DELAY
    with pytest.raises(ValueError):
        reimport_window(now - timedelta(days=91), now, POLICY)
    with pytest.raises(ValueError):
        reimport_window(now - timedelta(minutes=1), now, POLICY)


def test_lag() -> None:
    assert lag_seconds(T0, T0 + timedelta(minutes=5)) == 300
    assert lag_seconds(None, T0) == 0


def test_query_sends_exactly_one_after_and_amazon_times() -> None:
    q = SearchQuery(last_updated_after=T0, last_updated_before=T0 + timedelta(minutes=3))
    assert q.params() == {
        "lastUpdatedAfter": "2026-11-01T12:00:00Z",
        "lastUpdatedBefore": "2026-11-01T12:03:00Z",
        "maxResultsPerPage": "100",
    }
    with pytest.raises(ValueError):
        SearchQuery()
    with pytest.raises(ValueError):
        SearchQuery(last_updated_after=T0, created_after=T0)
