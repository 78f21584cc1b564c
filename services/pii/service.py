"""The key service: owns the data-key store, runs the retention sweep, publishes erasures.

Each sweep destroys the data key of every order past its store's retention (``retention``), then
publishes a ``pii.erased`` event for every erasure not yet acknowledged by the broker (retention
and operator requests alike: the erasure record is the outbox, so a crash between the two only
delays the event). Erasure is idempotent: an order's key is destroyed once, its event has one id."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from schemas.envelope import Event
from schemas.events.pii import PiiErasedData, PiiErasedV1
from services.common.logging import get_logger
from services.pii.retention import RetentionPolicy
from services.pii.store import Erasure, KeyStore, kid_for

log = get_logger(__name__)
SERVICE = "key_service"
PRODUCER = "key_service"

Publish = Callable[[Iterable[Event]], object]


def _now() -> datetime:
    return datetime.now(UTC)


def erased_event(erasure: Erasure) -> PiiErasedV1:
    data = PiiErasedData(store_id=erasure.store_id, amazon_order_id=erasure.amazon_order_id, key_id=erasure.kid,
                         reason=erasure.reason, erased_at=erasure.erased_at)  # type: ignore[arg-type]
    event: PiiErasedV1 = PiiErasedV1.build(key=erasure.kid, occurred_at=erasure.erased_at, producer=PRODUCER,
                                           data=data, identity=(erasure.kid,))
    return event


def due_keys(store: KeyStore, policy: RetentionPolicy, now: datetime) -> list[str]:
    return [h.kid for h in store.held() if policy.is_due(h.store_id, h.closed_at, now)]


def sweep(store: KeyStore, policy: RetentionPolicy, now: datetime) -> int:
    """Destroy the data key of every order past its retention; returns how many."""
    destroyed = sum(store.destroy(kid, "retention", now) for kid in due_keys(store, policy, now))
    if destroyed:
        log.info("pii_retention_erased", orders=destroyed)
    return destroyed


def erase(store: KeyStore, store_id: str, amazon_order_id: str, now: datetime) -> bool:
    """A buyer's erasure request: destroy the order's data key now (False: already erased)."""
    return store.destroy(kid_for(store_id, amazon_order_id), "request", now)


def publish_erasures(store: KeyStore, publish: Publish) -> int:
    """Publish every erasure the broker has not acknowledged yet; returns how many."""
    pending = store.unpublished()
    if pending:
        publish([erased_event(e) for e in pending])
        store.mark_published(e.kid for e in pending)
    return len(pending)


def run(store: KeyStore, policy: RetentionPolicy, publish: Publish, interval_s: float,
        clock: Callable[[], datetime] = _now, should_stop: Callable[[], bool] = lambda: False,
        beat: Callable[[], None] = lambda: None) -> None:
    """Sweep and publish every ``interval_s`` until ``should_stop``."""
    next_at = 0.0
    while not should_stop():
        if time.monotonic() >= next_at:
            sweep(store, policy, clock())
            publish_erasures(store, publish)
            next_at = time.monotonic() + interval_s
            beat()
        time.sleep(min(0.5, interval_s))

