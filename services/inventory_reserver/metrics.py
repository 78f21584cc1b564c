"""The reserver's Prometheus metrics.

``reserver_reserved_units{store,sku}`` is bounded: per store at most ``MAX_SKU_SERIES`` SKUs
get their own series (the largest holds); the rest are summed under ``sku="_other"``, so a
catalogue of many thousand SKUs cannot blow up the time-series count."""

from __future__ import annotations

from collections import Counter, defaultdict

from services.common.metrics import counter, gauge

MAX_SKU_SERIES = 100
OTHER_SKU = "_other"

RESERVED_UNITS = gauge("reserver_reserved_units", "Units held by Pending-order reservations "
                       "(this worker's partitions)", ("store", "sku"))
PLACED = counter("reserver_reservations_placed", "Reservations placed", ("store",))
RELEASED = counter("reserver_reservations_released", "Reservations released", ("store", "reason"))
EXPIRED = counter("reserver_reservations_expired", "Reservations released by expiry", ("store",))
FAILED = counter("reserver_reservations_failed", "Orders that could not be reserved", ("store",))
DEAD_LETTERS = counter("reserver_dead_letters", "Inputs sent to the dead-letter topic")
EVENTS = counter("reserver_events", "Input events processed", ("topic",))
CRASHES = counter("reserver_crashes", "Unexpected errors that stopped the worker", ("component",))


def bounded_series(units: Counter[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """Per store, the ``MAX_SKU_SERIES`` largest SKUs, the remainder under ``_other``."""
    per_store: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for (store, sku), qty in units.items():
        if qty:
            per_store[store].append((sku, qty))
    series: dict[tuple[str, str], int] = {}
    for store, skus in per_store.items():
        skus.sort(key=lambda p: (-p[1], p[0]))
        for sku, qty in skus[:MAX_SKU_SERIES]:
            series[(store, sku)] = qty
        rest = sum(qty for _, qty in skus[MAX_SKU_SERIES:])
        if rest:
            series[(store, OTHER_SKU)] = rest
    return series


def export_reserved_units(units: Counter[tuple[str, str]]) -> None:
    series = bounded_series(units)
    RESERVED_UNITS.clear()
    for (store, sku), qty in series.items():
        RESERVED_UNITS.labels(store=store, sku=sku).set(qty)
