"""Access to the Orders tab: a configured admin token, as a Bearer header (API) or a
session cookie set by the login form (page). The cookie holds an HMAC of the token,
never the token itself."""

from __future__ import annotations

import hashlib
import hmac

from fastapi import HTTPException, Request

from services.common.secrets import SecretNotFound, resolve
from services.common.settings import Settings

COOKIE_NAME = "orders_tab_session"


class TokenMissing(RuntimeError):
    pass


def load_token(settings: Settings) -> str:
    """The admin token, or a clear error saying how to configure it."""
    try:
        token = resolve(settings.web_admin_token_ref, settings.secrets_file)
    except SecretNotFound as exc:
        raise TokenMissing(
            f"the Orders tab needs an admin token and none is configured ({exc}). "
            "Set ORDERS_TAB_TOKEN to a long random string (or point WEB_ADMIN_TOKEN_REF at another secret)."
        ) from exc
    if not isinstance(token, str) or len(token) < 8:
        raise TokenMissing(
            "the Orders tab admin token must be a string of at least 8 characters; "
            "set ORDERS_TAB_TOKEN to a long random string."
        )
    return token


class Auth:
    def __init__(self, token: str) -> None:
        self._token = token.encode()
        self.session_value = hmac.new(self._token, b"orders-tab-session-v1", hashlib.sha256).hexdigest()

    def token_ok(self, candidate: str) -> bool:
        return hmac.compare_digest(candidate.encode(), self._token)

    def cookie_ok(self, request: Request) -> bool:
        value = request.cookies.get(COOKIE_NAME, "")
        return bool(value) and hmac.compare_digest(value, self.session_value)

    def bearer_ok(self, request: Request) -> bool:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        return scheme.lower() == "bearer" and self.token_ok(value.strip())

    def allowed(self, request: Request) -> bool:
        return self.bearer_ok(request) or self.cookie_ok(request)


def require_api(request: Request) -> None:
    """FastAPI dependency of every API route."""
    auth: Auth = request.app.state.auth
    if not auth.allowed(request):
        raise HTTPException(
            status_code=401,
            detail="authentication required: send 'Authorization: Bearer <token>'",
            headers={"WWW-Authenticate": "Bearer"},
        )


class LoginRequired(Exception):
    """Raised by page routes without a session; answered with a redirect to the login form."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def require_page(request: Request) -> None:
    auth: Auth = request.app.state.auth
    if not auth.allowed(request):
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
