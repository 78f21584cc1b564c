"""Notifications API v1 calls the poller makes (``notifications.json``): the application's SQS
destination (grantless: LWA ``client_credentials``, scope ``sellingpartnerapi::notifications``)
and each store's ``ORDER_CHANGE`` subscription (the seller's token, from the poller's LWA cache).
1 request/s, burst 5: the few calls of a command or a start-up check stay far below it; a 429
is retried under the ``SPAPI_NOTIFICATIONS`` retry policy. Secrets never reach errors or logs."""

from __future__ import annotations

from typing import Any

import httpx

from schemas.types import StoreConfig
from services.common import secrets
from services.common.retry import SPAPI_NOTIFICATIONS, RetriesExhausted, RetryPolicy, retry_async
from services.poller.spapi.lwa import LwaTokens, Resolver
from services.poller.spapi.port import AuthError, SpApiError

BASE = "/notifications/v1"
ORDER_CHANGE = "ORDER_CHANGE"
PAYLOAD_VERSION = "1.0"
SCOPE = "sellingpartnerapi::notifications"
DESTINATION_NAME = "sales-channel-order-change"


class NotificationsApi:
    def __init__(self, http: httpx.AsyncClient, lwa_token_url: str, resolver: Resolver | None = None,
                 policy: RetryPolicy = SPAPI_NOTIFICATIONS) -> None:
        self._http = http
        self._token_url = lwa_token_url
        self._resolver: Resolver = resolver or secrets.resolve
        self.lwa = LwaTokens(http, lwa_token_url, self._resolver)
        self.policy = policy

    async def aclose(self) -> None:
        await self._http.aclose()

    async def grantless_token(self, store: StoreConfig) -> str:
        creds = self._resolver(store.lwa_credentials_ref)
        if not isinstance(creds, dict) or not creds.get("client_id") or not creds.get("client_secret"):
            raise AuthError(f"store {store.store_id}: LWA credentials must have client_id and client_secret")
        resp = await self._http.post(creds.get("token_url") or self._token_url, data={
            "grant_type": "client_credentials", "scope": SCOPE,
            "client_id": creds["client_id"], "client_secret": creds["client_secret"]})
        body = resp.json() if resp.headers.get("content-type", "").startswith("application/json") else {}
        if resp.status_code != 200 or not body.get("access_token"):
            raise AuthError(f"store {store.store_id}: LWA refused the grantless token "
                            f"(HTTP {resp.status_code}, {body.get('error') or 'no error code'})", resp.status_code)
        return str(body["access_token"])

    async def _call(self, store: StoreConfig, method: str, path: str, token: str,
                    body: dict[str, Any] | None = None, ok: tuple[int, ...] = (200,)) -> httpx.Response:
        url = store.spapi_endpoint.rstrip("/") + BASE + path

        async def attempt() -> httpx.Response:
            resp = await self._http.request(method, url, json=body, headers={
                "x-amz-access-token": token, "accept": "application/json"})
            if resp.status_code in ok:
                return resp
            raise _Refused(resp)

        try:
            return await retry_async(self.policy, attempt, retry_on=lambda e: isinstance(e, _Refused) and e.passing)
        except RetriesExhausted as exc:
            refusal = exc.last
        except _Refused as exc:
            refusal = exc
        resp = refusal.resp
        code = None
        try:
            code = resp.json()["errors"][0]["code"]
        except (ValueError, KeyError, IndexError, TypeError):
            pass
        raise SpApiError(f"{method} {BASE}{path} for store {store.store_id}: HTTP {resp.status_code} "
                         f"{code or ''}".rstrip(), resp.status_code, code)

    async def destinations(self, store: StoreConfig) -> dict[str, str]:
        """The application's destinations: id → SQS queue ARN ("" for other kinds)."""
        token = await self.grantless_token(store)
        listed = (await self._call(store, "GET", "/destinations", token)).json().get("payload") or []
        return {str(d["destinationId"]): str(((d.get("resource") or {}).get("sqs") or {}).get("arn") or "")
                for d in listed}

    async def ensure_destination(self, store: StoreConfig, queue_arn: str) -> str:
        """The id of the application's destination for ``queue_arn``, created when missing."""
        for destination_id, arn in (await self.destinations(store)).items():
            if arn == queue_arn:
                return destination_id
        token = await self.grantless_token(store)
        created = await self._call(store, "POST", "/destinations", token, {
            "name": DESTINATION_NAME, "resourceSpecification": {"sqs": {"arn": queue_arn}}})
        return str(created.json()["payload"]["destinationId"])

    async def subscription(self, store: StoreConfig) -> dict[str, Any] | None:
        token = await self.lwa.access_token(store)
        resp = await self._call(store, "GET", f"/subscriptions/{ORDER_CHANGE}?payloadVersion={PAYLOAD_VERSION}",
                                token, ok=(200, 404))
        if resp.status_code == 404:
            return None
        payload = resp.json().get("payload")
        return payload if isinstance(payload, dict) else None

    async def subscribe(self, store: StoreConfig, destination_id: str) -> dict[str, Any]:
        """``ORDER_CHANGE`` 1.0 for the store's marketplace; an existing one is returned as it is."""
        existing = await self.subscription(store)
        if existing is not None:
            return existing
        token = await self.lwa.access_token(store)
        resp = await self._call(store, "POST", f"/subscriptions/{ORDER_CHANGE}", token, {
            "payloadVersion": PAYLOAD_VERSION, "destinationId": destination_id,
            "processingDirective": {"eventFilter": {"eventFilterType": ORDER_CHANGE,
                                                    "marketplaceIds": [store.marketplace_id]}}})
        return dict(resp.json()["payload"])

    async def unsubscribe(self, store: StoreConfig) -> bool:
        existing = await self.subscription(store)
        if existing is None:
            return False
        token = await self.grantless_token(store)
        await self._call(store, "DELETE", f"/subscriptions/{ORDER_CHANGE}/{existing['subscriptionId']}", token)
        return True


class _Refused(Exception):
    """An answer other than the expected ones; a throttle or 500/503 may pass on another attempt."""

    def __init__(self, resp: httpx.Response) -> None:
        super().__init__(f"HTTP {resp.status_code}")
        self.resp = resp
        self.passing = resp.status_code in (429, 500, 503)
