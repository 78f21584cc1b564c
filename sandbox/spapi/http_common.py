"""Helpers shared by the HTTP routers."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from urllib.parse import parse_qs

from fastapi import Request

REQUEST_ID_HEADER = "x-amzn-RequestId"
RATE_LIMIT_HEADER = "x-amzn-RateLimit-Limit"
ACCESS_TOKEN_HEADER = "x-amz-access-token"


def new_request_id() -> str:
    return str(uuid.uuid4())


class QueryLists:
    """``name -> all values`` view of the query string (repeated keys kept)."""

    def __init__(self, request: Request) -> None:
        self._params = request.query_params

    def __call__(self, name: str) -> Sequence[str]:
        return self._params.getlist(name)


async def read_form_or_json(request: Request) -> dict[str, str]:
    """LWA clients post form data (Python SDK) or JSON (Java helper); accept both."""
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        try:
            data = json.loads(raw or b"{}")
        except ValueError:
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}
    return {key: values[-1] for key, values in parse_qs(raw.decode("utf-8", "replace")).items()}
