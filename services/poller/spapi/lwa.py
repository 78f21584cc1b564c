"""Login with Amazon: refresh-token → access-token exchange, cached per store and refreshed
``early`` seconds before it expires. Secrets stay in this module: errors carry LWA's error
code only, never the request."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from schemas.types import StoreConfig
from services.common import secrets
from services.poller.spapi.port import AuthError

Resolver = Callable[[str], Any]


@dataclass
class _Cached:
    token: str
    expires_at: float  # monotonic


class LwaTokens:
    def __init__(self, http: httpx.AsyncClient, default_token_url: str,
                 resolver: Resolver | None = None, early_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic,
                 in_flight: asyncio.Semaphore | None = None) -> None:
        self._http = http
        self._in_flight = in_flight or asyncio.Semaphore(32)
        self._default_url = default_token_url
        self._resolver: Resolver = resolver or secrets.resolve
        self._early = early_s
        self._clock = clock
        self._cache: dict[tuple[str, str], _Cached] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self.exchanges = 0  # how many times a token was fetched (tests, metrics)

    def _key(self, store: StoreConfig) -> tuple[str, str]:
        return (store.store_id, store.lwa_credentials_ref)

    def invalidate(self, store: StoreConfig) -> None:
        self._cache.pop(self._key(store), None)

    async def access_token(self, store: StoreConfig) -> str:
        key = self._key(store)
        cached = self._cache.get(key)
        if cached and cached.expires_at > self._clock():
            return cached.token
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            cached = self._cache.get(key)
            if cached and cached.expires_at > self._clock():
                return cached.token
            token, expires_in = await self._exchange(store)
            self._cache[key] = _Cached(token, self._clock() + max(expires_in - self._early, 1.0))
            return token

    async def _exchange(self, store: StoreConfig) -> tuple[str, float]:
        try:
            creds = self._resolver(store.lwa_credentials_ref)
        except secrets.SecretNotFound as exc:
            raise AuthError(f"store {store.store_id}: LWA credentials not found ({exc})") from None
        if not isinstance(creds, dict) or not all(creds.get(k) for k in ("client_id", "client_secret",
                                                                          "refresh_token")):
            raise AuthError(f"store {store.store_id}: LWA credentials must have client_id, "
                            "client_secret and refresh_token")
        url = creds.get("token_url") or self._default_url
        form = {"grant_type": "refresh_token", "refresh_token": creds["refresh_token"],
                "client_id": creds["client_id"], "client_secret": creds["client_secret"]}
        try:
            async with self._in_flight:
                resp = await self._http.post(url, data=form, headers={
                    "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"})
        except httpx.HTTPError as exc:
            raise AuthError(f"store {store.store_id}: LWA unreachable ({type(exc).__name__})") from None
        try:
            body = resp.json()
        except ValueError:
            body = {}
        if resp.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
            code = body.get("error") if isinstance(body, dict) else None
            raise AuthError(f"store {store.store_id}: LWA refused the token exchange "
                            f"(HTTP {resp.status_code}, {code or 'no error code'})", resp.status_code, code)
        self.exchanges += 1
        return str(body["access_token"]), float(body.get("expires_in") or 3600)
