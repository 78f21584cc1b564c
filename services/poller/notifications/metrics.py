"""Metrics of the notification listener and of the push/poll cadence."""

from __future__ import annotations

from services.common.metrics import counter

NOTIFICATIONS = counter("poller_notifications_total",
                        "ORDER_CHANGE messages by outcome (processed, duplicate, poison, ignored, released, deferred, "
                        "failed)",
                        ("outcome",))
MISSED_BY_PUSH = counter("poller_changes_missed_by_push_total",
                         "Order changes polling published for a store whose notifications were flowing", ("store",))
OUTCOMES = ("processed", "duplicate", "poison", "ignored", "released", "deferred", "failed")
_children = {o: NOTIFICATIONS.labels(o) for o in OUTCOMES}


def notifications(outcome: str, count: int = 1) -> None:
    if count:
        _children[outcome].inc(count)


def missed_by_push(store_id: str, count: int) -> None:
    if count:
        MISSED_BY_PUSH.labels(store_id).inc(count)
