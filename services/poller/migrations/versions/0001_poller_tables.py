"""poller tables: checkpoints and order fingerprints

Revision ID: poller_0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "poller_0001"
down_revision = None
branch_labels = ("poller",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "poller_checkpoints",
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("initial_import_done", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "poller_order_fingerprints",
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("amazon_order_id", sa.String(64), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("poller_order_fingerprints")
    op.drop_table("poller_checkpoints")
