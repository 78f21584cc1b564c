"""One seller's orders and the indexes searchOrders reads.

``current`` is what getOrder returns. searchOrders reads ``visible``: the newest version whose
visibility time has come (late visibility mimics Amazon's search-index lag). Two sorted key
lists, by (lastUpdatedTime, orderId) and (createdTime, orderId), make a search a bisect plus a
scan of the asked-for range; nothing looks at all orders."""

from __future__ import annotations

import bisect
import heapq
import itertools
import random
from collections.abc import Iterator
from datetime import datetime

from sandbox.spapi.model import SimOrder

IndexKey = tuple[datetime, str]


class SellerOrderStore:
    def __init__(self) -> None:
        self.current: dict[str, SimOrder] = {}
        self.visible: dict[str, SimOrder] = {}
        self._by_updated: list[IndexKey] = []
        self._by_created: list[IndexKey] = []
        self._pending: list[tuple[datetime, int, SimOrder]] = []
        self._sequence = itertools.count()
        self._open_ids: list[str] = []
        self._open_position: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self.current)

    def put(self, order: SimOrder, visible_at: datetime) -> None:
        """Record a new version; searchOrders sees it from ``visible_at`` on."""
        self.current[order.order_id] = order
        self._track_open(order)
        heapq.heappush(self._pending, (visible_at, next(self._sequence), order))

    def promote(self, now: datetime) -> None:
        """Make every version whose time has come visible to searchOrders."""
        while self._pending and self._pending[0][0] <= now:
            _, _, order = heapq.heappop(self._pending)
            self._show(order)

    def _show(self, order: SimOrder) -> None:
        shown = self.visible.get(order.order_id)
        if shown is not None:
            if shown.last_updated_time > order.last_updated_time:
                return  # a newer version became visible first
            self._remove(self._by_updated, (shown.last_updated_time, order.order_id))
        else:
            bisect.insort(self._by_created, (order.created_time, order.order_id))
        bisect.insort(self._by_updated, (order.last_updated_time, order.order_id))
        self.visible[order.order_id] = order

    @staticmethod
    def _remove(keys: list[IndexKey], key: IndexKey) -> None:
        position = bisect.bisect_left(keys, key)
        if position < len(keys) and keys[position] == key:
            del keys[position]

    def scan(
        self, by_created: bool, lower: datetime, upper: datetime, after: IndexKey | None
    ) -> Iterator[SimOrder]:
        """Visible orders with lower ≤ time ≤ upper in key order, starting after ``after``."""
        keys = self._by_created if by_created else self._by_updated
        start = (
            bisect.bisect_right(keys, after) if after is not None else bisect.bisect_left(keys, (lower, ""))
        )
        for position in range(start, len(keys)):
            moment, order_id = keys[position]
            if moment > upper:
                return
            if moment >= lower:
                yield self.visible[order_id]

    def _track_open(self, order: SimOrder) -> None:
        known = order.order_id in self._open_position
        if order.is_open and not known:
            self._open_position[order.order_id] = len(self._open_ids)
            self._open_ids.append(order.order_id)
        elif not order.is_open and known:
            position = self._open_position.pop(order.order_id)
            last = self._open_ids.pop()
            if last != order.order_id:
                self._open_ids[position] = last
                self._open_position[last] = position

    def random_open_ids(self, count: int, rng: random.Random) -> list[str]:
        return rng.sample(self._open_ids, min(count, len(self._open_ids)))

    @property
    def open_count(self) -> int:
        return len(self._open_ids)
