"""Access to the Orders tab (SPEC §11): who is asking, and whether their role allows it.

- API: ``Authorization: Bearer <personal API token>`` (services/orders_tab/accounts.py);
- page: a session cookie opened by signing in with a name and password (services/orders_tab/logins.py);
- the admin token (``WEB_ADMIN_TOKEN_REF``) is only the bootstrap: it signs in as an admin while no
  named admin exists, to create the first one, and is refused from then on.

Every route depends on ``api_access(permission)`` or ``page_access(permission)``: no identity is a
401 (API) or the sign-in page (pages); a role without the permission is a 403 that says which role
is needed."""

from __future__ import annotations

import hmac
import math
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache

from fastapi import HTTPException, Request
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from schemas.events.requests import RequestedVia
from services.common.secrets import SecretNotFound, resolve
from services.common.settings import Settings
from services.orders_tab import accounts, logins
from services.orders_tab.logins import BOOTSTRAP_NAME, Principal, bootstrap, principal_of
from services.orders_tab.roles import Permission, allows, refusal

COOKIE_NAME = "orders_tab_session"


class TokenMissing(RuntimeError):
    pass


def load_token(settings: Settings) -> str:
    """The bootstrap admin token, or a clear error saying how to configure it."""
    try:
        token = resolve(settings.web_admin_token_ref, settings.secrets_file)
    except SecretNotFound as exc:
        raise TokenMissing(
            f"the Orders tab has no admin yet and no admin token is configured ({exc}). "
            "Set ORDERS_TAB_TOKEN to a long random string (or point WEB_ADMIN_TOKEN_REF at another secret) "
            "to sign in once and create the first admin, or create it with "
            "`sales-channel users add NAME --role admin`."
        ) from exc
    if not isinstance(token, str) or len(token) < 8:
        raise TokenMissing(
            "the Orders tab admin token must be a string of at least 8 characters; "
            "set ORDERS_TAB_TOKEN to a long random string."
        )
    return token


def bootstrap_token(settings: Settings, engine: Engine) -> str | None:
    """The admin token when configured; without one the tab starts only if a named admin exists."""
    try:
        return load_token(settings)
    except TokenMissing:
        try:
            with engine.connect() as conn:
                if accounts.any_active_admin(conn):
                    return None
        except SQLAlchemyError:
            pass  # no database (yet): say what is missing rather than why the database is unreachable
        raise


class SignInRefused(Exception):
    """A refused sign-in: what the person reads, the HTTP status, and when to try again (429)."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


class Access:
    """Resolves the person behind a request, and signs people in."""

    def __init__(self, engine: Engine, token: str | None) -> None:
        self.engine = engine
        self._token = token.encode() if token else None

    def bootstrap_token_ok(self, candidate: str) -> bool:
        """The admin token, compared in constant time (False when none is configured)."""
        if self._token is None:
            return False
        return hmac.compare_digest(candidate.encode(), self._token)

    def from_token(self, token: str) -> Principal | None:
        """A personal API token's user, or the bootstrap admin while no named admin exists."""
        with self.engine.begin() as conn:
            user = accounts.by_token(conn, token)
            if user is not None:
                return principal_of(user, RequestedVia.API)
            if self.bootstrap_token_ok(token) and not accounts.any_active_admin(conn):
                return bootstrap(RequestedVia.API)
        return None

    def from_session(self, value: str) -> Principal | None:
        with self.engine.begin() as conn:
            return logins.session_principal(conn, value)

    def bootstrap_open(self) -> bool:
        """Whether the admin token still signs in (configured, and no named admin yet)."""
        if self._token is None:
            return False
        with self.engine.connect() as conn:
            return not accounts.any_active_admin(conn)

    def sign_in(self, name: str, password: str, token: str, address: str, now: datetime | None = None) -> str:
        """Check a name and password (or, with ``token``, the bootstrap admin token), throttled per
        account name and client address; returns a new session's cookie value."""
        now = now or datetime.now(UTC)
        account = BOOTSTRAP_NAME if token else name.lower()
        with self.engine.begin() as conn:
            until = logins.locked(conn, account, address, now)
        if until is not None:
            wait = max(1, math.ceil((until - now).total_seconds()))
            raise SignInRefused(429, f"Too many failed sign-ins. Try again in {wait} seconds.", wait)
        refusal_text = "That token is not valid." if token else "That name and password do not match an active user."
        with self.engine.begin() as conn:
            who: Principal | None = None
            if token:
                if self.bootstrap_token_ok(token):
                    if accounts.any_active_admin(conn):
                        refusal_text = ("The admin token only signs in until the first admin exists: "
                                        "sign in with your name and password.")
                    else:
                        who = bootstrap(RequestedVia.WEB)
            else:
                user = accounts.by_password(conn, name, password)
                who = principal_of(user, RequestedVia.WEB) if user is not None else None
            if who is not None:
                logins.succeeded(conn, account)
                return logins.open_session(conn, who, now)
            logins.failed(conn, account, address, now)  # committed with this block, then refused
        raise SignInRefused(401, refusal_text)

    def principal(self, request: Request) -> Principal | None:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return self.from_token(value.strip())
        cookie = request.cookies.get(COOKIE_NAME, "")
        return self.from_session(cookie) if cookie else None


def _access(request: Request) -> Access:
    access: Access = request.app.state.access
    return access


def _check(request: Request, who: Principal, permission: Permission) -> Principal:
    if not allows(who.role, permission):
        raise HTTPException(status_code=403, detail=refusal(who.role, permission))
    request.state.principal = who
    return who


@cache
def api_access(permission: Permission) -> Callable[[Request], Principal]:
    """The FastAPI dependency of an API route that needs ``permission``."""

    def dependency(request: Request) -> Principal:
        who = _access(request).principal(request)
        if who is None:
            raise HTTPException(
                status_code=401,
                detail="authentication required: send 'Authorization: Bearer <token>' (your personal API token)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return _check(request, who, permission)

    return dependency


class LoginRequired(Exception):
    """Raised by page routes without a session; answered with a redirect to the login form."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


@cache
def page_access(permission: Permission) -> Callable[[Request], Principal]:
    """The FastAPI dependency of a page that needs ``permission``."""

    def dependency(request: Request) -> Principal:
        who = _access(request).principal(request)
        if who is None:
            raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return _check(request, who, permission)

    return dependency
