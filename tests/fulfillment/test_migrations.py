"""The fulfillment tables' migrations are one branch of the services' shared migrations (issue 18, item 6)."""

from __future__ import annotations

from sqlalchemy import inspect

from services.common.db import MIGRATION_OWNERS, current_heads, get_engine


def test_db_upgrade_applies_the_fulfillment_branch_in_the_shared_version_table(fulfillment_db: str) -> None:
    assert "fulfillment" in MIGRATION_OWNERS
    assert "fulfillment_0002" in current_heads(fulfillment_db)  # 0001 (cursors), then 0002 on top
    tables = set(inspect(get_engine(fulfillment_db)).get_table_names())
    assert "fulfillment_outbox_cursors" in tables
    assert "fulfillment_cancellation_feeds" in tables
    assert "alembic_version_fulfillment" not in tables
