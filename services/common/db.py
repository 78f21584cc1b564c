"""Database engine, sessions and migrations.

Each service owns its tables and its own Alembic branch (``services/<svc>/migrations``,
labelled with the service name); ``upgrade()`` applies every branch's head."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

SERVICES_DIR = Path(__file__).resolve().parent.parent
MIGRATION_OWNERS = ("poller", "magento_writer", "orders_tab", "pii", "fulfillment")


class Base(DeclarativeBase):
    """Declarative base shared by every service's tables (each table named after its owner)."""


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def session_factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)


@contextmanager
def transaction(url: str) -> Iterator[Session]:
    with session_factory(url).begin() as session:
        yield session


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    locations = [str(SERVICES_DIR / owner / "migrations") for owner in MIGRATION_OWNERS
                 if (SERVICES_DIR / owner / "migrations").is_dir()]
    cfg.set_main_option("version_locations", " ".join(locations))
    cfg.set_main_option("path_separator", "space")
    cfg.set_main_option("recursive_version_locations", "true")  # branches live in <owner>/migrations/versions
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Apply every service's migrations up to its head."""
    from alembic import command

    command.upgrade(alembic_config(url), "heads")


def current_heads(url: str) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    with get_engine(url).connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())
