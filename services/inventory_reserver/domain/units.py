"""Reserved units per (store, SKU), derived from order states."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from services.inventory_reserver.domain.state import ReservationState


def reserved_units(states: Iterable[ReservationState]) -> Counter[tuple[str, str]]:
    units: Counter[tuple[str, str]] = Counter()
    for state in states:
        if state.held:
            for item in state.items:
                units[(state.store_id, item.sku)] += item.quantity
    return units
