"""fulfillment tables: the outbox reader's cursor

Revision ID: fulfillment_0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "fulfillment_0001"
down_revision = None
branch_labels = ("fulfillment",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fulfillment_outbox_cursors",
        sa.Column("source", sa.String(255), primary_key=True),
        sa.Column("last_entry_id", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("fulfillment_outbox_cursors")
