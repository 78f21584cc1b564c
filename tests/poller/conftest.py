"""Poller test fixtures: the SP-API sandbox served on a thread, and pollers wired to it, to
the session's real broker and to its PostgreSQL database."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import httpx
import pytest

from sandbox._server import serve_in_thread
from sandbox.spapi import SandboxState
from sandbox.spapi.server import create_app
from schemas.types import StoreConfig
from services.common.kafka import make_producer
from services.common.retry import RetryPolicy
from services.common.settings import Settings
from services.poller.publisher import EventPublisher
from services.poller.ratelimit import RateLimits
from services.poller.spapi.http import HttpOrdersClient
from services.poller.state import PollerState
from services.poller.sync import Poller
from tests.poller.factory import store_config

RATE_SCALE = 1000.0  # sandbox and client buckets refill 1000x faster than Amazon's defaults
T = TypeVar("T")


@dataclass
class Sandbox:
    state: SandboxState
    url: str
    credentials: dict[str, dict[str, str]] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.state.clock.now()

    def add_store(
        self, store_id: str, integration_time: datetime | None = None, **kwargs: Any
    ) -> StoreConfig:
        """A sandbox seller and the store config of it (credentials under ``mem:<store_id>``)."""
        creds = self.state.create_seller()
        ref = f"mem:{store_id}"
        self.credentials[ref] = {
            "client_id": creds.client_id,
            "client_secret": creds.client_secret,
            "refresh_token": creds.refresh_token,
        }
        cfg = store_config(
            store_id,
            self.url,
            integration_time=integration_time or self.now(),
            credentials_ref=ref,
            seller_id=creds.seller_id,
            **kwargs,
        )
        return cfg

    def resolve(self, ref: str) -> dict[str, str]:
        return self.credentials[ref]

    def advance(self, minutes: float) -> None:
        self.state.clock.advance(minutes * 60)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    state = SandboxState(seed=11, rate_scale=RATE_SCALE)
    handle = serve_in_thread(create_app(state))
    try:
        yield Sandbox(state, handle.url)
    finally:
        handle.stop()


@dataclass
class Requests:
    """Every SP-API request a poller sent, with the sandbox time it was sent at."""

    sent: list[tuple[httpx.Request, datetime]] = field(default_factory=list)

    def searches(self) -> list[tuple[httpx.Request, datetime]]:
        return [(r, at) for r, at in self.sent if r.url.path == "/orders/2026-01-01/orders"]


def make_poller(
    settings: Settings,
    sb: Sandbox,
    *,
    page_size: int = 100,
    policy: RetryPolicy | None = None,
    requests: Requests | None = None,
) -> Poller:
    async def record(request: httpx.Request) -> None:
        if requests is not None:
            requests.sent.append((request, sb.now()))

    http = httpx.AsyncClient(timeout=10, event_hooks={"request": [record]})
    client = HttpOrdersClient(
        lwa_token_url=f"{sb.url}/auth/o2/token",
        limits=RateLimits(rate_scale=RATE_SCALE),
        http=http,
        policy=policy or RetryPolicy(max_attempts=4, base_s=0.05, cap_s=0.2),
        resolver=sb.resolve,
        clock=sb.now,
        use_date_header=False,
    )
    return Poller(
        client=client,
        state=PollerState(settings.database_url),
        publisher=EventPublisher(make_producer(settings)),
        clock=sb.now,
        page_size=page_size,
    )


async def close_poller(p: Poller) -> None:
    await p.client.aclose()
    p.publisher.producer.close(5)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)
