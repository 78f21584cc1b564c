"""Named accounts of the Orders tab (SPEC §11): add, list, disable, and check credentials.

Passwords are argon2id hashes (argon2-cffi's defaults, RFC 9106's low-memory profile), rehashed
on sign-in when those parameters change. A personal API token is 32 random bytes shown once; the
table keeps its SHA-256 (a random token needs no slow hash, and the digest finds the account)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Table, delete, insert, select, update

from services.orders_tab.models import SessionRow, UserRow
from services.orders_tab.roles import Role

U = UserRow.__table__.c
SESSIONS: Table = SessionRow.__table__  # type: ignore[assignment]
USERS: Table = UserRow.__table__  # type: ignore[assignment]

NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,62}$"
MIN_PASSWORD = 12
MAX_PASSWORD = 1024  # argon2 hashes any length; a bound keeps a request from costing more
TOKEN_PREFIX = "sct_"

_NAME = re.compile(NAME_PATTERN)
_HASHER = PasswordHasher()
# Verified when the name is unknown or disabled, so a wrong name costs what a wrong password costs.
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A request about accounts that cannot be done, with what to do instead."""


@dataclass(frozen=True)
class User:
    user_id: int
    name: str
    role: Role
    created_at: datetime
    disabled_at: datetime | None
    has_token: bool

    @property
    def active(self) -> bool:
        return self.disabled_at is None


def _user(row: Any) -> User:
    m = row._mapping
    return User(user_id=m["user_id"], name=m["name"], role=Role(m["role"]), created_at=m["created_at"],
                disabled_at=m["disabled_at"], has_token=m["token_hash"] is not None)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise AccountError(f"invalid user name {name[:70]!r}: lowercase letters, digits, '.', '_' and '-' "
                           "(up to 63, starting with a letter or digit)")
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise AccountError(f"the password must have at most {MAX_PASSWORD} characters")
    return password


def add_user(conn: Connection, name: str, role: Role, password: str, now: datetime | None = None) -> tuple[User, str]:
    """A new active account and its personal API token (the only time the token is seen)."""
    check_name(name)
    check_password(password)
    if find(conn, name) is not None:
        raise AccountError(f"a user named {name!r} already exists")
    token = new_token()
    conn.execute(insert(USERS).values(name=name, role=role.value, password_hash=_HASHER.hash(password),
                                      token_hash=token_digest(token), created_at=now or datetime.now(UTC)))
    user = find(conn, name)
    assert user is not None
    return user, token


def find(conn: Connection, name: str) -> User | None:
    row = conn.execute(select(USERS).where(U.name == name)).first()
    return _user(row) if row else None


def by_id(conn: Connection, user_id: int) -> User | None:
    row = conn.execute(select(USERS).where(U.user_id == user_id)).first()
    return _user(row) if row else None


def list_users(conn: Connection) -> list[User]:
    return [_user(r) for r in conn.execute(select(USERS).order_by(U.name))]


def disable(conn: Connection, name: str, now: datetime | None = None) -> User:
    """Disable an account: its password, token and open sessions stop working at once."""
    user = find(conn, name)
    if user is None:
        raise AccountError(f"no user named {name!r}")
    if user.active:
        conn.execute(update(USERS).where(U.user_id == user.user_id).values(disabled_at=now or datetime.now(UTC)))
        conn.execute(delete(SESSIONS).where(SESSIONS.c.user_id == user.user_id))
    found = find(conn, name)
    assert found is not None
    return found


def rotate_token(conn: Connection, user: User) -> str:
    """A new personal API token for ``user``; the previous one stops working."""
    token = new_token()
    conn.execute(update(USERS).where(U.user_id == user.user_id).values(token_hash=token_digest(token)))
    return token


def by_token(conn: Connection, token: str) -> User | None:
    """The active account whose personal API token this is."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = conn.execute(select(USERS).where(U.token_hash == token_digest(token), U.disabled_at.is_(None))).first()
    return _user(row) if row else None


def by_password(conn: Connection, name: str, password: str) -> User | None:
    """The active account ``name`` if ``password`` is its password. One argon2 verification
    whatever the outcome (unknown, disabled or wrong), so timing tells nothing about names."""
    row = conn.execute(select(USERS).where(U.name == name)).first() if _NAME.match(name) else None
    stored = row._mapping["password_hash"] if row is not None else _DUMMY_HASH
    too_long = len(password) > MAX_PASSWORD
    try:
        _HASHER.verify(_DUMMY_HASH if too_long else stored, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    if row is None or too_long or row._mapping["disabled_at"] is not None:
        return None
    if _HASHER.check_needs_rehash(stored):
        conn.execute(update(USERS).where(U.user_id == row._mapping["user_id"])
                     .values(password_hash=_HASHER.hash(password)))
    return _user(row)


def any_active_admin(conn: Connection) -> bool:
    """Whether a named admin exists (then the bootstrap admin token no longer signs in)."""
    stmt = select(U.user_id).where(U.role == Role.ADMIN.value, U.disabled_at.is_(None)).limit(1)
    return conn.execute(stmt).first() is not None
