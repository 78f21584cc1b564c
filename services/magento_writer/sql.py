"""One ledger statement, one round trip, little CPU.

On PostgreSQL the statement runs on the pooled connection's psycopg2 cursor directly: SQLAlchemy's
per-execution machinery (result metadata, processors, compiled-cache look-ups) cost more CPU than
the round trip itself, five times per Magento order. The statement is compiled once to psycopg2's
paramstyle; a connection that broke under the cursor is invalidated so the pool never hands it out
again. Other databases (SQLite in development) go through SQLAlchemy."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, TextClause
from sqlalchemy.dialects.postgresql import psycopg2 as pg_psycopg2

_PG_DIALECT = pg_psycopg2.dialect()


@lru_cache(maxsize=256)
def _pg_sql(stmt: TextClause) -> str:
    return str(stmt.compile(dialect=_PG_DIALECT))


def fetch_one(conn: Connection, stmt: TextClause, params: dict[str, Any], postgres: bool) -> dict[str, Any] | None:
    """Execute ``stmt``; its first row as a dict (None without rows or without a result)."""
    if not postgres:
        row = conn.execute(stmt, params).mappings().first()
        return dict(row) if row is not None else None
    raw = conn.connection.dbapi_connection
    if raw is None:
        raise RuntimeError("the ledger connection is closed")
    cursor = raw.cursor()
    try:
        cursor.execute(_pg_sql(stmt), params)
        if cursor.description is None:
            return None
        first = cursor.fetchone()
        return dict(zip([d[0] for d in cursor.description], first, strict=True)) if first else None
    except Exception:
        if getattr(raw, "closed", 0):
            conn.invalidate()
        raise
    finally:
        cursor.close()
