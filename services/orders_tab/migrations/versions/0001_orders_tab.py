"""Orders tab: orders, order log, stores and applied offsets.

Revision ID: 0001_orders_tab
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_orders_tab"
down_revision = None
branch_labels = ("orders_tab",)
depends_on = None

TZ = sa.DateTime(timezone=True)
JSON_TYPE = sa.JSON().with_variant(JSONB(), "postgresql")

ORDER_INDEXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ix_orders_tab_orders_purchase", ("purchase_date", "store_id", "amazon_order_id")),
    ("ix_orders_tab_orders_store_purchase", ("store_id", "purchase_date")),
    ("ix_orders_tab_orders_status_purchase", ("status", "purchase_date")),
    ("ix_orders_tab_orders_store_status", ("store_id", "status", "purchase_date")),
    ("ix_orders_tab_orders_amazon_order_id", ("amazon_order_id",)),
    ("ix_orders_tab_orders_buyer_name", ("buyer_name", "purchase_date")),
    ("ix_orders_tab_orders_total", ("total_amount", "purchase_date")),
    ("ix_orders_tab_orders_latest_ship", ("latest_ship_date", "purchase_date")),
    ("ix_orders_tab_orders_magento_state", ("magento_state", "purchase_date")),
    ("ix_orders_tab_orders_magento_number", ("magento_order_number", "purchase_date")),
    ("ix_orders_tab_orders_last_action", ("last_action", "purchase_date")),
    ("ix_orders_tab_orders_order_id", ("order_id",)),
    ("ix_orders_tab_orders_merchant_id", ("merchant_id", "purchase_date")),
    ("ix_orders_tab_orders_items_unshipped", ("items_unshipped", "purchase_date")),
    ("ix_orders_tab_orders_items_shipped", ("items_shipped", "purchase_date")),
    ("ix_orders_tab_orders_reserved", ("reserved", "purchase_date")),
    ("ix_orders_tab_orders_prime", ("is_prime", "purchase_date")),
    ("ix_orders_tab_orders_fulfillment", ("fulfillment_channel", "purchase_date")),
)


def upgrade() -> None:
    op.create_table(
        "orders_tab_orders",
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("amazon_order_id", sa.String(128), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("order_id", sa.String(128), nullable=False),
        sa.Column("merchant_id", sa.Integer, nullable=False),
        sa.Column("on_tab", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("amazon_status", sa.String(32), nullable=False),
        sa.Column("fulfillment_channel", sa.String(16), nullable=False),
        sa.Column("is_prime", sa.Boolean, nullable=False),
        sa.Column("is_business", sa.Boolean, nullable=False),
        sa.Column("buyer_name", sa.Text),
        sa.Column("buyer_email", sa.Text),
        sa.Column("total_amount", sa.Numeric(18, 4)),
        sa.Column("total_currency", sa.String(3)),
        sa.Column("items_shipped", sa.Integer, nullable=False),
        sa.Column("items_unshipped", sa.Integer, nullable=False),
        sa.Column("reserved", sa.Boolean, nullable=False),
        sa.Column("purchase_date", TZ, nullable=False),
        sa.Column("latest_ship_date", TZ),
        sa.Column("last_updated", TZ, nullable=False),
        sa.Column("magento_state", sa.String(16), nullable=False),
        sa.Column("magento_order_number", sa.String(64)),
        sa.Column("magento_order_id", sa.BigInteger),
        sa.Column("last_action", sa.Text),
        sa.Column("items", JSON_TYPE, nullable=False),
    )
    for name, cols in ORDER_INDEXES:
        op.create_index(name, "orders_tab_orders", list(cols))
    op.create_index(
        "ix_orders_tab_orders_amazon_order_id_prefix",
        "orders_tab_orders",
        ["amazon_order_id"],
        postgresql_ops={"amazon_order_id": "text_pattern_ops"},
    )
    _buyer_name_trigram_index()
    op.create_table(
        "orders_tab_order_log",
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("amazon_order_id", sa.String(128), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
    )
    op.create_table(
        "orders_tab_stores",
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text),
        sa.Column("merchant_id", sa.Integer),
        sa.Column("marketplace_id", sa.String(32)),
        sa.Column("magento_store_code", sa.String(64)),
        sa.Column("enabled", sa.Boolean),
        sa.Column("configured_at", TZ),
        sa.Column("last_poll_at", TZ),
        sa.Column("last_poll_window_end", TZ),
    )
    op.create_table(
        "orders_tab_offsets",
        sa.Column("topic", sa.String(255), primary_key=True),
        sa.Column("partition", sa.Integer, primary_key=True),
        sa.Column("next_offset", sa.BigInteger, nullable=False),
        sa.Column("updated_at", TZ, nullable=False, server_default=sa.func.now()),
    )


def _buyer_name_trigram_index() -> None:
    """A trigram index for "buyer name contains" on PostgreSQL. pg_trgm is a trusted extension
    (PostgreSQL ≥ 13); where it cannot be created the filter still works, by scanning."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    savepoint = bind.begin_nested()
    try:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        bind.exec_driver_sql(
            "CREATE INDEX IF NOT EXISTS ix_orders_tab_orders_buyer_trgm "
            "ON orders_tab_orders USING gin (lower(buyer_name) gin_trgm_ops)"
        )
        savepoint.commit()
    except sa.exc.DBAPIError:
        savepoint.rollback()


def downgrade() -> None:
    for table in ("orders_tab_offsets", "orders_tab_stores", "orders_tab_order_log", "orders_tab_orders"):
        op.drop_table(table)
