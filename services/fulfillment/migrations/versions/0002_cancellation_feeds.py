"""fulfillment tables: the cancellation feeds sent per order (never a second one)

Revision ID: fulfillment_0002
Revises: fulfillment_0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "fulfillment_0002"
down_revision = "fulfillment_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fulfillment_cancellation_feeds",
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("amazon_order_id", sa.String(64), primary_key=True),
        sa.Column("request_id", sa.String(128), nullable=False),
        sa.Column("feed_id", sa.String(64), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("fulfillment_cancellation_feeds")
