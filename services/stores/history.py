"""Store configuration over time (pure): which config applied at a given moment."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from schemas.events.stores import StoreConfiguredV1
from schemas.types import StoreConfig


@dataclass
class StoreHistory:
    """Every configuration a store has had, ordered by ``effective_at``."""

    store_id: str
    times: list[datetime] = field(default_factory=list)
    configs: list[StoreConfig] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def apply(self, event: StoreConfiguredV1) -> bool:
        if event.event_id in self.seen:
            return False
        self.seen.add(event.event_id)
        at = event.data.effective_at
        i = bisect.bisect_right(self.times, at)
        self.times.insert(i, at)
        self.configs.insert(i, event.data.config)
        return True

    @property
    def current(self) -> StoreConfig:
        return self.configs[-1]

    def at(self, when: datetime) -> StoreConfig | None:
        """The config in force at ``when``; None before the store was integrated."""
        i = bisect.bisect_right(self.times, when)
        return self.configs[i - 1] if i else None


def fold(events: Iterable[StoreConfiguredV1]) -> dict[str, StoreHistory]:
    stores: dict[str, StoreHistory] = {}
    for e in events:
        sid = e.data.config.store_id
        stores.setdefault(sid, StoreHistory(sid)).apply(e)
    return stores
