"""Structured logs (JSON by default) with secrets and buyer PII redacted."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

SECRET_KEYS = {"refresh_token", "access_token", "client_secret", "password", "token", "authorization",
               "x-amz-access-token", "consumer_secret", "access_token_secret", "lwa_secret"}
PII_KEYS = {"buyer_name", "buyer_email", "ship_to", "address", "email", "name_on_order", "phone"}


def _redact(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    for k in list(event):
        lk = k.lower()
        if lk in SECRET_KEYS or lk.endswith("_token") or lk.endswith("_secret"):
            event[k] = "[redacted]"
        elif lk in PII_KEYS:
            event[k] = "[pii]"
    return event


def configure(level: str = "INFO", fmt: str = "json") -> None:
    renderer: Any = structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    logging.basicConfig(level=level.upper(), stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for noisy in ("kafka", "aiokafka", "faust", "mode", "httpx", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level.upper())))


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)
