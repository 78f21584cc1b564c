"""Writes a folded batch to the database in one transaction, with the offsets it covers.
Works on PostgreSQL and SQLite (both speak ``INSERT … ON CONFLICT``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Connection, Table, case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from services.orders_tab.apply import Batch
from services.orders_tab.models import TABLES, LogRow, OffsetRow, OrderRow, StoreRow

ORDERS: Table = OrderRow.__table__  # type: ignore[assignment]
LOG: Table = LogRow.__table__  # type: ignore[assignment]
STORES: Table = StoreRow.__table__  # type: ignore[assignment]
OFFSETS: Table = OffsetRow.__table__  # type: ignore[assignment]

STORE_CONFIG_COLUMNS = (
    "name",
    "merchant_id",
    "marketplace_id",
    "magento_store_code",
    "enabled",
    "configured_at",
    "time_zone",
)


def dialect_insert(conn: Connection, table: Table) -> Any:
    """An INSERT with ``on_conflict_do_*`` for the connection's dialect."""
    dialect = conn.dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"the Orders tab supports PostgreSQL and SQLite, not {dialect}")


def write_batch(conn: Connection, batch: Batch) -> None:
    """Apply a batch inside the caller's transaction (rows and offsets commit together)."""
    upsert = _pg_upsert if conn.dialect.name == "postgresql" else _generic_upsert
    if batch.orders:
        cols = [c.name for c in ORDERS.columns if c.name not in ("store_id", "amazon_order_id")]
        upsert(conn, ORDERS, list(batch.orders.values()), ("store_id", "amazon_order_id"), cols, "version")
    for (store_id, amazon_order_id), text in batch.erasures.items():
        conn.execute(
            update(ORDERS)
            .where(ORDERS.c.store_id == store_id, ORDERS.c.amazon_order_id == amazon_order_id)
            .values(buyer_name=case((ORDERS.c.buyer_name.is_(None), None), else_=text),
                    buyer_email=case((ORDERS.c.buyer_email.is_(None), None), else_=text))
        )
    if batch.log:
        upsert(conn, LOG, list(batch.log.values()), ("store_id", "amazon_order_id", "seq"), (), None)
    if batch.stores:
        upsert(conn, STORES, list(batch.stores.values()), ("store_id",), STORE_CONFIG_COLUMNS, None)
    if batch.polls:
        upsert(
            conn,
            STORES,
            list(batch.polls.values()),
            ("store_id",),
            ("last_poll_at", "last_poll_window_end"),
            "last_poll_at",
        )
    if batch.offsets:
        now = _now()
        rows = [
            {"topic": t, "partition": p, "next_offset": o, "updated_at": now} for (t, p), o in batch.offsets.items()
        ]
        upsert(conn, OFFSETS, rows, ("topic", "partition"), ("next_offset", "updated_at"), "next_offset")


def _generic_upsert(
    conn: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    keys: tuple[str, ...],
    update: tuple[str, ...] | list[str],
    newer: str | None,
) -> None:
    """``INSERT … ON CONFLICT`` through SQLAlchemy (SQLite: executemany is in-process and fast).
    With ``newer``, a conflicting row is only replaced when that column grows (or was NULL)."""
    ins = dialect_insert(conn, table)
    if not update:
        stmt = ins.on_conflict_do_nothing(index_elements=list(keys))
    else:
        where = None
        if newer is not None:
            where = table.c[newer].is_(None) | (table.c[newer] < ins.excluded[newer])
        stmt = ins.on_conflict_do_update(
            index_elements=list(keys), set_={c: ins.excluded[c] for c in update}, where=where
        )
    conn.execute(stmt, rows)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pg_upsert(
    conn: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    keys: tuple[str, ...],
    update: tuple[str, ...] | list[str],
    newer: str | None,
) -> None:
    """The same upsert on PostgreSQL, fast: the rows travel as one JSON array that PostgreSQL maps
    onto the table's columns (``json_populate_recordset``, in C, in the server process), then one
    ``INSERT … SELECT … ON CONFLICT``. A plain executemany is one round trip per row, and formatting
    rows cell by cell in Python costs more than the database work."""
    cols = list(rows[0])
    col_list = ", ".join(map(_q, cols))
    name = _q(table.name)
    sql = (
        f"INSERT INTO {name} ({col_list}) SELECT {col_list} FROM json_populate_recordset(NULL::{name}, %s) "
        f"ON CONFLICT ({', '.join(map(_q, keys))}) DO "
    )
    if not update:
        sql += "NOTHING"
    else:
        sql += "UPDATE SET " + ", ".join(f"{_q(c)} = EXCLUDED.{_q(c)}" for c in update)
        if newer is not None:
            c = _q(newer)
            sql += f" WHERE {name}.{c} IS NULL OR {name}.{c} < EXCLUDED.{c}"
    # pydantic-core's serializer (Rust): datetimes as ISO 8601, Decimals as strings, PostgreSQL
    # parses them back into timestamptz and numeric exactly.
    conn.exec_driver_sql(sql, (to_json(rows).decode(),))


def _now() -> datetime:
    return datetime.now(UTC)


def stored_offsets(conn: Connection, topics: list[str] | None = None) -> dict[tuple[str, int], int]:
    query = select(OFFSETS.c.topic, OFFSETS.c.partition, OFFSETS.c.next_offset)
    if topics is not None:
        query = query.where(OFFSETS.c.topic.in_(topics))
    return {(t, p): o for t, p, o in conn.execute(query)}


def truncate(conn: Connection) -> None:
    """Empty every Orders-tab table (for a rebuild)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("TRUNCATE " + ", ".join(_q(t.name) for t in TABLES))
        return
    for table in TABLES:
        conn.execute(delete(table))


def drop_secondary_indexes(conn: Connection) -> list[str]:
    """PostgreSQL: drop the orders table's secondary indexes and return the DDL that recreates
    them (a rebuild writes every row once, building indexes afterwards is several times faster).
    SQLite: nothing to do."""
    if conn.dialect.name != "postgresql":
        return []
    rows = conn.exec_driver_sql(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i "
        "WHERE i.schemaname = current_schema() AND i.tablename = 'orders_tab_orders' "
        "AND i.indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = 'orders_tab_orders'::regclass)"
    ).all()
    for name, _ in rows:
        conn.exec_driver_sql(f"DROP INDEX {_q(name)}")
    return [ddl for _, ddl in rows]


def create_indexes(conn: Connection, ddl: list[str]) -> None:
    for statement in ddl:
        conn.exec_driver_sql(statement)
