"""key service tables: wrapped data keys and erasure records

Revision ID: pii_0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "pii_0001"
down_revision = None
branch_labels = ("pii",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pii_data_keys",
        sa.Column("kid", sa.String(200), primary_key=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("amazon_order_id", sa.String(100), nullable=False),
        sa.Column("kek_version", sa.String(32), nullable=False),
        sa.Column("wrapped", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_status", sa.String(32), nullable=True),
    )
    op.create_index("ix_pii_data_keys_closed_at", "pii_data_keys", ["closed_at"])
    op.create_table(
        "pii_erasures",
        sa.Column("kid", sa.String(200), primary_key=True),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("amazon_order_id", sa.String(100), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_table("pii_erasures")
    op.drop_index("ix_pii_data_keys_closed_at", "pii_data_keys")
    op.drop_table("pii_data_keys")
