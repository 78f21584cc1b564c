"""Orders tab: the level of each order log entry (order.log.appended v2).

Existing rows get the level their v1 event upcasts to (from the wording of the failure entries),
so the table already is what a rebuild (``sales-channel replay --service orders_tab``) would make.

Revision ID: 0002_order_log_level
Revises: 0001_orders_tab
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_order_log_level"
down_revision = "0001_orders_tab"
branch_labels = None
depends_on = None


CANDIDATES = (
    "SELECT store_id, amazon_order_id, seq, message FROM orders_tab_order_log WHERE message LIKE "
    "'Unable to reserve inventory: %' OR message LIKE 'Cannot create sales order: %' "
    "OR message LIKE 'Magento order % could not be canceled: %'"
)


def upgrade() -> None:
    from schemas.events.lifecycle import LogLevel, level_of

    op.add_column("orders_tab_order_log", sa.Column("level", sa.String(8), nullable=False, server_default="info"))
    bind = op.get_bind()
    failed = [
        {"s": s, "o": o, "q": q}
        for s, o, q, message in bind.execute(sa.text(CANDIDATES))
        if level_of(message) is LogLevel.ERROR
    ]
    if failed:
        bind.execute(
            sa.text(
                "UPDATE orders_tab_order_log SET level = 'error' "
                "WHERE store_id = :s AND amazon_order_id = :o AND seq = :q"
            ),
            failed,
        )


def downgrade() -> None:
    op.drop_column("orders_tab_order_log", "level")
