"""Structured logs (JSON by default) with secrets and buyer PII redacted.

- Every line is one JSON object: ``timestamp`` (UTC, ISO 8601), ``level``, ``logger``, ``event``
  (the message), ``service`` and whatever context is bound: bind the store and the order with
  :func:`bind_order` / :func:`bind_store` (``with bind_order(store_id, amazon_order_id): ...``) so
  every line logged inside carries ``store_id`` and ``amazon_order_id``.
- Redaction runs last, after exceptions are formatted, on keys at any depth and on values:
  secret keys (tokens, passwords, client secrets, Authorization) become ``[redacted]``, buyer
  personal-data keys (name, email, phone, address, ...) become ``[pii]``; inside any string,
  e-mail addresses, bearer and LWA tokens and passwords in URLs are masked too. Amazon order ids,
  SKUs and store ids are not personal data and stay.
- Logs of kafka-python, Faust and uvicorn go through the same processors (stdlib bridge).
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

import structlog


def _norm(key: str) -> str:
    return re.sub(r"[^a-z0-9]", "", key.lower())


SECRET_KEYS = {"refresh_token", "access_token", "client_secret", "password", "token", "authorization",
               "x-amz-access-token", "consumer_secret", "access_token_secret", "lwa_secret", "consumer_key",
               "api_key", "apikey", "secret", "passwd", "cookie", "set-cookie", "private_key",
               "magento_auth", "orders_tab_token", "bearer", "credentials", "x-api-key"}
PII_KEYS = {"buyer_name", "buyer_email", "ship_to", "address", "email", "name_on_order", "phone",
            "buyer_info", "buyerinfo", "shipping_address", "shippingaddress", "billing_address",
            "address_line1", "address_line2", "address_line3", "street", "postal_code", "postcode",
            "telephone", "phone_number", "firstname", "lastname", "first_name", "last_name",
            "customer_email", "customer_firstname", "customer_lastname", "buyer_tax_info",
            "buyer_company_name", "recipient", "recipient_name", "default_shipping", "default_billing",
            "delivery_phone", "delivery_preferences", "address_instruction", "drop_off_location", "gift",
            "gift_message", "gift_messages", "tax_registrations", "buyer_tax_registrations", "legal_name"}
_SECRET_NORM = {_norm(k) for k in SECRET_KEYS}
_PII_NORM = {_norm(k) for k in PII_KEYS}
# Keys that only name a secret (``env:LWA_US``) are safe to log.
_REFERENCE_SUFFIXES = ("ref", "refs")

EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
BEARER_RE = re.compile(r"(?i)\b(bearer|basic|oauth)\s+[A-Za-z0-9._~+/=\-,\"]{8,}")
LWA_TOKEN_RE = re.compile(r"\bAtz[ar]\|[A-Za-z0-9_\-|.=+/]+")  # LWA access / refresh tokens
URL_PASSWORD_RE = re.compile(r"(?P<scheme>[a-z][a-z0-9+.\-]*://[^:/@\s]*:)[^@\s/]+@", re.IGNORECASE)
SECRET_PARAM_RE = re.compile(
    r"(?i)\b(refresh_token|access_token|client_secret|password|api_key|token)=([^&\s\"']+)")


def _secret_key(key: str) -> bool:
    n = _norm(key)
    if any(n.endswith(s) for s in _REFERENCE_SUFFIXES) and n not in _SECRET_NORM:
        return False
    return n in _SECRET_NORM or n.endswith("token") or n.endswith("secret") or n.endswith("password")


def _pii_key(key: str) -> bool:
    return _norm(key) in _PII_NORM


def scrub_text(text: str) -> str:
    """Mask e-mail addresses, bearer/LWA tokens and credentials inside free text."""
    text = URL_PASSWORD_RE.sub(r"\g<scheme>[redacted]@", text)
    text = EMAIL_RE.sub("[email]", text)
    text = LWA_TOKEN_RE.sub("[redacted]", text)
    text = BEARER_RE.sub(lambda m: f"{m.group(1)} [redacted]", text)
    return SECRET_PARAM_RE.sub(lambda m: f"{m.group(1)}=[redacted]", text)


def redact_value(value: Any, depth: int = 0) -> Any:
    if depth > 8:
        return "[truncated]"
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping):
        return {k: _redact_item(str(k), v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [redact_value(v, depth + 1) for v in value]
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return scrub_text(str(value))


def _redact_item(key: str, value: Any, depth: int) -> Any:
    if _secret_key(key):
        return "[redacted]"
    if _pii_key(key):
        return "[pii]"
    return redact_value(value, depth)


def _redact(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    for k in list(event):
        event[k] = _redact_item(k, event[k], 0)
    return event


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
    ]


_STATE: dict[str, Any] = {"service": None, "handler": None}


class _NamedPrintLogger(structlog.PrintLogger):
    def __init__(self, file: TextIO, name: str) -> None:
        super().__init__(file)
        self.name = name


class _ProcessStderr:
    """The process's real stderr (``sys.__stderr__``), looked up at each write: not ``sys.stderr``,
    which Faust's worker redirects into logging (a loop) and test runners swap and close."""

    @staticmethod
    def _target() -> TextIO:
        return sys.__stderr__ or sys.stderr

    def write(self, text: str) -> int:
        return self._target().write(text)

    def flush(self) -> None:
        self._target().flush()


def _logger_factory(out: TextIO) -> Any:
    return lambda *args: _NamedPrintLogger(out, str(args[0]) if args else "")


def _add_service(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    if _STATE["service"] and "service" not in event:
        event["service"] = _STATE["service"]
    return event


def configure(level: str = "INFO", fmt: str = "json", service: str | None = None,
              stream: TextIO | None = None) -> None:
    """Configure structlog and the stdlib root logger. ``service`` is added to every line
    (default: the ``sales-channel`` subcommand, as for the metrics)."""
    from services.common.metrics import service_name

    _STATE["service"] = service_name(service)
    out: Any = stream if stream is not None else _ProcessStderr()
    lvl = logging.getLevelName(level.upper())
    lvl = lvl if isinstance(lvl, int) else logging.INFO
    renderer: Any = (structlog.processors.JSONRenderer(sort_keys=False) if fmt == "json"
                     else structlog.dev.ConsoleRenderer(colors=False))
    tail: list[Any] = [structlog.processors.format_exc_info, _add_service, _redact]
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.add_logger_name,
                    structlog.processors.StackInfoRenderer(), *tail, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(lvl),
        logger_factory=_logger_factory(out),
        cache_logger_on_first_use=False,
    )
    handler = logging.StreamHandler(out)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_shared_processors(), structlog.stdlib.add_logger_name,
                           structlog.stdlib.ExtraAdder()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *tail, renderer],
    ))
    root = logging.getLogger()
    for h in list(root.handlers):
        if getattr(h, "_sales_channel", False):
            root.removeHandler(h)
    handler.addFilter(RepeatFilter())
    handler._sales_channel = True  # type: ignore[attr-defined]
    _STATE["handler"] = handler
    root.addHandler(handler)
    root.setLevel(lvl)
    for noisy in ("kafka", "aiokafka", "faust", "mode", "httpx", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, lvl))


def faust_worker_options() -> dict[str, Any]:
    """Keyword arguments for ``faust.Worker`` that keep its logging ours (JSON, redacted).

    A Faust/mode worker clears the root logger's handlers at start and installs a coloured text
    handler on stdout; with these it installs ours instead::

        faust.Worker(app, loglevel=settings.log_level, quiet=True, **faust_worker_options())
    """
    handler = _STATE.get("handler")
    if handler is None:
        configure()
        handler = _STATE["handler"]
    level = logging.getLogger().level or logging.INFO
    return {"loghandlers": [handler],
            "logging_config": {"version": 1, "disable_existing_loggers": False,
                               "root": {"level": level, "handlers": []}}}


def get_logger(name: str) -> Any:
    """A structlog logger whose lines carry ``logger=name`` (lazy: configure() may come later)."""
    return structlog.get_logger(name)


@contextmanager
def bind_order(store_id: str, amazon_order_id: str | None = None, **extra: Any) -> Iterator[None]:
    """Bind the store and Amazon order ids (and ``extra``, e.g. ``magento_order_id``) to every
    log line in the block, in this thread or asyncio task."""
    ctx = {"store_id": store_id, **({"amazon_order_id": amazon_order_id} if amazon_order_id else {}), **extra}
    with structlog.contextvars.bound_contextvars(**ctx):
        yield


def bind_store(store_id: str, **extra: Any) -> Any:
    """``with bind_store("us-main"): ...`` binds the store id."""
    return bind_order(store_id, None, **extra)


class RepeatFilter(logging.Filter):
    """Lets the first of a run of identical client warnings/errors through and drops the rest for
    ``window_s`` (a lost broker makes the Kafka clients log on every retry, ~100 lines/s)."""

    NOISY = ("kafka", "aiokafka", "faust", "mode")

    def __init__(self, window_s: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.window_s = window_s
        self.clock = clock
        self.seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING or not record.name.startswith(self.NOISY):
            return True
        key = (record.name, str(record.msg))
        now = self.clock()
        first, dropped = self.seen.get(key, (None, 0))
        if first is None or now - first >= self.window_s:
            self.seen[key] = (now, 0)
            if dropped:
                record.msg = f"{record.msg} [{dropped} similar lines suppressed in the last {self.window_s:.0f} s]"
            return True
        self.seen[key] = (first, dropped + 1)
        return False
