"""SQLAlchemy models of the Orders-tab tables (owner: orders_tab)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from services.common.db import Base

# PostgreSQL only, when the pg_trgm extension can be created: "buyer name contains" uses it.
BUYER_TRGM_INDEX = "ix_orders_tab_orders_buyer_trgm"
BUYER_TRGM_INDEX_SQL = (
    f"CREATE INDEX IF NOT EXISTS {BUYER_TRGM_INDEX} ON orders_tab_orders USING gin (lower(buyer_name) gin_trgm_ops)"
)

JSONType = JSON().with_variant(JSONB(), "postgresql")
TZDateTime = DateTime(timezone=True)


class OrderRow(Base):
    """One Orders-tab row (the latest OrderView of an order); items kept as JSON."""

    __tablename__ = "orders_tab_orders"

    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    amazon_order_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, nullable=False)
    order_id: Mapped[str] = mapped_column(String(128), nullable=False)
    merchant_id: Mapped[int] = mapped_column(Integer, nullable=False)
    on_tab: Mapped[bool] = mapped_column(Boolean, nullable=False)
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    amazon_status: Mapped[str] = mapped_column(String(32), nullable=False)
    fulfillment_channel: Mapped[str] = mapped_column(String(16), nullable=False)
    is_prime: Mapped[bool] = mapped_column(Boolean, nullable=False)
    is_business: Mapped[bool] = mapped_column(Boolean, nullable=False)
    buyer_name: Mapped[str | None] = mapped_column(Text)
    buyer_email: Mapped[str | None] = mapped_column(Text)
    total_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 4))
    total_currency: Mapped[str | None] = mapped_column(String(3))
    items_shipped: Mapped[int] = mapped_column(Integer, nullable=False)
    items_unshipped: Mapped[int] = mapped_column(Integer, nullable=False)
    reserved: Mapped[bool] = mapped_column(Boolean, nullable=False)
    purchase_date: Mapped[datetime] = mapped_column(TZDateTime, nullable=False)
    latest_ship_date: Mapped[datetime | None] = mapped_column(TZDateTime)
    last_updated: Mapped[datetime] = mapped_column(TZDateTime, nullable=False)
    magento_state: Mapped[str] = mapped_column(String(16), nullable=False)
    magento_order_number: Mapped[str | None] = mapped_column(String(64))
    magento_order_id: Mapped[int | None] = mapped_column(BigInteger)
    last_action: Mapped[str | None] = mapped_column(Text)
    items: Mapped[Any] = mapped_column(JSONType, nullable=False)

    __table_args__ = (
        # The default view: on the tab, newest first, optionally per store or status.
        Index("ix_orders_tab_orders_purchase", "purchase_date", "store_id", "amazon_order_id"),
        Index("ix_orders_tab_orders_store_purchase", "store_id", "purchase_date"),
        Index("ix_orders_tab_orders_status_purchase", "status", "purchase_date"),
        Index("ix_orders_tab_orders_store_status", "store_id", "status", "purchase_date"),
        Index("ix_orders_tab_orders_amazon_order_id", "amazon_order_id"),
        Index(
            "ix_orders_tab_orders_amazon_order_id_prefix",
            "amazon_order_id",
            postgresql_ops={"amazon_order_id": "text_pattern_ops"},
        ),
        Index("ix_orders_tab_orders_buyer_name", "buyer_name", "purchase_date"),
        Index("ix_orders_tab_orders_total", "total_amount", "purchase_date"),
        Index("ix_orders_tab_orders_latest_ship", "latest_ship_date", "purchase_date"),
        Index("ix_orders_tab_orders_magento_state", "magento_state", "purchase_date"),
        Index("ix_orders_tab_orders_magento_number", "magento_order_number", "purchase_date"),
        Index("ix_orders_tab_orders_last_action", "last_action", "purchase_date"),
        Index("ix_orders_tab_orders_order_id", "order_id"),
        Index("ix_orders_tab_orders_merchant_id", "merchant_id", "purchase_date"),
        Index("ix_orders_tab_orders_items_unshipped", "items_unshipped", "purchase_date"),
        Index("ix_orders_tab_orders_items_shipped", "items_shipped", "purchase_date"),
        Index("ix_orders_tab_orders_reserved", "reserved", "purchase_date"),
        Index("ix_orders_tab_orders_prime", "is_prime", "purchase_date"),
        Index("ix_orders_tab_orders_fulfillment", "fulfillment_channel", "purchase_date"),
    )


class LogRow(Base):
    """One entry of an order's append-only log."""

    __tablename__ = "orders_tab_order_log"

    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    amazon_order_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(TZDateTime, nullable=False)
    message: Mapped[str] = mapped_column(Text, nullable=False)
    level: Mapped[str] = mapped_column(String(8), nullable=False, server_default="info")  # order.log.appended v2


class StoreRow(Base):
    """A store as last configured, with its last successful poll (either may come first)."""

    __tablename__ = "orders_tab_stores"

    store_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    merchant_id: Mapped[int | None] = mapped_column(Integer)
    marketplace_id: Mapped[str | None] = mapped_column(String(32))
    magento_store_code: Mapped[str | None] = mapped_column(String(64))
    enabled: Mapped[bool | None] = mapped_column(Boolean)
    configured_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    last_poll_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    last_poll_window_end: Mapped[datetime | None] = mapped_column(TZDateTime)
    time_zone: Mapped[str | None] = mapped_column(String(64))  # IANA name (store.configured v3); NULL: UTC


class OffsetRow(Base):
    """The next offset to apply per (topic, partition), written with the rows it covers."""

    __tablename__ = "orders_tab_offsets"

    topic: Mapped[str] = mapped_column(String(255), primary_key=True)
    partition: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_offset: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, nullable=False, server_default=func.now())


TABLES: tuple[Table, ...] = cast(
    tuple[Table, ...], (OrderRow.__table__, LogRow.__table__, StoreRow.__table__, OffsetRow.__table__)
)


# --- people: accounts, sessions and login throttling ----------------------------------------------
# Not in TABLES: a rebuild of the tab from the topics empties TABLES, and must never sign anyone out
# or forget an account (these rows come from people, not from events).


class UserRow(Base):
    """A named account of the Orders tab (SPEC §11): a role, an argon2 password hash, and the
    SHA-256 of its personal API token (the token itself is shown once and never stored)."""

    __tablename__ = "orders_tab_users"

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    password_hash: Mapped[str] = mapped_column(Text, nullable=False)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, nullable=False)
    disabled_at: Mapped[datetime | None] = mapped_column(TZDateTime)


class SessionRow(Base):
    """A signed-in browser: the cookie holds a random value, the table its SHA-256. ``user_id`` is
    NULL for a session opened with the bootstrap admin token."""

    __tablename__ = "orders_tab_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime, nullable=False)


class LoginAttemptsRow(Base):
    """Failed sign-ins per account name (``scope`` 'user') and per client address ('address')."""

    __tablename__ = "orders_tab_login_attempts"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, nullable=False)
    last_failure_at: Mapped[datetime] = mapped_column(TZDateTime, nullable=False)
