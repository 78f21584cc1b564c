"""Orders tab: each store's time zone (store.configured v3), in which the page shows its dates.

Existing stores get NULL, read as UTC: no store had a zone before v3, so the table already is what a
rebuild (``sales-channel replay --service orders_tab``) would make.

Revision ID: 0004_store_time_zone
Revises: 0003_users
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_store_time_zone"
down_revision = "0003_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("orders_tab_stores", sa.Column("time_zone", sa.String(64)))


def downgrade() -> None:
    op.drop_column("orders_tab_stores", "time_zone")
