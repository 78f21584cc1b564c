"""Adapter: checkpoints and order fingerprints in the database (synchronous SQLAlchemy;
the async poller calls it through ``asyncio.to_thread``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from services.common.db import transaction
from services.poller.models import PollerCheckpoint, PollerOrderFingerprint


@dataclass(frozen=True)
class Checkpoint:
    store_id: str
    window_end: datetime | None = None
    initial_import_done: bool = False


@dataclass(frozen=True)
class StoredFingerprint:
    digest: str
    fields: Mapping[str, str]
    last_updated: datetime
    seq: int


@dataclass(frozen=True)
class FingerprintUpdate:
    amazon_order_id: str
    digest: str
    fields: Mapping[str, str]
    last_updated: datetime
    seq: int


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class PollerState:
    def __init__(self, database_url: str) -> None:
        self.url = database_url

    def load_checkpoint(self, store_id: str) -> Checkpoint:
        with transaction(self.url) as s:
            row = s.get(PollerCheckpoint, store_id)
            if row is None:
                return Checkpoint(store_id)
            return Checkpoint(store_id, _utc(row.window_end), row.initial_import_done)

    def save_checkpoint(self, store_id: str, *, window_end: datetime | None = None,
                        initial_import_done: bool | None = None) -> None:
        """Advance the checkpoint (never moves it back)."""
        with transaction(self.url) as s:
            row = s.get(PollerCheckpoint, store_id, with_for_update=True)
            if row is None:
                row = PollerCheckpoint(store_id=store_id, window_end=None, initial_import_done=False)
                s.add(row)
            current = _utc(row.window_end)
            if window_end is not None and (current is None or window_end > current):
                row.window_end = window_end
            if initial_import_done is not None:
                row.initial_import_done = initial_import_done
            row.updated_at = datetime.now(UTC)

    def load_fingerprints(self, store_id: str, order_ids: Iterable[str]) -> dict[str, StoredFingerprint]:
        ids = sorted(set(order_ids))
        if not ids:
            return {}
        with transaction(self.url) as s:
            rows = s.scalars(select(PollerOrderFingerprint).where(
                PollerOrderFingerprint.store_id == store_id,
                PollerOrderFingerprint.amazon_order_id.in_(ids)))
            return {r.amazon_order_id: StoredFingerprint(r.digest, dict(r.fields), _utc(r.last_updated) or
                                                         r.last_updated, r.seq) for r in rows}

    def save_fingerprints(self, store_id: str, updates: Iterable[FingerprintUpdate]) -> None:
        ups = list(updates)
        if not ups:
            return
        now = datetime.now(UTC)
        with transaction(self.url) as s:
            existing = {r.amazon_order_id: r for r in s.scalars(select(PollerOrderFingerprint).where(
                PollerOrderFingerprint.store_id == store_id,
                PollerOrderFingerprint.amazon_order_id.in_([u.amazon_order_id for u in ups]))
                .with_for_update())}
            for u in ups:
                row = existing.get(u.amazon_order_id)
                if row is None:
                    row = PollerOrderFingerprint(store_id=store_id, amazon_order_id=u.amazon_order_id)
                    s.add(row)
                    existing[u.amazon_order_id] = row
                elif row.seq > u.seq:
                    continue  # a newer fact was recorded meanwhile (a concurrent reimport)
                row.digest = u.digest
                row.fields = dict(u.fields)
                row.last_updated = u.last_updated
                row.seq = u.seq
                row.updated_at = now
