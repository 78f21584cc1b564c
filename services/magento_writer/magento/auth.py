"""Magento credentials from a secret reference: a string is a Bearer token, a JSON object with
consumer_key/consumer_secret/access_token/access_token_secret is an OAuth 1.0a integration.

OAuth 1.0a requests are signed by oauthlib with HMAC-SHA256, as Magento 2.4 integrations require.
Query parameters are part of the signature base string; the JSON body is not (RFC 5849 §3.4.1.3.1
covers only form-encoded bodies), so it is never handed to the signer."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import httpx
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, Client

from services.common.secrets import resolve

OAUTH_KEYS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


class BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class OAuth1Auth(httpx.Auth):
    """Signs each request with a fresh nonce and timestamp (``nonce``/``timestamp`` pin them, for tests)."""

    def __init__(self, keys: dict[str, str], *, nonce: str | None = None, timestamp: str | None = None) -> None:
        self._client = Client(
            keys["consumer_key"],
            client_secret=keys["consumer_secret"],
            resource_owner_key=keys["access_token"],
            resource_owner_secret=keys["access_token_secret"],
            signature_method=SIGNATURE_HMAC_SHA256,
            nonce=nonce,
            timestamp=timestamp,
        )

    def __repr__(self) -> str:
        return f"OAuth1Auth(consumer_key={self._client.client_key!r}, secrets=[redacted])"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        _, headers, _ = self._client.sign(str(request.url), http_method=request.method)
        request.headers["Authorization"] = headers["Authorization"]
        yield request


def auth_from_secret(value: Any) -> httpx.Auth:
    if isinstance(value, str) and value.strip():
        return BearerAuth(value.strip())
    if isinstance(value, dict):
        missing = [k for k in OAUTH_KEYS if not value.get(k)]
        if missing:
            raise ValueError(f"Magento OAuth secret lacks {', '.join(missing)}")
        return OAuth1Auth({k: str(value[k]) for k in OAUTH_KEYS})
    raise ValueError("Magento auth secret must be a token string or a JSON object with OAuth 1.0a keys")


def resolve_auth(ref: str, secrets_file: Path | None = None) -> httpx.Auth:
    return auth_from_secret(resolve(ref, secrets_file))
