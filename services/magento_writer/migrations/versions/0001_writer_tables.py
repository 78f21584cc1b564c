"""Magento writer: the order ledger (exactly once in effect) and reservations applied in Magento.

Revision ID: 0001_writer_tables
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_writer_tables"
down_revision = None
branch_labels = ("magento_writer",)
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "magento_writer_orders",
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("amazon_order_id", sa.String(128), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),  # attempting|created|failed|deleted|canceled|complete
        sa.Column("magento_store_code", sa.String(64), nullable=False),
        sa.Column("increment_id", sa.String(50)),
        sa.Column("entity_id", sa.BigInteger),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
        sa.Column("last_command_id", sa.String(64)),
        sa.Column("created_at", TZ, nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", TZ, nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_magento_writer_orders_state", "magento_writer_orders", ["state", "store_id"])
    op.create_table(
        "magento_writer_reservations",
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("amazon_order_id", sa.String(128), primary_key=True),
        sa.Column("stock_id", sa.Integer, nullable=False),
        sa.Column("items", sa.JSON, nullable=False),  # [{"sku": ..., "quantity": n}] as placed
        sa.Column("placed", sa.Boolean, nullable=False, server_default=sa.false()),  # applied in Magento
        sa.Column("released", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("superseded", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("updated_at", TZ, nullable=False, server_default=sa.func.now()),
    )


def downgrade() -> None:
    op.drop_table("magento_writer_reservations")
    op.drop_index("ix_magento_writer_orders_state", table_name="magento_writer_orders")
    op.drop_table("magento_writer_orders")
