"""The SQS listener: long-poll the notification queue, re-read each announced order with
``getOrder`` and publish it through the poller's own change detection.

Per batch: decode every message (poison → the poller's dead-letter topic, then deleted), drop
NotificationIds already handled, call ``getOrder`` once per announced order (the poller's client,
so its per-seller 0.5 req/s, burst 30 bucket applies), publish through ``process_orders`` (same
fingerprints and per-store lock as polling: a change both paths see is one fact), and delete a
message only after the broker acknowledged its facts. A failure leaves the message in the queue;
SQS redelivers it after its visibility timeout. Messages of stores another poller process owns
are released at once; messages of unknown or disabled stores are deleted and counted.

The listener never waits for a store's getOrder bucket: a message whose store has no token left
(a flash sale: more than 30 orders at once) is deferred, made invisible until its turn at the
bucket's rate, so one busy seller never holds up the others' notifications."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas.envelope import order_key
from schemas.types import StoreConfig
from services.common.logging import get_logger
from services.common.retry import SQS_RECEIVE, retry_async
from services.poller.notifications import metrics
from services.poller.notifications.message import OrderChange, PoisonMessage, SeenNotifications, decode
from services.poller.ratelimit import RateLimits
from services.poller.sync import Poller, process_orders

log = get_logger(__name__)

DEAD_LETTER_REASON = "notification_undecodable"


@dataclass
class BatchResult:
    received: int = 0
    processed: int = 0
    duplicates: int = 0
    poison: int = 0
    ignored: int = 0
    released: int = 0
    deferred: int = 0
    failed: int = 0
    events_published: int = 0
    orders_fetched: int = 0


@dataclass
class SqsListener:
    poller: Poller
    sqs: Any  # a boto3 SQS client
    queue_url: str
    stores: Callable[[], Mapping[str, StoreConfig]]  # every known store, enabled or not
    owns: Callable[[str], bool] = lambda _sid: True
    wait_time_s: int = 20
    max_messages: int = 10
    on_notified: Callable[[str], None] | None = None  # a store's notification was handled
    on_receive: Callable[[], None] | None = None  # SQS answered (the listener is alive)
    seen: SeenNotifications = field(default_factory=SeenNotifications)
    clock: Callable[[], float] = time.monotonic
    _turns: dict[str, float] = field(default_factory=dict)  # store -> when its last deferred message returns

    def _bucket_wait(self, store_id: str) -> tuple[float, float]:
        """Seconds until the store's getOrder bucket has a token (0: now), taking none; its rate."""
        limits = getattr(self.poller.client, "limits", None)
        if not isinstance(limits, RateLimits):
            return 0.0, 0.0
        bucket = limits.bucket(store_id, "getOrder")
        tokens = bucket.tokens
        return (0.0 if tokens >= 1.0 else (1.0 - tokens) / bucket.rate), bucket.rate

    def _turn(self, store_id: str, wait_s: float, rate: float) -> int:
        """Seconds to hide a deferred message: after the store's earlier deferred ones, one per
        ``1/rate`` seconds, so they come back as the bucket refills (SQS allows up to 12 h)."""
        now = self.clock()
        at = max(now + wait_s, self._turns.get(store_id, 0.0) + 1.0 / rate)
        self._turns[store_id] = at
        return min(max(math.ceil(at - now), 1), 43_200)

    def _store_of(self, change: OrderChange) -> StoreConfig | None:
        for cfg in self.stores().values():
            if cfg.seller_id == change.seller_id and cfg.marketplace_id == change.marketplace_id:
                return cfg
        return None

    async def run_once(self) -> BatchResult:
        answer = await asyncio.to_thread(self.sqs.receive_message, QueueUrl=self.queue_url,
                                         MaxNumberOfMessages=self.max_messages, WaitTimeSeconds=self.wait_time_s)
        if self.on_receive:
            self.on_receive()
        messages: list[dict[str, Any]] = answer.get("Messages") or []
        result = BatchResult(received=len(messages))
        # (store, order) -> the messages announcing it
        wanted: dict[tuple[str, str], list[tuple[dict[str, Any], OrderChange]]] = {}
        configs: dict[str, StoreConfig] = {}
        for msg in messages:
            body = msg.get("Body") or ""
            try:
                change = decode(body)
            except PoisonMessage as exc:
                await self.poller.publisher.dead_letter(reason=f"{DEAD_LETTER_REASON}: {exc}", error=exc,
                                                        key="notifications", raw={"sqs_body": body})
                await self._delete(msg)
                result.poison += 1
                log.warning("notification_dead_lettered", error=str(exc))
                continue
            if change.notification_id in self.seen:
                await self._delete(msg)
                result.duplicates += 1
                continue
            store = self._store_of(change)
            if store is None or not store.enabled:
                await self._delete(msg)
                result.ignored += 1
                log.info("notification_ignored", seller=change.seller_id, marketplace=change.marketplace_id,
                         reason="unknown store" if store is None else "store disabled")
                continue
            if not self.owns(store.store_id):
                await asyncio.to_thread(self.sqs.change_message_visibility, QueueUrl=self.queue_url,
                                        ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=0)
                result.released += 1
                continue
            configs[store.store_id] = store
            wanted.setdefault((store.store_id, change.amazon_order_id), []).append((msg, change))
        for (sid, order_id), announced in wanted.items():
            store = configs[sid]
            wait_s, rate = self._bucket_wait(sid)
            if wait_s > 0:
                hide_s = self._turn(sid, wait_s, rate)
                for msg, _ in announced:
                    await asyncio.to_thread(self.sqs.change_message_visibility, QueueUrl=self.queue_url,
                                            ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=hide_s)
                result.deferred += len(announced)
                continue
            try:
                raw = await self.poller.client.get_order(store, order_id)
                result.orders_fetched += 1
                if raw is not None:
                    r = await process_orders(self.poller, store, [raw])
                    result.events_published += r.events_published
                else:
                    log.warning("notified_order_not_found", store=sid, order=order_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the message stays queued and comes back
                result.failed += len(announced)
                log.warning("notification_failed", store=sid, key=order_key(sid, order_id),
                            error=str(exc), error_type=type(exc).__name__)
                continue
            for msg, change in announced:  # the facts are acknowledged: the messages may go
                await self._delete(msg)
                self.seen.add(change.notification_id)
                result.processed += 1
            if self.on_notified:
                self.on_notified(sid)
        for outcome, count in (("processed", result.processed), ("duplicate", result.duplicates),
                               ("poison", result.poison), ("ignored", result.ignored),
                               ("released", result.released), ("deferred", result.deferred),
                               ("failed", result.failed)):
            metrics.notifications(outcome, count)
        return result

    async def _delete(self, msg: dict[str, Any]) -> None:
        await asyncio.to_thread(self.sqs.delete_message, QueueUrl=self.queue_url,
                                ReceiptHandle=msg["ReceiptHandle"])

    async def run(self, stop: asyncio.Event,
                  sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        """Receive until ``stop``; a failed receive (SQS unreachable) is tried again under the
        ``SQS_RECEIVE`` policy, which never gives up (the poller cancels this task to stop)."""
        while not stop.is_set():
            await retry_async(SQS_RECEIVE, self.run_once, retry_on=lambda exc: isinstance(exc, Exception),
                              on_retry=_receive_failed, sleep=sleep)


def _receive_failed(attempt: int, exc: BaseException, wait_s: float) -> None:
    log.warning("notification_receive_failed", error=str(exc), error_type=type(exc).__name__,
                attempt=attempt, retry_in_s=round(wait_s, 1))
