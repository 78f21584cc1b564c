"""Login with Amazon (LWA) for the sandbox: one developer application (client id + secret),
one refresh token per seller authorization, short-lived access tokens that each map to one
seller. Error bodies follow LWA: ``{"error", "error_description"}``."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sandbox.spapi.errors import unauthorized


class LwaError(Exception):
    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


@dataclass
class AccessGrant:
    seller_id: str | None
    """``None`` for grantless (client_credentials) tokens, which cannot read orders."""
    expires_at: datetime


class LwaAuthority:
    def __init__(
        self,
        client_id: str | None = None,
        client_secret: str | None = None,
        access_token_ttl_seconds: float = 3600,
    ) -> None:
        self.client_id = client_id or f"amzn1.application-oa2-client.{secrets.token_hex(16)}"
        self.client_secret = client_secret or f"amzn1.oa2-cs.v1.{secrets.token_hex(32)}"
        self.access_token_ttl_seconds = access_token_ttl_seconds
        self._refresh_tokens: dict[str, str] = {}
        self._access_tokens: dict[str, AccessGrant] = {}
        self._lock = threading.Lock()

    def authorize_seller(self, seller_id: str) -> str:
        """A new refresh token for ``seller_id`` (what the seller's authorization produces)."""
        token = f"Atzr|{secrets.token_urlsafe(48)}"
        with self._lock:
            self._refresh_tokens[token] = seller_id
        return token

    def seller_of_refresh_token(self, refresh_token: str) -> str | None:
        return self._refresh_tokens.get(refresh_token)

    def exchange(self, form: dict[str, str], now: datetime) -> dict[str, Any]:
        """Handle ``POST /auth/o2/token``; raises ``LwaError`` like LWA would."""
        grant_type = form.get("grant_type", "")
        if not grant_type:
            raise LwaError(400, "invalid_request", "The request is missing a required parameter : grant_type")
        if grant_type not in ("refresh_token", "client_credentials"):
            raise LwaError(
                400,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server",
            )
        for name in ("client_id", "client_secret"):
            if not form.get(name):
                raise LwaError(
                    400, "invalid_request", f"The request is missing a required parameter : {name}"
                )
        if form["client_id"] != self.client_id or not secrets.compare_digest(
            form["client_secret"], self.client_secret
        ):
            raise LwaError(401, "invalid_client", "Client authentication failed")
        seller_id: str | None = None
        if grant_type == "refresh_token":
            refresh_token = form.get("refresh_token", "")
            if not refresh_token:
                raise LwaError(
                    400, "invalid_request", "The request is missing a required parameter : refresh_token"
                )
            seller_id = self._refresh_tokens.get(refresh_token)
            if seller_id is None:
                raise LwaError(
                    400, "invalid_grant", "The request has an invalid grant parameter : refresh_token"
                )
        elif not form.get("scope"):
            raise LwaError(400, "invalid_scope", "The request has an invalid parameter : scope")
        access_token = f"Atza|{secrets.token_urlsafe(96)}"
        with self._lock:
            self._forget_expired(now)
            self._access_tokens[access_token] = AccessGrant(
                seller_id, now + timedelta(seconds=self.access_token_ttl_seconds)
            )
        answer: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": int(self.access_token_ttl_seconds),
        }
        if grant_type == "refresh_token":
            answer["refresh_token"] = form["refresh_token"]
        return answer

    def seller_for(self, access_token: str | None, now: datetime) -> str:
        """The seller an access token acts for; raises a 403 ``ApiError`` otherwise."""
        if not access_token:
            raise unauthorized("Access token is missing in the request header.")
        grant = self._access_tokens.get(access_token)
        if grant is None or grant.seller_id is None:
            raise unauthorized("The access token you provided is revoked, malformed or invalid.")
        if now >= grant.expires_at:
            raise unauthorized("The access token you provided has expired.")
        return grant.seller_id

    def reset(self) -> None:
        with self._lock:
            self._refresh_tokens.clear()
            self._access_tokens.clear()

    def _forget_expired(self, now: datetime) -> None:
        if len(self._access_tokens) > 50_000:
            self._access_tokens = {t: g for t, g in self._access_tokens.items() if g.expires_at > now}
