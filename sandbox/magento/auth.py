"""Credentials the stand-in accepts: admin tokens, integration tokens (Bearer) and OAuth 1.0a (RFC 5849).

Any failure makes the caller a guest, which Magento answers with 401 `The consumer isn't authorized to
access %resources.` (the route's ACL id) — never with a more specific reason."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
import time
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

ALL_RESOURCES = "Magento_Backend::all"
OAUTH_WINDOW_S = 600


@dataclass
class Integration:
    name: str
    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str
    resources: frozenset[str] = frozenset({ALL_RESOURCES})
    active: bool = True

    def allows(self, resource: str) -> bool:
        return self.active and (ALL_RESOURCES in self.resources or resource in self.resources)

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "consumer_key": self.consumer_key,
            "consumer_secret": self.consumer_secret,
            "access_token": self.access_token,
            "access_token_secret": self.access_token_secret,
            "resources": sorted(self.resources),
        }


@dataclass
class AdminToken:
    token: str
    username: str
    expires_at: float | None  # epoch seconds; None = never


@dataclass
class Credentials:
    """Everything that can authenticate a call, keyed for O(1) lookups."""

    admin_tokens: dict[str, AdminToken] = field(default_factory=dict)
    integrations: dict[str, Integration] = field(default_factory=dict)  # by consumer key
    by_access_token: dict[str, Integration] = field(default_factory=dict)
    admin_users: dict[str, str] = field(default_factory=dict)  # username -> password
    seen_nonces: set[tuple[str, str, str]] = field(default_factory=set)
    integration_bearer_enabled: bool = True

    def issue_admin_token(self, username: str = "admin", ttl_s: float | None = 4 * 3600) -> str:
        token = secrets.token_hex(16)
        expires = time.time() + ttl_s if ttl_s is not None else None
        self.admin_tokens[token] = AdminToken(token, username, expires)
        return token

    def expire_admin_token(self, token: str) -> None:
        if token in self.admin_tokens:
            self.admin_tokens[token].expires_at = 0.0

    def create_integration(self, name: str, resources: list[str] | None = None) -> Integration:
        integ = Integration(
            name=name,
            consumer_key=secrets.token_hex(16),
            consumer_secret=secrets.token_hex(16),
            access_token=secrets.token_hex(16),
            access_token_secret=secrets.token_hex(16),
            resources=frozenset(resources or [ALL_RESOURCES]),
        )
        self.integrations[integ.consumer_key] = integ
        self.by_access_token[integ.access_token] = integ
        return integ

    def authorize(
        self,
        authorization: str | None,
        resource: str,
        method: str,
        url: str,
        form_params: list[tuple[str, str]] | None = None,
    ) -> bool:
        """True when the Authorization header grants `resource` (anonymous routes pass resource '')."""
        if not authorization:
            return False
        scheme, _, rest = authorization.strip().partition(" ")
        scheme = scheme.lower()
        if scheme == "bearer":
            return self._bearer(rest.strip(), resource)
        if scheme == "oauth":
            integ = self._oauth(rest, method, url, form_params or [])
            return integ is not None and (not resource or integ.allows(resource))
        return False

    def _bearer(self, token: str, resource: str) -> bool:
        admin = self.admin_tokens.get(token)
        if admin is not None:
            return admin.expires_at is None or admin.expires_at > time.time()
        integ = self.by_access_token.get(token)
        if integ is not None and self.integration_bearer_enabled:
            return not resource or integ.allows(resource)
        return False

    def _oauth(
        self, header_rest: str, method: str, url: str, form_params: list[tuple[str, str]]
    ) -> Integration | None:
        params = parse_oauth_header(header_rest)
        integ = self.integrations.get(params.get("oauth_consumer_key", ""))
        if integ is None or params.get("oauth_token") != integ.access_token:
            return None
        sig_method = params.get("oauth_signature_method", "")
        if sig_method not in ("HMAC-SHA256", "HMAC-SHA1"):
            return None
        try:
            ts = int(params.get("oauth_timestamp", ""))
        except ValueError:
            return None
        if abs(time.time() - ts) > OAUTH_WINDOW_S:
            return None
        nonce_key = (integ.consumer_key, params.get("oauth_nonce", ""), str(ts))
        expected = sign(
            method, url, params, form_params, integ.consumer_secret, integ.access_token_secret, sig_method
        )
        if not hmac.compare_digest(expected, params.get("oauth_signature", "")):
            return None
        if nonce_key in self.seen_nonces:  # replay
            return None
        self.seen_nonces.add(nonce_key)
        return integ


_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_ASCII_PCT = {i: chr(i) if chr(i) in _UNRESERVED else f"%{i:02X}" for i in range(128)}


def pct(value: str) -> str:
    """RFC 5849 §3.6 percent-encoding: everything but unreserved characters (as
    ``quote(value, safe="~-._")``; ASCII through one ``str.translate``, the per-character
    ``quote`` was the signer's main cost)."""
    if value.isascii():
        return value.translate(_ASCII_PCT)
    return quote(value, safe="~-._")


def parse_oauth_header(rest: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in rest.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        out[unquote(key.strip())] = unquote(value.strip().strip('"'))
    return out


def base_string_uri(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    return f"{scheme}://{netloc}{parts.path or '/'}"


def query_params(url: str) -> list[tuple[str, str]]:
    query = urlsplit(url).query
    out: list[tuple[str, str]] = []
    for pair in query.split("&") if query else []:
        key, _, value = pair.partition("=")
        out.append((unquote(key.replace("+", " ")), unquote(value.replace("+", " "))))
    return out


def sign(
    method: str,
    url: str,
    oauth_params: dict[str, str],
    form_params: list[tuple[str, str]],
    consumer_secret: str,
    token_secret: str,
    sig_method: str = "HMAC-SHA256",
) -> str:
    """RFC 5849 §3.4: base string of method, base URI and normalized query+oauth(+form) params."""
    params = [(k, v) for k, v in oauth_params.items() if k not in ("oauth_signature", "realm")]
    params += query_params(url) + form_params
    normalized = "&".join(f"{k}={v}" for k, v in sorted((pct(k), pct(v)) for k, v in params))
    base = "&".join((method.upper(), pct(base_string_uri(url)), pct(normalized)))
    key = f"{pct(consumer_secret)}&{pct(token_secret)}"
    digest = hashlib.sha256 if sig_method == "HMAC-SHA256" else hashlib.sha1
    return base64.b64encode(hmac.new(key.encode(), base.encode(), digest).digest()).decode()
