"""Magento credentials from a secret reference: a string is a Bearer token, a JSON object with
consumer_key/consumer_secret/access_token/access_token_secret is an OAuth 1.0a integration."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any

import httpx

from services.common.secrets import resolve
from services.magento_writer.magento.oauth1 import OAuth1Credentials, authorization_header

OAUTH_KEYS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


class BearerAuth(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


class OAuth1Auth(httpx.Auth):
    def __init__(self, creds: OAuth1Credentials) -> None:
        self._creds = creds

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = authorization_header(self._creds, request.method, str(request.url))
        yield request


def auth_from_secret(value: Any) -> httpx.Auth:
    if isinstance(value, str) and value.strip():
        return BearerAuth(value.strip())
    if isinstance(value, dict):
        missing = [k for k in OAUTH_KEYS if not value.get(k)]
        if missing:
            raise ValueError(f"Magento OAuth secret lacks {', '.join(missing)}")
        return OAuth1Auth(OAuth1Credentials(*(str(value[k]) for k in OAUTH_KEYS)))
    raise ValueError("Magento auth secret must be a token string or a JSON object with OAuth 1.0a keys")


def resolve_auth(ref: str, secrets_file: Path | None = None) -> httpx.Auth:
    return auth_from_secret(resolve(ref, secrets_file))
