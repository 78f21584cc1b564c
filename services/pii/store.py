"""The key service's store of wrapped data keys and erasure records (SQLAlchemy; SQLite or PostgreSQL).

A data key row exists from the first sealed fact of an order until its erasure. Destroying it is
the crypto-shredding: the row is deleted and an erasure recorded in the same transaction, and an
order with an erasure record never gets a new key (later facts of it carry no PII)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Boolean, DateTime, LargeBinary, String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from schemas.envelope import order_key, split_order_key
from services.common.db import Base, transaction
from services.pii.crypto import new_data_key, unwrap, wrap
from services.pii.kek import KeyRing, NoKeyRing


class DataKeyRow(Base):
    __tablename__ = "pii_data_keys"

    kid: Mapped[str] = mapped_column(String(200), primary_key=True)  # store_id:amazon_order_id
    store_id: Mapped[str] = mapped_column(String(64), nullable=False)
    amazon_order_id: Mapped[str] = mapped_column(String(100), nullable=False)
    kek_version: Mapped[str] = mapped_column(String(32), nullable=False)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # When the order was first seen shipped or canceled: its retention runs from here.
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_status: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ErasureRow(Base):
    __tablename__ = "pii_erasures"

    kid: Mapped[str] = mapped_column(String(200), primary_key=True)
    store_id: Mapped[str] = mapped_column(String(64), nullable=False)
    amazon_order_id: Mapped[str] = mapped_column(String(100), nullable=False)
    reason: Mapped[str] = mapped_column(String(32), nullable=False)  # retention | request
    erased_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    published: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


def _aware(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes: they were stored as UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


@dataclass(frozen=True)
class HeldKey:
    kid: str
    store_id: str
    amazon_order_id: str
    kek_version: str
    created_at: datetime
    closed_at: datetime | None
    closed_status: str | None


@dataclass(frozen=True)
class Erasure:
    kid: str
    store_id: str
    amazon_order_id: str
    reason: str
    erased_at: datetime


class KeyStore:
    def __init__(self, url: str, ring: KeyRing | None) -> None:
        """``ring`` None: a store that can only tell erased orders (a process without the KEK)."""
        self.url = url
        self.ring = ring

    @property
    def keyring(self) -> KeyRing:
        if self.ring is None:
            raise NoKeyRing("buyer PII data keys need the KEK: set PII_KEK_REF")
        return self.ring

    # --- data keys ------------------------------------------------------------------------------
    def data_key(self, kid: str, now: datetime) -> bytes | None:
        """The order's data key, created on first use; None once the order's PII was erased."""
        return self.data_keys_created([kid], now)[kid]

    def data_keys_created(self, kids: Iterable[str], now: datetime) -> dict[str, bytes | None]:
        """Each order's data key, the missing ones created together (one transaction); None for an
        order whose PII was erased: it never gets a key again."""
        found = self.data_keys(kids)
        missing = {kid: new_data_key() for kid in sorted(set(kids)) if kid not in found}
        if not missing:
            return found
        try:
            with transaction(self.url) as session:
                erased = set(session.execute(select(ErasureRow.kid).where(ErasureRow.kid.in_(list(missing))))
                             .scalars())
                for kid, key in missing.items():
                    if kid in erased:
                        continue
                    store_id, amazon_order_id = split_order_key(kid)
                    session.add(DataKeyRow(kid=kid, store_id=store_id, amazon_order_id=amazon_order_id,
                                           kek_version=self.keyring.active, created_at=now,
                                           wrapped=wrap(self.keyring.active_key, self.keyring.active, kid, key)))
        except IntegrityError:  # some created meanwhile by another process: read what won
            return self.data_keys(kids)
        return {**found, **{kid: (None if kid in erased else key) for kid, key in missing.items()}}

    def data_keys(self, kids: Iterable[str]) -> dict[str, bytes | None]:
        """Each known order's data key, or None when it was erased; unknown orders are absent."""
        wanted = sorted(set(kids))
        if not wanted:
            return {}
        with transaction(self.url) as session:
            rows = session.execute(select(DataKeyRow).where(DataKeyRow.kid.in_(wanted))).scalars().all()
            absent = sorted(set(wanted) - {r.kid for r in rows})
            erased = session.execute(select(ErasureRow.kid).where(ErasureRow.kid.in_(absent))).scalars().all() \
                if absent else []
        out: dict[str, bytes | None] = {kid: None for kid in erased}
        for row in rows:
            out[row.kid] = unwrap(self.keyring.key(row.kek_version), row.kek_version, row.kid, row.wrapped)
        return out

    def mark_closed(self, kid: str, status: str, at: datetime) -> None:
        """Record when the order was first seen shipped or canceled (its retention clock)."""
        self.mark_all_closed([(kid, status, at)])

    def mark_all_closed(self, closings: Iterable[tuple[str, str, datetime]]) -> None:
        """``mark_closed`` for several orders in one transaction (each clock is set once only)."""
        todo = list(closings)
        if not todo:
            return
        with transaction(self.url) as session:
            for kid, status, at in todo:
                session.execute(update(DataKeyRow).where(DataKeyRow.kid == kid, DataKeyRow.closed_at.is_(None))
                                .values(closed_at=at, closed_status=status))

    def rewrap(self) -> int:
        """Re-wrap every data key not under the active KEK version; returns how many."""
        done = 0
        with transaction(self.url) as session:
            rows = session.execute(select(DataKeyRow).where(DataKeyRow.kek_version != self.keyring.active)
                                   .with_for_update()).scalars().all()
            for row in rows:
                key = unwrap(self.keyring.key(row.kek_version), row.kek_version, row.kid, row.wrapped)
                row.wrapped = wrap(self.keyring.active_key, self.keyring.active, row.kid, key)
                row.kek_version = self.keyring.active
                done += 1
        return done

    # --- erasure --------------------------------------------------------------------------------
    def destroy(self, kid: str, reason: str, at: datetime) -> bool:
        """Delete the order's data key and record the erasure; False when it was already erased."""
        store_id, amazon_order_id = split_order_key(kid)
        try:
            with transaction(self.url) as session:
                if session.get(ErasureRow, kid) is not None:
                    return False
                session.execute(delete(DataKeyRow).where(DataKeyRow.kid == kid))
                session.add(ErasureRow(kid=kid, store_id=store_id, amazon_order_id=amazon_order_id, reason=reason,
                                       erased_at=at, published=False))
        except IntegrityError:
            return False
        return True

    def erasures(self, kids: Iterable[str]) -> dict[str, Erasure]:
        wanted = sorted(set(kids))
        if not wanted:
            return {}
        with transaction(self.url) as session:
            rows = session.execute(select(ErasureRow).where(ErasureRow.kid.in_(wanted))).scalars().all()
        return {r.kid: _erasure(r) for r in rows}

    def unpublished(self) -> list[Erasure]:
        with transaction(self.url) as session:
            rows = session.execute(select(ErasureRow).where(ErasureRow.published.is_(False))
                                   .order_by(ErasureRow.erased_at)).scalars().all()
        return [_erasure(r) for r in rows]

    def mark_published(self, kids: Iterable[str]) -> None:
        with transaction(self.url) as session:
            session.execute(update(ErasureRow).where(ErasureRow.kid.in_(sorted(set(kids)))).values(published=True))

    # --- reading ------------------------------------------------------------------------------
    def held(self) -> list[HeldKey]:
        with transaction(self.url) as session:
            rows = session.execute(select(DataKeyRow).order_by(DataKeyRow.store_id, DataKeyRow.created_at)).scalars()
            return [HeldKey(r.kid, r.store_id, r.amazon_order_id, r.kek_version, _aware(r.created_at) or r.created_at,
                            _aware(r.closed_at), r.closed_status) for r in rows]

    def erased(self) -> list[Erasure]:
        with transaction(self.url) as session:
            rows = session.execute(select(ErasureRow).order_by(ErasureRow.erased_at)).scalars().all()
        return [_erasure(r) for r in rows]


def _erasure(r: ErasureRow) -> Erasure:
    return Erasure(r.kid, r.store_id, r.amazon_order_id, r.reason, _aware(r.erased_at) or r.erased_at)


def kid_for(store_id: str, amazon_order_id: str) -> str:
    """An order's key id: its order key (store id + Amazon order id)."""
    return order_key(store_id, amazon_order_id)
