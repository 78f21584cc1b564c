"""A SQLite ledger database migrated with the writer's own Alembic branch (every revision of it)."""

from __future__ import annotations

from pathlib import Path

WRITER_HEAD = "magento_writer@head"


def migrated_sqlite(tmp_path: Path, revision: str = WRITER_HEAD) -> str:
    """The URL of a fresh SQLite database at ``revision`` of the writer's migrations."""
    from alembic import command

    from services.common.db import alembic_config

    url = f"sqlite:///{tmp_path}/writer.db"
    command.upgrade(alembic_config(url), revision)
    return url
