"""Magento's error envelope parsed into typed errors, and the retryable/business split.

Envelope (Framework/Webapi/Rest/Response): ``{"message": "No such entity with %fieldName = %fieldValue",
"parameters": {"fieldName": "cartId", "fieldValue": 17}}``; positional parameters come as a list
(``%1``, ``%2``); aggregate errors add ``errors: [{message, parameters}]``."""

from __future__ import annotations

import json
import re
from typing import Any

RETRYABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
# Magento answers some transient database conditions with a 400 (LocalizedException) or masked 500.
TRANSIENT_MESSAGES = ("lock wait timeout", "deadlock found", "cart is locked", "try restarting transaction")
UNIQUE_VIOLATION = "unique constraint violation"


class MagentoError(Exception):
    """A failed Magento call. ``reason`` is short and human, ``reason_class`` a bounded metric label."""

    retryable: bool = False
    reason_class: str = "other"

    def __init__(
        self, reason: str, *, http_status: int | None = None, route: str = "", template: str | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.http_status = http_status
        self.route = route
        self.template = template


class RetryableError(MagentoError):
    """Timeouts, connection errors, 5xx, 429, lock waits: the same call may pass later."""

    retryable = True
    reason_class = "transient"


class BusinessError(MagentoError):
    """Magento refused the request for a reason that a retry does not change."""

    reason_class = "rejected"


class NotFound(BusinessError):
    reason_class = "not_found"


class UniqueViolation(BusinessError):
    """``Unique constraint violation found``: e.g. the increment id exists in that store."""

    reason_class = "duplicate"


class AuthError(BusinessError):
    reason_class = "auth"


class ConfigurationError(BusinessError):
    """Magento lacks a setting only the merchant can make (e.g. an exchange rate): the message says which;
    the order can be retried once it is made."""

    reason_class = "configuration"


def render_message(template: str, parameters: Any) -> str:
    """Fill ``%name`` / ``%1`` placeholders the way Magento's Phrase renderer does."""
    if isinstance(parameters, dict):

        def named(m: re.Match[str]) -> str:
            return str(parameters.get(m.group(1), m.group(0)))

        return re.sub(r"%([A-Za-z_][A-Za-z0-9_]*)", named, template)
    if isinstance(parameters, list):

        def positional(m: re.Match[str]) -> str:
            index = int(m.group(1)) - 1
            return str(parameters[index]) if 0 <= index < len(parameters) else m.group(0)

        return re.sub(r"%(\d+)", positional, template)
    return template


def parse_envelope(body: bytes | str) -> tuple[str, str | None]:
    """(rendered message, raw template) from an error body; falls back to the text itself."""
    text = body.decode(errors="replace") if isinstance(body, bytes) else body
    try:
        value = json.loads(text)
    except ValueError:
        return (text.strip()[:200] or "empty response"), None
    if isinstance(value, dict) and isinstance(value.get("message"), str):
        template = value["message"]
        message = render_message(template, value.get("parameters"))
        details = [
            render_message(e.get("message", ""), e.get("parameters"))
            for e in value.get("errors") or []
            if isinstance(e, dict)
        ]
        if details:
            message = f"{message} {'; '.join(d for d in details if d)}"
        return message, template
    if isinstance(value, dict) and isinstance(value.get("messages"), dict):  # fatal-error renderer
        errors = value["messages"].get("error") or [{}]
        return str(errors[0].get("message", "Internal error")), None
    return text.strip()[:200], None


def short_reason(message: str) -> str:
    """One line, no trailing full stop (the log entry adds its own), bounded length."""
    first = message.replace("\\n", "\n").splitlines()
    line = " ".join(part.strip() for part in first if part.strip()) or "unknown error"
    line = line.rstrip(". ")
    return line if len(line) <= 240 else line[:237] + "..."


def classify(status: int, body: bytes | str, route: str = "") -> MagentoError:
    """The typed error for a non-200 answer."""
    message, template = parse_envelope(body)
    reason = short_reason(message)
    lowered = message.lower()
    kwargs: dict[str, Any] = {"http_status": status, "route": route, "template": template}
    if status in RETRYABLE_STATUSES or any(t in lowered for t in TRANSIENT_MESSAGES):
        return RetryableError(reason, **kwargs)
    if UNIQUE_VIOLATION in lowered:
        return UniqueViolation(reason, **kwargs)
    if status == 404:
        return NotFound(reason, **kwargs)
    if status in (401, 403):
        return AuthError(reason, **kwargs)
    return BusinessError(reason, **kwargs)


def business_reason_class(error: MagentoError) -> str:
    """Bounded failure label for metrics: sku / stock / address / auth / configuration / duplicate / transient /
    other."""
    if error.retryable:
        return "transient"
    if isinstance(error, ConfigurationError):
        return error.reason_class
    text = error.reason.lower()
    if "product" in text or "sku" in text:
        return "sku"
    if "qty" in text or "stock" in text or "not enough" in text or "salable" in text:
        return "stock"
    if "address" in text or "region" in text or "postcode" in text or "country" in text:
        return "address"
    return error.reason_class
