"""The processor's Prometheus metrics (prefix ``sales_channel_``)."""

from __future__ import annotations

from collections import Counter as Tally
from typing import Any

from services.common.metrics import counter, gauge, histogram

EVENTS = counter("processor_events_total", "Input events handled, by event type.", ("type",))
DURATION = histogram("processor_event_duration_seconds", "Time to handle one input event.")
ORDERS_BY_STATUS = gauge("processor_orders_by_status", "Tracked orders by Orders-tab status.", ("store", "status"))
IMPORTS = counter("processor_imports_total", "Orders added to the Orders tab.", ("store",))
MAGENTO_REQUESTS = counter("processor_magento_requests_total", "Magento order requests issued.", ("store",))
DEAD_LETTERS = counter("processor_dead_letters_total", "Inputs sent to the dead-letter topic.", ("reason",))
AGENT_CRASHES = counter("processor_agent_crashes_total", "Agent crashes (the process then exits).")


_EVENT_COUNTERS: dict[str, Any] = {}


def count_event(event_type: str) -> None:
    """Label children bound once: ``labels()`` on every event would triple the cost."""
    child = _EVENT_COUNTERS.get(event_type)
    if child is None:
        child = _EVENT_COUNTERS[event_type] = EVENTS.labels(event_type)
    child.inc()


class StatusCounts:
    """Orders per (store, status) on this worker, mirrored into the gauge."""

    def __init__(self) -> None:
        self._counts: Tally[tuple[str, str]] = Tally()

    def move(self, store: str, old: str | None, new: str | None) -> None:
        if old == new:
            return
        if old is not None:
            self._counts[(store, old)] -= 1
            ORDERS_BY_STATUS.labels(store, old).set(self._counts[(store, old)])
        if new is not None:
            self._counts[(store, new)] += 1
            ORDERS_BY_STATUS.labels(store, new).set(self._counts[(store, new)])

    def reset(self) -> None:
        for (store, status) in list(self._counts):
            ORDERS_BY_STATUS.labels(store, status).set(0)
        self._counts.clear()

    def count(self, store: str, status: str) -> int:
        return self._counts[(store, status)]
