"""``POST /auth/o2/token``: the Login with Amazon token exchange."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sandbox.spapi.auth import LwaError
from sandbox.spapi.http_common import read_form_or_json
from sandbox.spapi.state import SandboxState

LWA_FAULT_ERRORS = {429: "too_many_requests", 500: "server_error", 503: "temporarily_unavailable"}


def lwa_router(state: SandboxState) -> APIRouter:
    router = APIRouter()

    @router.post("/auth/o2/token")
    async def token(request: Request) -> JSONResponse:
        form = await read_form_or_json(request)
        seller_id = state.auth.seller_of_refresh_token(form.get("refresh_token", ""))
        fault = state.faults.take("token", seller_id)
        if fault.latency_seconds:
            await asyncio.sleep(fault.latency_seconds)
        if fault.status is not None:
            error = LWA_FAULT_ERRORS.get(fault.status, "server_error")
            return JSONResponse({"error": error, "error_description": "Injected failure"}, fault.status)
        try:
            return JSONResponse(
                state.auth.exchange(form, state.clock.now()),
                headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
            )
        except LwaError as exc:
            return JSONResponse(exc.body(), exc.status)

    return router
