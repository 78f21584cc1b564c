"""Subscriptions checked at start: for each enabled store this poller owns, list its
``ORDER_CHANGE`` subscription and the application's destinations, re-create what is missing and
log what was found.

The rule (``decide``) is pure. A store is *wanted* when ``NOTIFICATIONS_STORES`` names it (or is
``*``): a wanted store without a subscription is subscribed, one subscribed to another queue is
moved to ours. A store subscribed to a destination that no longer exists is moved to ours whether
wanted or not (it was meant to be notified). A store subscribed to another live destination and
not wanted is left alone, with a warning. Each store is checked once per process (again when its
seller, marketplace or endpoint changes); a failed check is tried again at the next store update."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx

from schemas.types import StoreConfig
from services.common import secrets
from services.common.logging import get_logger
from services.common.settings import Settings
from services.poller.notifications.config import NotificationSettings
from services.poller.notifications.spapi import NotificationsApi

log = get_logger(__name__)


class Found(StrEnum):
    SUBSCRIBED = "subscribed"  # to our queue: nothing to do
    CREATED = "created"  # wanted and missing: subscribed now
    MOVED = "moved"  # its destination was gone or another queue: re-subscribed to ours
    OFF = "off"  # not subscribed, not wanted: polling only
    ELSEWHERE = "elsewhere"  # subscribed to another live destination, not wanted: left alone


def decide(current: Mapping[str, Any] | None, ours: str | None, destinations: Mapping[str, str],
           wanted: bool) -> Found:
    """What to do with one store's subscription ``current`` (None: none), given our destination's
    id (None: not created yet) and the application's destinations (id → queue ARN)."""
    if current is None:
        return Found.CREATED if wanted else Found.OFF
    destination = current.get("destinationId")
    if ours is not None and destination == ours:
        return Found.SUBSCRIBED
    if destination not in destinations or wanted:
        return Found.MOVED
    return Found.ELSEWHERE


def _identity(store: StoreConfig) -> tuple[str, str, str]:
    return (store.seller_id, store.marketplace_id, store.spapi_endpoint)


@dataclass
class SubscriptionCheck:
    api: NotificationsApi
    queue_arn: Callable[[], Awaitable[str]]
    wanted: Callable[[str], bool] = lambda _sid: False
    owns: Callable[[str], bool] = lambda _sid: True
    concurrency: int = 4  # the Notifications API allows 1 request/s, burst 5, per seller
    checked: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    _arn: str | None = None
    _ours: str | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _serial: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def check(self, stores: Mapping[str, StoreConfig]) -> dict[str, Found]:
        """Check the enabled, owned stores not checked yet; what was found, by store. Checks run
        one at a time (store updates may come faster)."""
        async with self._serial:
            return await self._check(stores)

    async def _check(self, stores: Mapping[str, StoreConfig]) -> dict[str, Found]:
        todo = [s for s in stores.values() if s.enabled and self.owns(s.store_id)
                and self.checked.get(s.store_id) != _identity(s)]
        if not todo:
            return {}
        try:
            destinations = await self._destinations(todo[0])
        except Exception as exc:  # noqa: BLE001 - polling goes on; the next store update tries again
            log.warning("notifications_check_failed", stores=len(todo), error=str(exc),
                        error_type=type(exc).__name__)
            return {}
        gate = asyncio.Semaphore(self.concurrency)
        found: dict[str, Found] = {}

        async def one(store: StoreConfig) -> None:
            async with gate:
                try:
                    found[store.store_id] = await self._check_store(store, destinations)
                    self.checked[store.store_id] = _identity(store)
                except Exception as exc:  # noqa: BLE001 - one store's failure never stops the others
                    log.warning("notifications_store_check_failed", store=store.store_id, error=str(exc),
                                error_type=type(exc).__name__)

        await asyncio.gather(*(one(s) for s in todo))
        counts = {f.value: sum(1 for v in found.values() if v is f) for f in Found}
        log.info("notifications_checked", stores=len(todo), failed=len(todo) - len(found), **counts)
        return found

    async def _destinations(self, store: StoreConfig) -> dict[str, str]:
        if self._arn is None:
            self._arn = await self.queue_arn()
        destinations = await self.api.destinations(store)
        self._ours = next((d for d, arn in destinations.items() if arn == self._arn), None)
        log.info("notifications_destination", destination=self._ours or "missing", queue_arn=self._arn)
        return destinations

    async def _our_destination(self, store: StoreConfig) -> str:
        async with self._lock:
            if self._ours is None:
                assert self._arn is not None
                self._ours = await self.api.ensure_destination(store, self._arn)
                log.info("notifications_destination_created", destination=self._ours, queue_arn=self._arn)
            return self._ours

    async def _check_store(self, store: StoreConfig, destinations: Mapping[str, str]) -> Found:
        current = await self.api.subscription(store)
        found = decide(current, self._ours, destinations, self.wanted(store.store_id))
        if found is Found.MOVED:
            await self.api.unsubscribe(store)
        if found in (Found.CREATED, Found.MOVED):
            current = await self.api.subscribe(store, await self._our_destination(store))
        subscription = (current or {}).get("subscriptionId")
        destination = (current or {}).get("destinationId")
        if found is Found.ELSEWHERE:
            log.warning("notifications_subscription", store=store.store_id, found=found.value,
                        subscription=subscription, destination=destination)
        else:
            log.info("notifications_subscription", store=store.store_id, found=found.value,
                     subscription=subscription, destination=destination)
        return found


def build_check(settings: Settings, push: NotificationSettings,
                owns: Callable[[str], bool]) -> SubscriptionCheck:
    """The poller's check: its own HTTP client (``aclose`` it), the queue's ARN asked of SQS once."""
    api = NotificationsApi(httpx.AsyncClient(timeout=30), settings.lwa_token_url,
                           lambda ref: secrets.resolve(ref, settings.secrets_file))
    return SubscriptionCheck(api, lambda: asyncio.to_thread(push.queue_arn), wanted=push.wants, owns=owns)
