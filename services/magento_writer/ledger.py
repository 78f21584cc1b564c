"""The writer's ledger: one row per Amazon order it acted on, written before and after each
Magento call, the reservations it applied in Magento, and each command's first answer.

Per-order locks serialise writers across processes: a PostgreSQL session advisory lock held on one
connection for the whole command; every ledger statement of that command runs on that connection
in autocommit mode (one round trip each, each durable before the next Magento call; see ``sql.py``).
On SQLite (single-process dev use) a process-local lock stands in."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, TextClause, create_engine, text

from schemas import Event
from services.common.db import get_engine
from services.magento_writer.answers import GET_ANSWER, KEEP_ANSWER, Answer
from services.magento_writer.sql import fetch_one


@dataclass(frozen=True)
class OrderRecord:
    store_id: str
    amazon_order_id: str
    state: str
    magento_store_code: str
    increment_id: str | None
    entity_id: int | None
    attempts: int
    last_error: str | None


@dataclass(frozen=True)
class ReservationRecord:
    store_id: str
    amazon_order_id: str
    stock_id: int
    items: list[dict[str, Any]]
    placed: bool
    released: bool
    superseded: bool


def _order(row: dict[str, Any]) -> OrderRecord:
    return OrderRecord(
        row["store_id"],
        row["amazon_order_id"],
        row["state"],
        row["magento_store_code"],
        row["increment_id"],
        row["entity_id"],
        row["attempts"],
        row["last_error"],
    )


def _reservation(row: dict[str, Any]) -> ReservationRecord:
    items = json.loads(row["items"]) if isinstance(row["items"], str) else row["items"]  # SQLite: text
    return ReservationRecord(
        row["store_id"],
        row["amazon_order_id"],
        row["stock_id"],
        list(items or []),
        bool(row["placed"]),
        bool(row["released"]),
        bool(row["superseded"]),
    )


def _required(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        raise RuntimeError("the ledger statement returned no row")
    return row


def lock_id(key: str) -> int:
    """A signed 64-bit advisory-lock id for an order key."""
    return int.from_bytes(hashlib.sha256(f"magento_writer:{key}".encode()).digest()[:8], "big", signed=True)


class Ledger:
    def __init__(self, database_url: str, concurrency: int = 8) -> None:
        self.url = database_url
        self.is_postgres = database_url.startswith("postgresql")
        self.engine: Engine = (
            create_engine(  # no pre-ping: a round trip per command; a dead connection fails the
                database_url,  # statement, is discarded, and the runner retries the idempotent handler
                pool_size=concurrency + 2,
                max_overflow=concurrency + 2,
                isolation_level="AUTOCOMMIT",
            )
            if self.is_postgres
            else get_engine(database_url)
        )
        self._held = threading.local()
        self._local_locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def dispose(self) -> None:
        if self.is_postgres:
            self.engine.dispose()

    @contextmanager
    def _conn(self) -> Iterator[Connection]:
        held: Connection | None = getattr(self._held, "conn", None)
        if held is not None:
            yield held
            return
        with self.engine.connect() as conn:
            yield conn
            if not self.is_postgres:
                conn.commit()

    def _one(self, stmt: TextClause, params: dict[str, Any]) -> dict[str, Any] | None:
        with self._conn() as conn:
            return fetch_one(conn, stmt, params, self.is_postgres)

    @contextmanager
    def order_lock(self, key: str) -> Iterator[None]:
        """Held while one command for one order talks to Magento, across writer processes."""
        if not self.is_postgres:
            with self._guard:
                lock = self._local_locks.setdefault(key, threading.Lock())
            with lock:
                yield
            return
        with self._locked(key, LOCK, {}):
            yield

    @contextmanager
    def locked_order(self, key: str, store_id: str, amazon_order_id: str) -> Iterator[OrderRecord | None]:
        """``order_lock`` and the order's row, read once the lock is granted. On PostgreSQL one round
        trip: two statements in one query string; the read is a statement of its own, so its snapshot
        is taken after the lock was granted and sees everything written under the lock before."""
        if not self.is_postgres:
            with self.order_lock(key):
                yield self.get(store_id, amazon_order_id)
            return
        with self._locked(key, LOCK_AND_GET, {"s": store_id, "a": amazon_order_id}) as row:
            yield _order(row) if row else None

    @contextmanager
    def _locked(self, key: str, stmt: TextClause, params: dict[str, Any]) -> Iterator[dict[str, Any] | None]:
        """Session advisory lock on a connection held for the block; any failure around the lock or the
        unlock ends the session (the server then drops the lock) instead of pooling a locked session."""
        with self.engine.connect() as conn:
            try:
                row = fetch_one(conn, stmt, {**params, "k": lock_id(key)}, True)
            except Exception:
                conn.invalidate()
                raise
            self._held.conn = conn
            try:
                yield row
            finally:
                self._held.conn = None
                try:
                    fetch_one(conn, UNLOCK, {"k": lock_id(key)}, True)
                except Exception:
                    conn.invalidate()
                    raise

    # --- orders ----------------------------------------------------------------------
    # Plain SQL (PostgreSQL and SQLite share it): the hot path runs several statements per command,
    # and building SQLAlchemy expression objects for each cost more CPU than the round trips.

    def get(self, store_id: str, amazon_order_id: str) -> OrderRecord | None:
        row = self._one(GET_ORDER, {"s": store_id, "a": amazon_order_id})
        return _order(row) if row else None

    def update(
        self, store_id: str, amazon_order_id: str, *, store_code: str, command_id: str, **fields: Any
    ) -> OrderRecord:
        """Insert or update the order's row in one statement; ``attempts_inc`` adds to the attempts."""
        inc = int(fields.pop("attempts_inc", 0))
        now = datetime.now(UTC)
        params = {
            "state": "attempting",
            "increment_id": None,
            "entity_id": None,
            "last_error": None,
            **fields,
            "store_id": store_id,
            "amazon_order_id": amazon_order_id,
            "magento_store_code": store_code,
            "attempts": inc,
            "last_command_id": command_id,
            "created_at": now,
            "updated_at": now,
        }
        return _order(_required(self._one(_upsert_order(tuple(sorted(fields))), params)))

    def store_code_of(self, store_id: str) -> str | None:
        row = self._one(STORE_CODE, {"s": store_id})
        return str(row["magento_store_code"]) if row is not None else None

    def record_created(
        self,
        store_id: str,
        amazon_order_id: str,
        *,
        store_code: str,
        command_id: str,
        increment_id: str,
        entity_id: int,
        stock_id: int,
    ) -> ReservationRecord:
        """The Magento order exists: ledger "created" and ``supersede_pending`` in one statement (one
        round trip on PostgreSQL, both or neither); returns the reservation row."""
        if not self.is_postgres:
            self.update(
                store_id,
                amazon_order_id,
                store_code=store_code,
                command_id=command_id,
                state="created",
                increment_id=increment_id,
                entity_id=entity_id,
                last_error=None,
            )
            return self.supersede_pending(store_id, amazon_order_id, stock_id)
        now = datetime.now(UTC)
        params = {
            **_supersede_params(store_id, amazon_order_id, stock_id, now),
            "state": "created",
            "increment_id": increment_id,
            "entity_id": entity_id,
            "last_error": None,
            "magento_store_code": store_code,
            "attempts": 0,
            "last_command_id": command_id,
            "created_at": now,
        }
        return _reservation(_required(self._one(CREATED_AND_SUPERSEDE, params)))

    # --- reservations ------------------------------------------------------------------

    def reservation(self, store_id: str, amazon_order_id: str) -> ReservationRecord | None:
        row = self._one(GET_RESERVATION, {"s": store_id, "a": amazon_order_id})
        return _reservation(row) if row else None

    def save_reservation(
        self,
        store_id: str,
        amazon_order_id: str,
        *,
        stock_id: int,
        items: list[dict[str, Any]] | None = None,
        **flags: bool,
    ) -> None:
        changes: dict[str, Any] = dict(flags)
        if items is not None:
            changes["items"] = json.dumps(items)
        params = {
            "placed": False,
            "released": False,
            "superseded": False,
            "items": "[]",
            **changes,
            "store_id": store_id,
            "amazon_order_id": amazon_order_id,
            "stock_id": stock_id,
            "updated_at": datetime.now(UTC),
        }
        self._one(_upsert_reservation(tuple(sorted(changes))), params)

    def supersede_pending(self, store_id: str, amazon_order_id: str, stock_id: int) -> ReservationRecord:
        """The Magento order now exists: mark a not-yet-seen placement as superseded (so it is never
        applied), or return the existing reservation unchanged. One statement."""
        params = _supersede_params(store_id, amazon_order_id, stock_id, datetime.now(UTC))
        return _reservation(_required(self._one(_upsert_reservation(()), params)))

    # --- answers (see ``answers.py``) -----------------------------------------------------

    def answer(self, command_id: str) -> Answer | None:
        """The answer recorded for a command, if it has one."""
        row = self._one(GET_ANSWER, {"c": command_id})
        return Answer.recorded(row["body"]) if row else None

    def keep_answer(self, command_id: str, result: Event) -> Answer:
        """Record ``result`` as the command's answer unless it has one already (one statement); the
        recorded answer either way: publish that one."""
        answer = Answer.of(result)
        params = {"c": command_id, "e": result.event_id, "t": result.event_type, "b": answer.body,
                  "at": datetime.now(UTC)}
        if self._one(KEEP_ANSWER, params) is not None:
            return answer
        first = self.answer(command_id)
        if first is None:
            raise RuntimeError(f"command {command_id}: its answer was neither recorded nor found")
        return first


def _supersede_params(store_id: str, amazon_order_id: str, stock_id: int, now: datetime) -> dict[str, Any]:
    return {
        "store_id": store_id,
        "amazon_order_id": amazon_order_id,
        "stock_id": stock_id,
        "items": "[]",
        "placed": False,
        "released": False,
        "superseded": True,
        "updated_at": now,
    }


ORDER_COLUMNS = (
    "store_id",
    "amazon_order_id",
    "state",
    "magento_store_code",
    "increment_id",
    "entity_id",
    "attempts",
    "last_error",
    "last_command_id",
    "created_at",
    "updated_at",
)
ORDER_FIELDS = frozenset({"state", "increment_id", "entity_id", "last_error"})
RESERVATION_COLUMNS = (
    "store_id",
    "amazon_order_id",
    "stock_id",
    "items",
    "placed",
    "released",
    "superseded",
    "updated_at",
)
RESERVATION_FIELDS = frozenset({"items", "placed", "released", "superseded"})
GET_ORDER = text("SELECT * FROM magento_writer_orders WHERE store_id = :s AND amazon_order_id = :a")
GET_RESERVATION = text("SELECT * FROM magento_writer_reservations WHERE store_id = :s AND amazon_order_id = :a")
LOCK = text("SELECT pg_advisory_lock(:k)")
UNLOCK = text("SELECT pg_advisory_unlock(:k)")
LOCK_AND_GET = text(
    "SELECT pg_advisory_lock(:k); SELECT * FROM magento_writer_orders WHERE store_id = :s AND amazon_order_id = :a"
)
STORE_CODE = text("SELECT magento_store_code FROM magento_writer_orders WHERE store_id = :s LIMIT 1")


@lru_cache(maxsize=64)
def _upsert_order(fields: tuple[str, ...]) -> TextClause:
    unknown = set(fields) - ORDER_FIELDS
    if unknown:
        raise ValueError(f"not ledger fields: {sorted(unknown)}")
    columns = ", ".join(ORDER_COLUMNS)
    values = ", ".join(f":{c}" for c in ORDER_COLUMNS)
    sets = ", ".join(
        [
            *(f"{f} = EXCLUDED.{f}" for f in fields),
            "attempts = magento_writer_orders.attempts + EXCLUDED.attempts",
            "last_command_id = EXCLUDED.last_command_id",
            "updated_at = EXCLUDED.updated_at",
        ]
    )
    return text(
        f"INSERT INTO magento_writer_orders ({columns}) VALUES ({values}) "
        f"ON CONFLICT (store_id, amazon_order_id) DO UPDATE SET {sets} RETURNING *"
    )


@lru_cache(maxsize=64)
def _upsert_reservation(fields: tuple[str, ...]) -> TextClause:
    unknown = set(fields) - RESERVATION_FIELDS
    if unknown:
        raise ValueError(f"not reservation fields: {sorted(unknown)}")
    columns = ", ".join(RESERVATION_COLUMNS)
    values = ", ".join(f":{c}" for c in RESERVATION_COLUMNS)
    sets = ", ".join([*(f"{f} = EXCLUDED.{f}" for f in fields), "updated_at = EXCLUDED.updated_at"])
    return text(
        f"INSERT INTO magento_writer_reservations ({columns}) VALUES ({values}) "
        f"ON CONFLICT (store_id, amazon_order_id) DO UPDATE SET {sets} RETURNING *"
    )


# PostgreSQL only (SQLite has no data-modifying CTEs): the order row to "created" and the
# reservation superseded-if-new, atomically, in one round trip.
CREATED_AND_SUPERSEDE = text(
    "WITH created AS ("
    + _upsert_order(("entity_id", "increment_id", "last_error", "state")).text.replace("RETURNING *", "RETURNING 1")
    + ") "
    + _upsert_reservation(()).text
)
