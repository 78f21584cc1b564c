"""HTTP adapter of ``AmazonOrdersClient`` for Orders v2026-01-01 (httpx, asyncio).

Every call waits for a token of its (store, operation) bucket, sends the store's LWA access
token, and retries 429/500/502/503/504 and transport errors under the ``SPAPI_CALL`` retry
policy (services/common/retry.py). Waiting is per store, so one throttled store never holds up another. Amazon's clock
is estimated from each response's ``Date`` header."""

from __future__ import annotations

import asyncio
import email.utils
import importlib.util
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

if importlib.util.find_spec("sniffio") is None:  # pragma: no branch
    # httpcore tries ``import sniffio`` on every request; without it each failed import scans
    # sys.path again (a third of the poller's CPU in the benchmark). A None entry fails fast.
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

from schemas.types import StoreConfig
from services.common.logging import get_logger
from services.common.retry import SPAPI_CALL, RetriesExhausted, RetryPolicy, retry_async
from services.poller import metrics
from services.poller.ratelimit import RateLimits
from services.poller.spapi.lwa import LwaTokens
from services.poller.spapi.port import RawOrder, SearchPage, SearchQuery, SpApiError, Throttled

ORDERS_PATH = "/orders/2026-01-01/orders"
# CANCELLATION carries the buyer's cancel request; the rest spare us any per-order call.
INCLUDED_DATA = "BUYER,RECIPIENT,PROCEEDS,FULFILLMENT,CANCELLATION,PACKAGES,TAX,PROMOTION"  # PACKAGES: FBM tracking
USER_AGENT = "SalesChannel/0.1 (Language=Python/3.11; Platform=Linux)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_IN_FLIGHT = 32  # concurrent HTTP requests of one process

log = get_logger(__name__)


def _now() -> datetime:
    return datetime.now(UTC)


class HttpOrdersClient:
    def __init__(self, *, lwa_token_url: str, limits: RateLimits | None = None,
                 http: httpx.AsyncClient | None = None, policy: RetryPolicy = SPAPI_CALL,
                 resolver: Callable[[str], Any] | None = None,
                 clock: Callable[[], datetime] = _now, use_date_header: bool = True,
                 timeout_s: float = 30.0, max_in_flight: int = MAX_IN_FLIGHT) -> None:
        self._http = http or httpx.AsyncClient(
            timeout=timeout_s, limits=httpx.Limits(max_connections=max_in_flight,
                                                   max_keepalive_connections=max_in_flight))
        # httpcore assigns queued requests to connections in O(queued x connections): with a
        # thousand stores due at once that dominates the CPU. Requests wait here instead.
        self._in_flight = asyncio.Semaphore(max_in_flight)
        self.limits = limits or RateLimits()
        self.policy = policy
        self.lwa = LwaTokens(self._http, lwa_token_url, resolver, in_flight=self._in_flight)
        self._clock = clock
        self._use_date_header = use_date_header
        self._skew: dict[str, timedelta] = {}

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- Amazon's clock ---------------------------------------------------------------

    def amazon_now(self, store: StoreConfig) -> datetime:
        return self._clock() + self._skew.get(store.spapi_endpoint, timedelta(0))

    def clock_known(self, store: StoreConfig) -> bool:
        return not self._use_date_header or store.spapi_endpoint in self._skew

    async def learn_clock(self, store: StoreConfig) -> None:
        """Read Amazon's clock before the first window of an endpoint. Without it, a restarted
        poller whose clock is behind Amazon's would think no window is ready, send nothing, and
        so never see a ``Date`` header to correct itself. The request carries no credentials and
        hits no operation, so it costs no rate-limit token."""
        if self.clock_known(store):
            return
        sent_at = self._clock()
        try:
            async with self._in_flight:
                resp = await self._http.get(store.spapi_endpoint.rstrip("/") + "/",
                                            headers={"user-agent": USER_AGENT})
        except httpx.HTTPError as exc:
            log.warning("amazon_clock_unknown", store=store.store_id, error=type(exc).__name__)
            return
        self._observe_date(store, resp, sent_at)

    def _observe_date(self, store: StoreConfig, resp: httpx.Response, sent_at: datetime) -> None:
        dates = resp.headers.get_list("date")  # a proxy may add its own: the application's comes last
        header = dates[-1] if dates else None
        if not header or not self._use_date_header:
            return
        try:
            theirs = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            return
        if theirs.tzinfo is None:
            theirs = theirs.replace(tzinfo=UTC)
        skew = theirs - sent_at
        # The header has one-second resolution: only a larger difference is a real skew.
        self._skew[store.spapi_endpoint] = skew if abs(skew) > timedelta(seconds=2) else timedelta(0)

    # --- operations -------------------------------------------------------------------

    async def search_orders(self, store: StoreConfig, query: SearchQuery,
                            pagination_token: str | None = None) -> SearchPage:
        params = {**query.params(), "includedData": INCLUDED_DATA}
        if "marketplaceIds" not in params:
            params["marketplaceIds"] = store.marketplace_id
        if pagination_token:
            params["paginationToken"] = pagination_token
        resp = await self._call(store, "searchOrders", ORDERS_PATH, params)
        body = _json(resp)
        orders = body.get("orders")
        if not isinstance(orders, list):
            raise SpApiError("searchOrders answer has no orders list", resp.status_code)
        pagination = body.get("pagination") if isinstance(body.get("pagination"), dict) else {}
        token = pagination.get("nextToken") if pagination else None
        return SearchPage(orders=orders, next_token=token or None,
                          last_updated_before=body.get("lastUpdatedBefore"))

    async def get_order(self, store: StoreConfig, order_id: str) -> RawOrder | None:
        path = f"{ORDERS_PATH}/{quote(order_id, safe='')}"
        resp = await self._call(store, "getOrder", path, {"includedData": INCLUDED_DATA}, not_found_ok=True)
        if resp.status_code == 404:
            return None
        order = _json(resp).get("order")
        if not isinstance(order, dict):
            raise SpApiError("getOrder answer has no order", resp.status_code)
        return order

    async def _call(self, store: StoreConfig, operation: str, path: str, params: dict[str, str],
                    not_found_ok: bool = False, json_body: dict[str, Any] | None = None,
                    refused: Callable[[httpx.Response], SpApiError] | None = None) -> httpx.Response:
        """One SP-API call under the store's rate limit and the retry policy (throttles, 5xx and
        transport errors), re-authenticating once on 401/403. ``json_body`` makes it a POST; a 2xx
        answer is success. Another answer raises ``refused(resp)`` where given, else ``SpApiError``."""
        m = metrics.for_store(store.store_id)
        duration = metrics.DURATIONS[operation]
        bucket = self.limits.bucket(store.store_id, operation)
        url = store.spapi_endpoint.rstrip("/") + path
        reauthed = False

        async def attempt() -> httpx.Response:
            nonlocal reauthed
            while True:
                await bucket.acquire()
                token = await self.lwa.access_token(store)
                headers = {"x-amz-access-token": token, "user-agent": USER_AGENT,
                           "x-amz-date": self._clock().strftime("%Y%m%dT%H%M%SZ"), "accept": "application/json"}
                if json_body is not None:
                    headers["content-type"] = "application/json"
                sent_at = _now()
                started = time.perf_counter()
                try:
                    async with self._in_flight:
                        if json_body is None:
                            resp = await self._http.get(url, params=params, headers=headers)
                        else:
                            resp = await self._http.post(url, params=params, json=json_body, headers=headers)
                except httpx.HTTPError as exc:
                    duration.observe(time.perf_counter() - started)
                    m.calls[(operation, "error")].inc()
                    raise _Transient(type(exc).__name__, None) from exc
                duration.observe(time.perf_counter() - started)
                self._observe_date(store, resp, sent_at)
                status = resp.status_code
                if 200 <= status < 300 or (status == 404 and not_found_ok):
                    m.calls[(operation, "ok")].inc()
                    self.limits.observe_limit(store.store_id, operation, resp.headers.get("x-amzn-ratelimit-limit"))
                    return resp
                if status == 429:
                    m.calls[(operation, "throttled")].inc()
                    bucket.drain()  # Amazon's bucket is empty: so is ours
                else:
                    m.calls[(operation, "error")].inc()
                if status in (401, 403) and not reauthed:
                    # An expired or revoked access token: fetch a new one once, in the same attempt.
                    reauthed = True
                    self.lwa.invalidate(store)
                    continue
                if status in RETRY_STATUSES:
                    raise _Transient(f"HTTP {status}", status)
                if refused is not None:
                    raise refused(resp)
                raise SpApiError(f"{operation} for store {store.store_id}: HTTP {status} "
                                 f"{_error_code(resp) or ''}".rstrip(), status, _error_code(resp))

        def on_retry(number: int, exc: BaseException, delay: float) -> None:
            log.info("spapi_retry", store=store.store_id, operation=operation, failure=str(exc),
                     attempt=number, delay_s=round(delay, 2))

        try:
            return await retry_async(self.policy, attempt, retry_on=lambda e: isinstance(e, _Transient),
                                     on_retry=on_retry)
        except RetriesExhausted as exc:
            status = exc.last.status
            cls = Throttled if status == 429 else SpApiError
            raise cls(f"{operation} for store {store.store_id}: {exc.last} after {exc.attempts} attempts",
                      status) from exc.last


class _Transient(Exception):
    """An answer worth another attempt: a throttle, a 5xx or a transport error (``status`` None)."""

    def __init__(self, failure: str, status: int | None) -> None:
        super().__init__(failure)
        self.status = status


def _json(resp: httpx.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except ValueError as exc:
        raise SpApiError(f"SP-API answer is not JSON (HTTP {resp.status_code})", resp.status_code) from exc
    if not isinstance(body, dict):
        raise SpApiError("SP-API answer is not a JSON object", resp.status_code)
    return body


def _error_code(resp: httpx.Response) -> str | None:
    try:
        errors = resp.json().get("errors")
        return str(errors[0].get("code")) if errors else None
    except (ValueError, AttributeError, IndexError, TypeError):
        return None
