"""Pure sync-window arithmetic.

Incremental windows filter on ``lastUpdatedAfter`` (status changes only show there, never
on creation date). Amazon rejects a ``lastUpdatedBefore`` later than two minutes before its
own clock and shows changes about two minutes late, so every window ends at least
``AMAZON_DELAY + margin`` before Amazon's now. The next window starts ``overlap`` before the
previous end, so an order that became visible late is still read (the fingerprints make the
re-read harmless)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

AMAZON_DELAY = timedelta(minutes=2)  # Amazon's documented minimum distance from its now


@dataclass(frozen=True)
class WindowPolicy:
    margin: timedelta = timedelta(seconds=30)  # on top of AMAZON_DELAY
    overlap: timedelta = timedelta(minutes=2)  # each window re-reads this much of the previous
    lookback: timedelta = timedelta(minutes=5)  # first window starts this long before integration
    min_length: timedelta = timedelta(seconds=1)  # shorter windows are not worth a call
    initial_lookback: timedelta = timedelta(days=30)  # initial import: created since integration - this
    max_reimport: timedelta = timedelta(days=90)

    @property
    def end_distance(self) -> timedelta:
        return AMAZON_DELAY + self.margin


@dataclass(frozen=True)
class SyncWindow:
    """``lastUpdatedAfter = start``, ``lastUpdatedBefore = end`` (both UTC)."""

    start: datetime
    end: datetime


def latest_end(amazon_now: datetime, policy: WindowPolicy) -> datetime:
    return amazon_now - policy.end_distance


def next_window(checkpoint: datetime | None, integration_time: datetime, amazon_now: datetime,
                policy: WindowPolicy = WindowPolicy()) -> SyncWindow | None:
    """The next window for a store, or None when not enough time has passed to read one.

    ``checkpoint`` is the end of the last completed window (None before the first one)."""
    if checkpoint is None:
        start = integration_time - policy.lookback
    else:
        start = checkpoint - policy.overlap
    end = latest_end(amazon_now, policy)
    if checkpoint is not None and end <= checkpoint:
        return None
    if end - start < policy.min_length:
        return None
    return SyncWindow(start=start, end=end)


def initial_import_window(integration_time: datetime, amazon_now: datetime,
                          policy: WindowPolicy = WindowPolicy()) -> SyncWindow:
    """Creation-time window of the initial import: orders created in the look-back before the
    integration time (searched with the UNSHIPPED status)."""
    end = min(integration_time, latest_end(amazon_now, policy))
    return SyncWindow(start=integration_time - policy.initial_lookback, end=end)


def reimport_window(since: datetime, amazon_now: datetime,
                    policy: WindowPolicy = WindowPolicy()) -> SyncWindow:
    """A one-off ``lastUpdatedAfter`` window from ``since`` (at most ``max_reimport`` ago)."""
    end = latest_end(amazon_now, policy)
    if since < amazon_now - policy.max_reimport:
        raise ValueError(f"reimport is limited to {policy.max_reimport.days} days back")
    if since >= end:
        raise ValueError("nothing to reimport: the start is within Amazon's two-minute delay")
    return SyncWindow(start=since, end=end)


def lag_seconds(checkpoint: datetime | None, amazon_now: datetime) -> float:
    """How far behind Amazon the store's data is (the checkpoint lag metric)."""
    if checkpoint is None:
        return 0.0
    return max((amazon_now - checkpoint).total_seconds(), 0.0)
