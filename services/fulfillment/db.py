"""The fulfillment services' tables (their migrations: the ``fulfillment`` branch under ``migrations/versions``,
applied with every service's by ``services.common.db.upgrade`` / ``sales-channel db upgrade``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from services.common.db import Base, transaction


class OutboxCursor(Base):
    __tablename__ = "fulfillment_outbox_cursors"

    # The Magento the outbox belongs to (its base URL): one cursor each.
    source: Mapped[str] = mapped_column(String(255), primary_key=True)
    # The last outbox entry whose fact the broker acknowledged.
    last_entry_id: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class CursorStore:
    def __init__(self, url: str) -> None:
        self.url = url

    def load(self, source: str) -> int:
        with transaction(self.url) as session:
            row = session.execute(select(OutboxCursor).where(OutboxCursor.source == source)).scalar_one_or_none()
            return row.last_entry_id if row else 0

    def save(self, source: str, last_entry_id: int) -> None:
        """Move the cursor forward (never back: a late writer cannot undo a later one)."""
        with transaction(self.url) as session:
            row = session.get(OutboxCursor, source, with_for_update=True)
            now = datetime.now(UTC)
            if row is None:
                session.add(OutboxCursor(source=source, last_entry_id=last_entry_id, updated_at=now))
            elif last_entry_id > row.last_entry_id:
                row.last_entry_id = last_entry_id
                row.updated_at = now


class CancellationFeed(Base):
    """A seller cancellation sent to Amazon by feed, per order: the canceller never sends a second
    feed for an order while one is held here unanswered or accepted (a re-read outbox entry, a
    replay, a crash between ``createFeed`` and the commit); it reads that feed's report instead."""

    __tablename__ = "fulfillment_cancellation_feeds"

    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    amazon_order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    request_id: Mapped[str] = mapped_column(String(128), nullable=False)
    feed_id: Mapped[str] = mapped_column(String(64), nullable=False)
    message_id: Mapped[int] = mapped_column(Integer, nullable=False)  # the order's message in the feed
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # None while Amazon's processing report is not read; then accepted or refused.
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)


@dataclass(frozen=True)
class SentFeed:
    feed_id: str
    request_id: str
    message_id: int
    outcome: str | None


class CancellationFeeds:
    def __init__(self, url: str) -> None:
        self.url = url

    def held(self, store_id: str, amazon_order_id: str) -> SentFeed | None:
        with transaction(self.url) as session:
            row = session.get(CancellationFeed, (store_id, amazon_order_id))
            return SentFeed(row.feed_id, row.request_id, row.message_id, row.outcome) if row else None

    def sent(self, store_id: str, feed_id: str, orders: list[tuple[str, str, int]]) -> None:
        """``orders``: (Amazon order id, request id, message id) of one feed just created."""
        now = datetime.now(UTC)
        with transaction(self.url) as session:
            for order_id, request_id, message_id in orders:
                session.merge(CancellationFeed(store_id=store_id, amazon_order_id=order_id, request_id=request_id,
                                               feed_id=feed_id, message_id=message_id, sent_at=now, outcome=None))

    def answered(self, store_id: str, feed_id: str, outcomes: list[tuple[str, str]]) -> None:
        """``outcomes``: (Amazon order id, accepted | refused) read from ``feed_id``'s report."""
        with transaction(self.url) as session:
            for order_id, outcome in outcomes:
                row = session.get(CancellationFeed, (store_id, order_id), with_for_update=True)
                if row is not None and row.feed_id == feed_id:
                    row.outcome = outcome
