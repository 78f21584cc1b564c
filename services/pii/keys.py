"""Sealing and opening orders with the key store: the poller's ``Sealer``, the writer's and the
Orders tab's ``Opener``. Only these two hold data keys; nothing else ever sees clear PII."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import datetime

from schemas.events.poller import (
    AmazonOrderChangedDataV4,
    AmazonOrderChangedV1,
    AmazonOrderChangedV3,
    AmazonOrderChangedV4,
    order_changed_v3,
)
from services.pii import fields
from services.pii.crypto import open_sealed, seal
from services.pii.removal import removed_text
from services.pii.retention import closes
from services.pii.sealed import Sealed, is_sealed
from services.pii.store import KeyStore, kid_for

DEAD_LETTER_KEY = "dead-letters-"  # the store's key of the day for raw payloads of no known order


class Sealer:
    """Turns the poller's facts into v4 facts: PII minimised and sealed with the order's data key."""

    def __init__(self, store: KeyStore) -> None:
        self.store = store

    def seal_fact(self, event: AmazonOrderChangedV1) -> AmazonOrderChangedV4:
        return self.seal_facts([event])[0]

    def seal_facts(self, events: Iterable[AmazonOrderChangedV1]) -> tuple[AmazonOrderChangedV4, ...]:
        """Seal a page of facts: their keys read or created together, retention clocks set together."""
        facts = [order_changed_v3(e) for e in events]
        now = max((f.data.observed_at for f in facts), default=None)
        if now is None:
            return ()
        kids = [kid_for(f.data.store_id, f.data.order.amazon_order_id) for f in facts]
        keys = self.store.data_keys_created(kids, now)
        sealed = tuple(self.sealed_fact(f, kid, keys[kid]) for f, kid in zip(facts, kids, strict=True))
        self.store.mark_all_closed((kid, f.data.order.status.value, f.occurred_at)
                                   for f, kid in zip(sealed, kids, strict=True)
                                   if f.data.pii_key_id is not None and closes(f.data.order.status))
        return sealed

    @staticmethod
    def sealed_fact(v3: AmazonOrderChangedV3, kid: str, key: bytes | None) -> AmazonOrderChangedV4:
        """``v3`` minimised and sealed with the data ``key`` of order ``kid`` (None: erased)."""
        d = v3.data
        order = fields.minimised(d.order)
        if key is None:  # erased: later facts of the order carry no PII
            order, key_id = fields.transform(order, lambda _: None), None
        else:
            order, key_id = fields.transform(order, lambda value: seal(key, kid, value)), kid
        data = AmazonOrderChangedDataV4(**{**dict(d), "order": order, "pii_key_id": key_id})
        return AmazonOrderChangedV4(event_id=v3.event_id, key=v3.key, occurred_at=v3.occurred_at,
                                    producer=v3.producer, causation_id=v3.causation_id, data=data)

    def seal_raw(self, store_id: str, amazon_order_id: str | None, raw: str, now: datetime) -> str | None:
        """A raw payload for a dead letter, sealed whole: under the order's data key, or, when the
        order is unknown, under the store's dead-letter key of the day, whose retention starts at
        once. None when the order's PII was already erased (the raw payload is dropped)."""
        if amazon_order_id is None:
            kid = kid_for(store_id, f"{DEAD_LETTER_KEY}{now.date().isoformat()}")
            key = self.store.data_key(kid, now)
            self.store.mark_closed(kid, "DEAD_LETTER", now)
        else:
            kid = kid_for(store_id, amazon_order_id)
            key = self.store.data_key(kid, now)
        return seal(key, kid, raw) if key is not None else None


class Opener:
    """Opens sealed values. A value whose key was destroyed opens to None (``reveal``: the removal
    text); clear values (facts published before sealing) pass unchanged. Keys are cached, bounded in
    number and for at most ``cache_seconds``: a destroyed key leaves the memory of every process that
    held it within that time, whether or not the process hears the erasure (``forget``)."""

    def __init__(self, store: KeyStore, cache_size: int = 10_000, cache_seconds: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.store = store
        self.cache_size = cache_size
        self.cache_seconds = cache_seconds
        self.clock = clock
        self._lock = threading.RLock()  # the writer opens from several threads and prefetches from another
        self._keys: OrderedDict[str, bytes | None] = OrderedDict()
        self._cached_at: dict[str, float] = {}
        self._reasons: dict[str, str] = {}

    def _expire(self) -> None:
        horizon = self.clock() - self.cache_seconds
        with self._lock:
            while self._keys:
                oldest = next(iter(self._keys))
                if self._cached_at[oldest] > horizon:
                    return
                self.forget(oldest)

    def prefetch(self, values: Iterable[str | None]) -> None:
        """Load the keys of every sealed value in ``values`` with one query (the store is read
        outside the cache's lock)."""
        self._expire()
        wanted = {Sealed.parse(v).kid for v in values if v is not None and is_sealed(v)}
        with self._lock:
            kids = wanted - set(self._keys)
        self._load(kids)

    def _load(self, kids: set[str]) -> dict[str, bytes | None]:
        """Read ``kids``' keys from the store and cache them; the keys read (None: erased or unknown)."""
        if not kids:
            return {}
        found = self.store.data_keys(kids)
        erased = [k for k in kids if found.get(k) is None]
        reasons = {kid: erasure.reason for kid, erasure in self.store.erasures(erased).items()}
        with self._lock:
            self._reasons.update(reasons)
            for kid in kids:
                self._remember(kid, found.get(kid))
        return {kid: found.get(kid) for kid in kids}

    def _remember(self, kid: str, key: bytes | None) -> None:
        with self._lock:
            self._keys[kid] = key
            self._keys.move_to_end(kid)  # insertion order is load order: _expire drops from the front
            self._cached_at[kid] = self.clock()
            while len(self._keys) > self.cache_size:
                self.forget(next(iter(self._keys)))

    def forget(self, kid: str) -> None:
        with self._lock:
            self._keys.pop(kid, None)
            self._cached_at.pop(kid, None)
            self._reasons.pop(kid, None)

    def open(self, value: str) -> str | None:
        if not is_sealed(value):
            return value
        sealed = Sealed.parse(value)
        self._expire()
        with self._lock:
            known = sealed.kid in self._keys
            key = self._keys.get(sealed.kid)
        if not known:  # as read now, even if a concurrent load evicts it from the cache meanwhile
            key = self._load({sealed.kid})[sealed.kid]
        return open_sealed(key, sealed) if key is not None else None

    def reveal(self, value: str | None) -> str | None:
        """For display: the clear value, or the removal text where erased PII was."""
        if value is None:
            return None
        opened = self.open(value)
        if opened is not None:
            return opened
        return removed_text(self._reasons.get(Sealed.parse(value).kid))

    def open_order(self, order: fields.OrderT) -> fields.OrderT:
        """``order`` with its PII opened (erased PII removed)."""
        return fields.transform(order, self.open)
