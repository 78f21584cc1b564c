"""The poller's tables: one checkpoint per store, one fingerprint per order seen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from services.common.db import Base


class PollerCheckpoint(Base):
    __tablename__ = "poller_checkpoints"

    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    # End of the last window whose pages were all read and whose events were all acknowledged.
    window_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    initial_import_done: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)


class PollerOrderFingerprint(Base):
    __tablename__ = "poller_order_fingerprints"

    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    amazon_order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), nullable=False)
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False)
    last_updated: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    # How many facts were published for this order: part of the next fact's identity.
    seq: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
