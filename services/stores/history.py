"""Store configuration over time (pure): which configuration is in force at a given moment.

The one rule, ``StoreHistory.at``: the configuration in force at ``when`` is the newest one whose
``effective_at`` is at or before ``when``; configurations with the same ``effective_at`` apply in
the order the stores topic holds them (the later one wins). A moment before the store's first
configuration gets the one in force at that first moment: everything the pipeline learns about a store it
learns because the store was integrated, and facts may carry Amazon's earlier times (the initial
import's orders are stamped with their last update on Amazon), so those are judged by the
settings of the integration. Whether such an order is imported or reserved at all is the order
rules' question (its purchase date against ``integration_time``, its ``initial_import`` flag),
not this one. ``None`` means only that the store has no configuration at all."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from schemas.events.stores import StoreConfiguredV1
from schemas.types import StoreConfig


@dataclass(frozen=True)
class StoreHistory:
    """Every configuration a store has had, ordered by ``effective_at``. Immutable: ``with_event``
    returns a new history, so a history handed to a reader never changes under it."""

    store_id: str
    times: tuple[datetime, ...] = ()
    configs: tuple[StoreConfig, ...] = ()
    seen: frozenset[str] = frozenset()

    def with_event(self, event: StoreConfiguredV1) -> StoreHistory:
        """This history with ``event``'s configuration in its place (itself when already seen)."""
        if event.event_id in self.seen:
            return self
        at = event.data.effective_at
        i = bisect.bisect_right(self.times, at)
        return StoreHistory(self.store_id, (*self.times[:i], at, *self.times[i:]),
                            (*self.configs[:i], event.data.config, *self.configs[i:]),
                            self.seen | {event.event_id})

    @property
    def current(self) -> StoreConfig:
        """The configuration with the latest ``effective_at``."""
        return self.configs[-1]

    def at(self, when: datetime) -> StoreConfig | None:
        """The configuration in force at ``when`` (the module's rule)."""
        if not self.configs:
            return None
        i = bisect.bisect_right(self.times, max(when, self.times[0]))
        return self.configs[i - 1]


def fold(events: Iterable[StoreConfiguredV1]) -> dict[str, StoreHistory]:
    """Each store's history from its configuration events, in topic order."""
    stores: dict[str, StoreHistory] = {}
    for e in events:
        sid = e.data.config.store_id
        stores[sid] = stores.get(sid, StoreHistory(sid)).with_event(e)
    return stores
