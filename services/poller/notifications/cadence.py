"""Pure: how often to poll a store while its notifications flow.

A store's notifications flow while the listener hears from SQS (a receive within
``stall_after_s``) and the store had a notification within ``quiet_after_s``. Then polling runs
``slow_factor`` times less often. It returns to the full cadence when either stops, and for
``recovery_polls`` polls after a poll published changes push had missed.

A change counts as missed by push only when the poll's window began after push started for the
store: the first poll after a store's first notification also covers the time before its
subscription, whose changes push could never have announced (they would raise a false alert)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from schemas.types import StoreConfig
from services.common.logging import get_logger
from services.poller.notifications import metrics
from services.poller.sync import Poller, PollOutcome

log = get_logger(__name__)


@dataclass
class PushCadence:
    slow_factor: float = 5.0
    stall_after_s: float = 120.0
    quiet_after_s: float = 3600.0
    recovery_polls: int = 3
    clock: Callable[[], float] = time.monotonic
    last_receive: float | None = None
    last_notified: dict[str, float] = field(default_factory=dict)
    recovering: dict[str, int] = field(default_factory=dict)
    first_notified: dict[str, float] = field(default_factory=dict)
    last_polled: dict[str, float] = field(default_factory=dict)  # when each store's last poll ended

    def received(self) -> None:
        """SQS answered a receive (with or without messages)."""
        self.last_receive = self.clock()

    def notified(self, store_id: str) -> None:
        now = self.clock()
        self.last_notified[store_id] = now
        self.first_notified.setdefault(store_id, now)

    def flowing(self, store_id: str) -> bool:
        now = self.clock()
        seen = self.last_notified.get(store_id)
        return (self.last_receive is not None and now - self.last_receive <= self.stall_after_s
                and seen is not None and now - seen <= self.quiet_after_s
                and not self.recovering.get(store_id))

    def interval(self, config: StoreConfig) -> float:
        base = float(config.poll_interval_seconds)
        return base * self.slow_factor if self.flowing(config.store_id) else base

    def polled(self, store_id: str, was_flowing: bool, changes_published: int) -> int:
        """After a poll: the number of changes push missed (changes polling published while push
        flowed). A miss puts the store back on the full cadence for ``recovery_polls`` polls."""
        left = self.recovering.get(store_id, 0)
        if left:
            self.recovering[store_id] = left - 1
        began = self.last_polled.get(store_id)  # this poll's window began where the last one ended
        self.last_polled[store_id] = self.clock()
        pushed_all_window = began is not None and began >= self.first_notified.get(store_id, float("inf"))
        if was_flowing and pushed_all_window and changes_published > 0:
            self.recovering[store_id] = self.recovery_polls
            return changes_published
        return 0


def counting_poll(cadence: PushCadence, poll: Callable[[Poller, StoreConfig], Awaitable[PollOutcome]]
                  ) -> Callable[[Poller, StoreConfig], Awaitable[PollOutcome]]:
    """``poll`` that tells ``cadence`` what each poll found and counts the changes push missed."""

    async def run(p: Poller, store: StoreConfig) -> PollOutcome:
        was_flowing = cadence.flowing(store.store_id)
        outcome = await poll(p, store)
        published = outcome.result.events_published if outcome.window is not None else 0
        missed = cadence.polled(store.store_id, was_flowing, published)
        if missed:
            metrics.missed_by_push(store.store_id, missed)
            log.warning("changes_missed_by_push", store=store.store_id, changes=missed)
        return outcome

    return run
