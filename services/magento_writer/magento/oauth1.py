"""OAuth 1.0a request signing (RFC 5849 §3.4) with HMAC-SHA256, as Magento integrations require.

Query parameters are part of the signature base string; a JSON body is not (§3.4.1.3.1 only
includes form-encoded bodies)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_ASCII_PCT = {i: chr(i) if chr(i) in _UNRESERVED else f"%{i:02X}" for i in range(128)}


def pct(value: str) -> str:
    """RFC 5849 §3.6 percent-encoding: everything but unreserved characters (as
    ``quote(value, safe="~-._")``; ASCII through one ``str.translate``, the per-character
    ``quote`` was the signer's main cost)."""
    if value.isascii():
        return value.translate(_ASCII_PCT)
    return quote(value, safe="~-._")


def base_string_uri(url: str) -> str:
    """§3.4.1.2: lower-case scheme and host, default ports dropped, no query or fragment."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    netloc = host if port is None or (scheme, port) in (("http", 80), ("https", 443)) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", "", ""))


def normalized_parameters(params: list[tuple[str, str]]) -> str:
    """§3.4.1.3.2: encode, sort by name then value, join with ``=`` and ``&``."""
    encoded = sorted((pct(k), pct(v)) for k, v in params)
    return "&".join(f"{k}={v}" for k, v in encoded)


def signature_base_string(
    method: str, url: str, oauth_params: dict[str, str], form_params: Sequence[tuple[str, str]] = ()
) -> str:
    """§3.4.1: method, base URI, and the query + oauth (+ form-encoded body) parameters."""
    query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    oauth = [(k, v) for k, v in oauth_params.items() if k not in ("oauth_signature", "realm")]
    params = [*query, *oauth, *form_params]
    return "&".join([method.upper(), pct(base_string_uri(url)), pct(normalized_parameters(params))])


def hmac_signature(base_string: str, consumer_secret: str, token_secret: str, digest: str = "sha256") -> str:
    """§3.4.2: key = encoded consumer secret & encoded token secret; base64 of the HMAC."""
    key = f"{pct(consumer_secret)}&{pct(token_secret)}".encode()
    return base64.b64encode(hmac.new(key, base_string.encode(), getattr(hashlib, digest)).digest()).decode()


@dataclass(frozen=True)
class OAuth1Credentials:
    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str

    def __repr__(self) -> str:
        return f"OAuth1Credentials(consumer_key={self.consumer_key!r}, secrets=[redacted])"


def authorization_header(
    creds: OAuth1Credentials, method: str, url: str, *, nonce: str | None = None, timestamp: int | None = None
) -> str:
    oauth = {
        "oauth_consumer_key": creds.consumer_key,
        "oauth_nonce": nonce or secrets.token_hex(16),
        "oauth_signature_method": "HMAC-SHA256",
        "oauth_timestamp": str(timestamp if timestamp is not None else int(time.time())),
        "oauth_token": creds.access_token,
        "oauth_version": "1.0",
    }
    base = signature_base_string(method, url, oauth)
    oauth["oauth_signature"] = hmac_signature(base, creds.consumer_secret, creds.access_token_secret)
    return "OAuth " + ",".join(f'{pct(k)}="{pct(v)}"' for k, v in oauth.items())
