"""Alembic environment of the fulfillment services' tables.

Its own version table (``alembic_version_fulfillment``): ``services.common.db.MIGRATION_OWNERS`` does
not list this branch yet, and a head the shared table cannot locate would break ``db upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

VERSION_TABLE = "alembic_version_fulfillment"
config = context.config


def run_migrations_online() -> None:
    engine = engine_from_config({"sqlalchemy.url": config.get_main_option("sqlalchemy.url")},
                                prefix="sqlalchemy.", poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, render_as_batch=True, version_table=VERSION_TABLE)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
