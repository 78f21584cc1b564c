"""The fulfillment services' tables (their migrations: the ``fulfillment`` branch under ``migrations/versions``,
applied with every service's by ``services.common.db.upgrade`` / ``sales-channel db upgrade``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, String, select
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
