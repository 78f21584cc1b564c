"""The poller's Prometheus metrics. Label children are bound once per store."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from services.common.metrics import counter, gauge, histogram

SPAPI_CALLS = counter("poller_spapi_calls_total", "SP-API calls by outcome (ok, throttled, error)",
                      ("store", "operation", "outcome"))
SPAPI_DURATION = histogram("poller_spapi_call_duration_seconds", "SP-API call duration", ("operation",))
ORDERS_SEEN = counter("poller_orders_seen_total", "Orders read from SP-API", ("store",))
EVENTS_PUBLISHED = counter("poller_events_published_total", "Order-change facts published", ("store",))
DEAD_LETTERS = counter("poller_dead_letters_total", "Orders sent to the dead-letter topic", ("reason",))
# ``field``: an open-string field of the Orders model whose documented values the mapping knows
# (a fixed set, see ``services.poller.mapping.KNOWN_VALUES``); the values themselves are logged.
UNKNOWN_VALUES = counter("poller_unknown_values_total",
                         "Values of open-string SP-API fields not documented by the Orders model, kept as sent",
                         ("field",))
CHECKPOINT_LAG = gauge("poller_checkpoint_lag_seconds", "How far the store's checkpoint is behind Amazon",
                       ("store",))
LAST_SUCCESS = gauge("poller_last_success_timestamp_seconds", "Unix time of the store's last successful poll",
                     ("store",))

OPERATIONS = ("searchOrders", "getOrder", "confirmShipment", "createFeedDocument", "createFeed", "getFeed",
              "getFeedDocument")
OUTCOMES = ("ok", "throttled", "error")


@dataclass
class StoreMetrics:
    """Label children of one store, bound once."""

    calls: dict[tuple[str, str], Any]
    orders_seen: Any
    events_published: Any
    checkpoint_lag: Any
    last_success: Any

    @classmethod
    def bind(cls, store_id: str) -> StoreMetrics:
        return cls(
            calls={(op, out): SPAPI_CALLS.labels(store_id, op, out) for op in OPERATIONS for out in OUTCOMES},
            orders_seen=ORDERS_SEEN.labels(store_id),
            events_published=EVENTS_PUBLISHED.labels(store_id),
            checkpoint_lag=CHECKPOINT_LAG.labels(store_id),
            last_success=LAST_SUCCESS.labels(store_id),
        )


DURATIONS = {op: SPAPI_DURATION.labels(op) for op in OPERATIONS}

_by_store: dict[str, StoreMetrics] = {}


def for_store(store_id: str) -> StoreMetrics:
    m = _by_store.get(store_id)
    if m is None:
        m = _by_store[store_id] = StoreMetrics.bind(store_id)
    return m


def dead_letter(reason: str) -> None:
    DEAD_LETTERS.labels(reason).inc()


_unknown_by_field: dict[str, Any] = {}


def bind_unknown_value_fields(fields: Iterable[str]) -> None:
    """Pre-create the ``field`` children (0 until a first unknown value: ``increase()`` sees the step)."""
    for name in fields:
        if name not in _unknown_by_field:
            _unknown_by_field[name] = UNKNOWN_VALUES.labels(name)


def unknown_value(field: str) -> None:
    child = _unknown_by_field.get(field)
    if child is None:
        child = _unknown_by_field[field] = UNKNOWN_VALUES.labels(field)
    child.inc()
