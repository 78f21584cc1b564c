"""The HTTP adapter against recorded, contract-shaped answers (httpx.MockTransport)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from services.common.retry import RetryPolicy
from services.poller.ratelimit import RateLimits
from services.poller.spapi.http import HttpOrdersClient
from services.poller.spapi.port import AuthError, SearchQuery, SpApiError, Throttled
from tests.poller.factory import FIXTURES, T0, store_config

SECRET = "very-secret-client-secret"
REFRESH = "Atzr|very-secret-refresh"
CREDS = {"client_id": "amzn1.app", "client_secret": SECRET, "refresh_token": REFRESH}
STORE = store_config("http-store", "https://spapi.test", credentials_ref="mem:x")
QUERY = SearchQuery(last_updated_after=T0, last_updated_before=T0)


def client(handler: Callable[[httpx.Request], httpx.Response], creds: Any = CREDS) -> HttpOrdersClient:
    return HttpOrdersClient(
        lwa_token_url="https://lwa.test/auth/o2/token",
        limits=RateLimits(rate_scale=1000),
        http=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        policy=RetryPolicy(max_attempts=3, base_s=0.001, cap_s=0.002),
        resolver=lambda ref: creds,
    )


def token_answer(request: httpx.Request) -> httpx.Response:
    form = parse_qs(request.content.decode())
    assert form["grant_type"] == ["refresh_token"] and form["refresh_token"] == [REFRESH]
    assert form["client_secret"] == [SECRET]
    return httpx.Response(200, json={"access_token": "Atza|tok", "token_type": "bearer", "expires_in": 3600})


def test_search_sends_token_included_data_and_pagination_and_reads_the_page() -> None:
    page = json.loads((FIXTURES / "search_orders_contract_example.json").read_text())
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "lwa.test":
            return token_answer(request)
        seen.append(request)
        return httpx.Response(200, json=page, headers={"x-amzn-RateLimit-Limit": "0.0167"})

    async def main() -> Any:
        c = client(handler)
        first = await c.search_orders(STORE, QUERY)
        await c.search_orders(STORE, QUERY, first.next_token)
        rate = c.limits.bucket(STORE.store_id, "searchOrders").rate
        exchanges = c.lwa.exchanges
        await c.aclose()
        return first, rate, exchanges

    first, rate, exchanges = asyncio.run(main())
    assert first.next_token == "2YgYW55IGNhcm5hbCBwbGVhc3VyZS4" and len(first.orders) == 1
    assert rate == pytest.approx(0.0167) and exchanges == 1
    q0, q1 = (parse_qs(r.url.query.decode()) for r in seen)
    assert seen[0].headers["x-amz-access-token"] == "Atza|tok"
    assert q0["includedData"] == ["BUYER,RECIPIENT,PROCEEDS,FULFILLMENT,CANCELLATION,PACKAGES,TAX,PROMOTION"]
    assert q1.pop("paginationToken") == ["2YgYW55IGNhcm5hbCBwbGVhc3VyZS4"]
    assert q0 == q1  # identical parameters with the token


def test_retries_429_and_503_then_succeeds() -> None:
    answers = [429, 503, 200]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "lwa.test":
            return token_answer(request)
        status = answers.pop(0)
        return httpx.Response(status, json={"orders": []} if status == 200 else {"errors": [{"code": "x"}]})

    async def main() -> int:
        c = client(handler)
        page = await c.search_orders(STORE, QUERY)
        await c.aclose()
        return len(page.orders)

    assert asyncio.run(main()) == 0 and answers == []


def test_gives_up_after_max_attempts_of_429() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "lwa.test":
            return token_answer(request)
        return httpx.Response(429, json={"errors": [{"code": "QuotaExceeded", "message": "slow down"}]})

    async def main() -> None:
        c = client(handler)
        try:
            await c.search_orders(STORE, QUERY)
        finally:
            await c.aclose()

    with pytest.raises(Throttled):
        asyncio.run(main())


def test_expired_access_token_is_refreshed_once() -> None:
    calls = {"lwa": 0, "api": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "lwa.test":
            calls["lwa"] += 1
            return token_answer(request)
        calls["api"] += 1
        if calls["api"] == 1:
            return httpx.Response(403, json={"errors": [{"code": "Unauthorized"}]})
        return httpx.Response(200, json={"order": {"orderId": "1"}})

    async def main() -> Any:
        c = client(handler)
        order = await c.get_order(STORE, "1")
        await c.aclose()
        return order

    assert asyncio.run(main()) == {"orderId": "1"} and calls == {"lwa": 2, "api": 2}


def test_not_found_and_client_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "lwa.test":
            return token_answer(request)
        if request.url.path.endswith("/missing"):
            return httpx.Response(404, json={"errors": [{"code": "NotFound"}]})
        return httpx.Response(400, json={"errors": [{"code": "InvalidInput"}]})

    async def main() -> Any:
        c = client(handler)
        try:
            missing = await c.get_order(STORE, "missing")
            with pytest.raises(SpApiError) as err:
                await c.search_orders(STORE, QUERY)
            return missing, err.value
        finally:
            await c.aclose()

    missing, error = asyncio.run(main())
    assert missing is None and error.status == 400 and error.code == "InvalidInput"


def test_lwa_refusal_never_shows_the_secret() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid_client", "error_description": "bad " + SECRET})

    async def main() -> None:
        c = client(handler)
        try:
            await c.search_orders(STORE, QUERY)
        finally:
            await c.aclose()

    with pytest.raises(AuthError) as err:
        asyncio.run(main())
    assert "invalid_client" in str(err.value)
    assert SECRET not in str(err.value) and REFRESH not in str(err.value)


def test_incomplete_credentials() -> None:
    async def main() -> None:
        c = client(lambda r: httpx.Response(500), creds={"client_id": "x"})
        try:
            await c.search_orders(STORE, QUERY)
        finally:
            await c.aclose()

    with pytest.raises(AuthError, match="refresh_token"):
        asyncio.run(main())


def test_token_url_from_credentials_wins() -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        if request.method == "POST":
            return token_answer(request)
        return httpx.Response(200, json={"orders": []})

    async def main() -> None:
        c = client(handler, creds={**CREDS, "token_url": "https://eu-lwa.test/auth/o2/token"})
        await c.search_orders(STORE, QUERY)
        await c.aclose()

    asyncio.run(main())
    assert hosts == ["eu-lwa.test", "spapi.test"]


def test_learn_clock_reads_amazons_date_without_credentials_or_rate_tokens() -> None:
    """A restarted poller behind Amazon's clock must learn it before deciding no window is ready."""
    from datetime import UTC, datetime, timedelta
    from email.utils import format_datetime

    ahead = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(403, json={"errors": []}, headers={"date": format_datetime(ahead, usegmt=True)})

    async def main() -> tuple[bool, bool, datetime]:
        c = client(handler)
        before = c.clock_known(STORE)
        await c.learn_clock(STORE)
        await c.learn_clock(STORE)  # known now: no second request
        known = c.clock_known(STORE)
        now = c.amazon_now(STORE)
        await c.aclose()
        return before, known, now

    before, known, amazon_now = asyncio.run(main())
    assert (before, known) == (False, True)
    assert abs(amazon_now - ahead) < timedelta(seconds=5)
    assert len(seen) == 1 and "x-amz-access-token" not in seen[0].headers
    assert seen[0].url.host == "spapi.test"
