"""Feeds API v2021-06-30 routes (``sandbox/spapi/feeds.py`` holds the rules) and the presigned
document URLs (``/_sandbox/feed-documents/{id}``: PUT to upload, GET to download, no token, as S3).

Each operation checks, in Amazon's order: the access token (403), injected faults, its usage plan
(429), the body (400), then the resource (404)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from sandbox.spapi import errors
from sandbox.spapi.http_common import ACCESS_TOKEN_HEADER, RATE_LIMIT_HEADER, REQUEST_ID_HEADER, new_request_id
from sandbox.spapi.ratelimit import UsagePlan
from sandbox.spapi.state import SandboxState

BASE = "/feeds/2021-06-30"
DOCUMENT_URL = "/_sandbox/feed-documents/{document_id}"
PLANS = {  # feeds_2021-06-30.json usage plans
    "createFeedDocument": UsagePlan(0.5, 15),
    "createFeed": UsagePlan(0.0083, 15),
    "getFeed": UsagePlan(2.0, 15),
    "getFeedDocument": UsagePlan(0.0222, 10),
}


def feeds_router(state: SandboxState) -> APIRouter:
    router = APIRouter()
    for operation, plan in PLANS.items():
        state.rate_limiter.plans.setdefault(operation, plan)

    async def answer(operation: str, request: Request, status: int,
                     work: Callable[[str, Any], dict[str, Any]]) -> Response:
        headers = {REQUEST_ID_HEADER: new_request_id()}
        try:
            seller_id = state.auth.seller_for(request.headers.get(ACCESS_TOKEN_HEADER), state.clock.now())
            fault = state.faults.take(operation, seller_id)
            if fault.latency_seconds:
                await asyncio.sleep(fault.latency_seconds)
            if fault.status is not None:
                raise errors.for_status(fault.status)
            if not state.rate_limiter.try_acquire(seller_id, operation):
                raise errors.quota_exceeded()
            body: Any = None
            if request.method == "POST":
                try:
                    body = json.loads(await request.body() or b"null")
                except ValueError:
                    raise errors.invalid_input("The request body is not valid JSON.") from None
            result = work(seller_id, body)
        except errors.ApiError as exc:
            if exc.rate_limit_header:
                headers[RATE_LIMIT_HEADER] = state.rate_limiter.header_value(operation)
            return JSONResponse(exc.body(), exc.status, headers=headers)
        headers[RATE_LIMIT_HEADER] = state.rate_limiter.header_value(operation)
        return JSONResponse(result, status, headers=headers)

    def url_of(request: Request, document_id: str) -> str:
        return str(request.base_url).rstrip("/") + DOCUMENT_URL.format(document_id=document_id)

    @router.post(f"{BASE}/documents")
    async def create_feed_document(request: Request) -> Response:
        def work(seller_id: str, body: Any) -> dict[str, Any]:
            document = state.feeds.create_document(seller_id, body)
            return {"feedDocumentId": document.document_id, "url": url_of(request, document.document_id)}

        return await answer("createFeedDocument", request, 201, work)

    @router.post(f"{BASE}/feeds")
    async def create_feed(request: Request) -> Response:
        def work(seller_id: str, body: Any) -> dict[str, Any]:
            return {"feedId": state.feeds.create_feed(seller_id, body, state.clock.now()).feed_id}

        return await answer("createFeed", request, 202, work)

    @router.get(f"{BASE}/feeds/{{feed_id}}")
    async def get_feed(feed_id: str, request: Request) -> Response:
        def work(seller_id: str, _body: Any) -> dict[str, Any]:
            return state.feeds.advance(seller_id, feed_id, state.clock.now(), state.cancel_by_seller).as_json()

        return await answer("getFeed", request, 200, work)

    @router.get(f"{BASE}/documents/{{document_id}}")
    async def get_feed_document(document_id: str, request: Request) -> Response:
        def work(seller_id: str, _body: Any) -> dict[str, Any]:
            document = state.feeds.document(seller_id, document_id)
            return {"feedDocumentId": document.document_id, "url": url_of(request, document.document_id)}

        return await answer("getFeedDocument", request, 200, work)

    @router.put(DOCUMENT_URL)
    async def upload(document_id: str, request: Request) -> Response:
        try:
            state.feeds.upload(document_id, await request.body())
        except errors.ApiError as exc:
            return JSONResponse(exc.body(), exc.status)
        return Response(status_code=200)

    @router.get(DOCUMENT_URL)
    async def download(document_id: str) -> Response:
        try:
            content = state.feeds.download(document_id)
        except errors.ApiError as exc:
            return JSONResponse(exc.body(), exc.status)
        return Response(content, media_type="text/xml")

    return router
