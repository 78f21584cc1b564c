"""Alembic environment of the key service's tables (wrapped data keys, erasures).

Its own version table (``alembic_version_pii``), like the fulfillment branch: the key service
applies it on start, and ``sales-channel db upgrade`` applies it beside the shared branches."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

VERSION_TABLE = "alembic_version_pii"
config = context.config


def run_migrations_online() -> None:
    engine = engine_from_config({"sqlalchemy.url": config.get_main_option("sqlalchemy.url")},
                                prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, render_as_batch=True, version_table=VERSION_TABLE)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
