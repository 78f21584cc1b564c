"""Which stores this process polls, and when.

Stores are split between poller processes by a stable hash of the store id, so no two
processes poll the same store. Each owned, enabled store has its own asyncio task: its first
poll is offset by a hash of its id within its poll interval (polls of many stores spread
over time), and a failing or throttled store only delays itself."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Mapping

from schemas.types import StoreConfig
from services.common.logging import get_logger
from services.common.retry import store_poll_failure
from services.poller.sync import Poller, PollOutcome, poll_store

log = get_logger(__name__)

def stable_hash(store_id: str) -> int:
    return int.from_bytes(hashlib.sha256(store_id.encode()).digest()[:8], "big")


def owns(store_id: str, instance: int, instances: int) -> bool:
    return stable_hash(store_id) % instances == instance


def first_delay(store_id: str, interval_s: float) -> float:
    """Where in its interval a store is polled first: spread evenly by hash."""
    return (stable_hash(store_id) % 10_000) / 10_000 * interval_s


def failure_delay(interval_s: float, failures: int) -> float:
    """After ``failures`` consecutive failed polls: the ``store_poll_failure`` retry policy."""
    return store_poll_failure(interval_s).delay(failures)


PollFn = Callable[[Poller, StoreConfig], Awaitable[PollOutcome]]


class StoreScheduler:
    def __init__(self, poller: Poller, instance: int = 0, instances: int = 1,
                 poll: PollFn = poll_store, spread: bool = True,
                 on_success: Callable[[str], None] | None = None,
                 interval: Callable[[StoreConfig], float] | None = None) -> None:
        self.poller = poller
        self._interval = interval  # e.g. slower while the store's notifications flow
        self.instance = instance
        self.instances = instances
        self._poll = poll
        self._spread = spread
        self._on_success = on_success
        self.configs: dict[str, StoreConfig] = {}
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.last_success: dict[str, float] = {}  # monotonic

    def wanted(self, config: StoreConfig) -> bool:
        return config.enabled and owns(config.store_id, self.instance, self.instances)

    def update(self, configs: Mapping[str, StoreConfig]) -> None:
        """Adopt the current store set: start new stores, stop disabled or removed ones.
        A changed config is used from the store's next poll on."""
        for sid, cfg in configs.items():
            if self.wanted(cfg):
                self.configs[sid] = cfg
                if sid not in self.tasks or self.tasks[sid].done():
                    self.tasks[sid] = asyncio.create_task(self._store_loop(sid), name=f"poll-{sid}")
                    log.info("store_started", store=sid)
        for sid in list(self.tasks):
            current = configs.get(sid)
            if current is None or not self.wanted(current):
                self.tasks.pop(sid).cancel()
                self.configs.pop(sid, None)
                log.info("store_stopped", store=sid)

    async def _store_loop(self, store_id: str) -> None:
        interval = float(self.configs[store_id].poll_interval_seconds)
        if self._spread:
            await asyncio.sleep(first_delay(store_id, interval))
        failures = 0
        while store_id in self.configs:
            cfg = self.configs[store_id]
            interval = self._interval(cfg) if self._interval else float(cfg.poll_interval_seconds)
            started = time.monotonic()
            try:
                await self._poll(self.poller, cfg)
                failures = 0
                self.last_success[store_id] = time.monotonic()
                if self._on_success:
                    self._on_success(store_id)
                delay = max(interval - (time.monotonic() - started), 0.0)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # one store's failure never stops the others
                failures += 1
                delay = failure_delay(interval, failures)
                log.warning("store_poll_failed", store=store_id, error=str(exc),
                            error_type=type(exc).__name__, failures=failures, retry_in_s=round(delay, 1))
            await asyncio.sleep(delay)

    async def stop(self) -> None:
        tasks = list(self.tasks.values())
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.tasks.clear()
