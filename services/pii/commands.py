"""Operator commands (``sales-channel pii …``): erase an order's buyer PII, report what is held."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from services.common.settings import Settings
from services.pii.access import key_store
from services.pii.retention import RetentionPolicy
from services.pii.service import erase, publish_erasures
from services.pii.settings import PiiSettings
from services.pii.store import KeyStore


class NotConfigured(RuntimeError):
    pass


def _store(settings: Settings) -> KeyStore:
    store = key_store(settings.database_url, settings.secrets_file)
    if store is None:
        raise NotConfigured("PII_KEK_REF is not set: nothing is sealed, so there is nothing to erase or report")
    return store


def erase_order(settings: Settings, store_id: str, amazon_order_id: str) -> bool:
    """Destroy the order's data key now and publish the erasure (False: it was already erased)."""
    from schemas.topics import PII_ERASURES
    from services.common.kafka import make_producer, publish_sync

    store = _store(settings)
    done = erase(store, store_id, amazon_order_id, datetime.now(UTC))
    producer = make_producer(settings)
    try:
        publish_erasures(store, lambda events: publish_sync(producer, PII_ERASURES, events))
    finally:
        producer.close()
    return done


@dataclass(frozen=True)
class ReportLine:
    store_id: str
    amazon_order_id: str
    held_since: datetime
    closed: str  # "SHIPPED since …", or "open"
    goes_at: datetime | None  # None: 30 days (the store's period) after shipment or cancellation
    kek_version: str


@dataclass(frozen=True)
class Report:
    held: tuple[ReportLine, ...]
    erased_retention: int
    erased_request: int
    policy: RetentionPolicy


def report(settings: Settings) -> Report:
    store = _store(settings)
    policy = PiiSettings().policy()
    lines = tuple(
        ReportLine(h.store_id, h.amazon_order_id, h.created_at,
                   f"{h.closed_status} since {h.closed_at.isoformat(timespec='seconds')}" if h.closed_at else "open",
                   policy.due_at(h.store_id, h.closed_at) if h.closed_at else None, h.kek_version)
        for h in store.held())
    erased = store.erased()
    return Report(lines, sum(e.reason == "retention" for e in erased), sum(e.reason == "request" for e in erased),
                  policy)


def rewrap(settings: Settings) -> int:
    """Re-wrap every data key under the active KEK version (after a rotation)."""
    return _store(settings).rewrap()
