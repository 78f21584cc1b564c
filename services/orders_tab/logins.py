"""Signing in: the throttle's counts in the database (shared by every web process), and the
sessions a sign-in opens. The rule itself is services/orders_tab/throttle.py."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Table, delete, insert, select, update

from schemas.events.requests import RequestedVia
from services.orders_tab import accounts
from services.orders_tab.models import LoginAttemptsRow, SessionRow
from services.orders_tab.query import utc
from services.orders_tab.roles import Role
from services.orders_tab.store import dialect_insert
from services.orders_tab.throttle import PER_ADDRESS, PER_USER, Attempts, Policy, after_failure, locked_until

ATTEMPTS: Table = LoginAttemptsRow.__table__  # type: ignore[assignment]
A = ATTEMPTS.c
SESSIONS: Table = SessionRow.__table__  # type: ignore[assignment]
S = SESSIONS.c

SESSION_TTL = timedelta(hours=12)
BOOTSTRAP_NAME = "bootstrap-admin"  # who the bootstrap token signs in as, while no named admin exists
USER, ADDRESS = "user", "address"
POLICIES: dict[str, Policy] = {USER: PER_USER, ADDRESS: PER_ADDRESS}


@dataclass(frozen=True)
class Principal:
    """Who is asking, and how (a session on the page, or a token on the API): a named user, or the
    bootstrap admin (``user_id`` None)."""

    name: str
    role: Role
    user_id: int | None
    via: RequestedVia

    @property
    def bootstrap(self) -> bool:
        return self.user_id is None


def principal_of(user: accounts.User, via: RequestedVia) -> Principal:
    return Principal(name=user.name, role=user.role, user_id=user.user_id, via=via)


def bootstrap(via: RequestedVia) -> Principal:
    return Principal(name=BOOTSTRAP_NAME, role=Role.ADMIN, user_id=None, via=via)


# --- throttling -----------------------------------------------------------------------------------


def _attempts(conn: Connection, scope: str, key: str, lock: bool = False) -> Attempts | None:
    stmt = select(A.failures, A.last_failure_at).where(A.scope == scope, A.key == key)
    row = conn.execute(stmt.with_for_update() if lock else stmt).first()
    if row is None:
        return None
    at = utc(row.last_failure_at)
    assert at is not None
    return Attempts(failures=row.failures, last_failure_at=at)


def _keys(name: str, address: str) -> list[tuple[str, str]]:
    keys = [(ADDRESS, address[:255])]
    if name:
        keys.append((USER, name[:255].lower()))
    return keys


def locked(conn: Connection, name: str, address: str, now: datetime) -> datetime | None:
    """Until when sign-in is refused for this account name or this client address (None: allowed)."""
    until = [locked_until(_attempts(conn, scope, key), POLICIES[scope]) for scope, key in _keys(name, address)]
    later = [u for u in until if u is not None and u > now]
    return max(later) if later else None


def failed(conn: Connection, name: str, address: str, now: datetime) -> None:
    """Count a failure (concurrent failures each count: the row is locked while it is updated)."""
    for scope, key in _keys(name, address):
        conn.execute(dialect_insert(conn, ATTEMPTS).values(scope=scope, key=key, failures=0, last_failure_at=now)
                     .on_conflict_do_nothing(index_elements=["scope", "key"]))
        before = _attempts(conn, scope, key, lock=True)
        after = after_failure(before if before and before.failures else None, now, POLICIES[scope])
        conn.execute(update(ATTEMPTS).where(A.scope == scope, A.key == key)
                     .values(failures=after.failures, last_failure_at=after.last_failure_at))


def succeeded(conn: Connection, name: str) -> None:
    """A correct password clears the account's failures (the address's run out with time)."""
    if name:
        conn.execute(delete(ATTEMPTS).where(A.scope == USER, A.key == name.lower()))


# --- sessions -------------------------------------------------------------------------------------


def open_session(conn: Connection, who: Principal, now: datetime | None = None) -> str:
    """A new session for ``who``; returns the cookie value (the table keeps its digest)."""
    now = now or datetime.now(UTC)
    value = secrets.token_urlsafe(32)
    conn.execute(insert(SESSIONS).values(token_hash=accounts.token_digest(value), user_id=who.user_id,
                                         created_at=now, expires_at=now + SESSION_TTL))
    return value


def session_principal(conn: Connection, value: str, now: datetime | None = None) -> Principal | None:
    """Who holds this session cookie: an active user's, or the bootstrap admin's while no named admin
    exists; None when unknown, expired, or its user is disabled."""
    if not value:
        return None
    now = now or datetime.now(UTC)
    row = conn.execute(select(S.user_id, S.expires_at).where(S.token_hash == accounts.token_digest(value))).first()
    if row is None or (utc(row.expires_at) or now) <= now:
        return None
    if row.user_id is None:
        return None if accounts.any_active_admin(conn) else bootstrap(RequestedVia.WEB)
    user = accounts.by_id(conn, row.user_id)
    return principal_of(user, RequestedVia.WEB) if user is not None and user.active else None


def close_session(conn: Connection, value: str) -> None:
    conn.execute(delete(SESSIONS).where(S.token_hash == accounts.token_digest(value)))


def forget_expired(conn: Connection, now: datetime | None = None) -> int:
    result = conn.execute(delete(SESSIONS).where(S.expires_at <= (now or datetime.now(UTC))))
    return int(result.rowcount or 0)
