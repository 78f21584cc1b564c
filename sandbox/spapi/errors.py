"""Amazon-style error answers: ``{"errors": [{code, message, details}]}`` for SP-API operations."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """An SP-API error answer. ``rate_limit_header`` says whether Amazon would send
    ``x-amzn-RateLimit-Limit`` with it (only on 400/404 among errors)."""

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    @property
    def rate_limit_header(self) -> bool:
        return self.status in (400, 404)

    def body(self) -> dict[str, Any]:
        return {"errors": [{"code": self.code, "message": self.message, "details": self.details}]}


def invalid_input(message: str, details: str = "") -> ApiError:
    return ApiError(400, "InvalidInput", message, details)


def unauthorized(details: str) -> ApiError:
    return ApiError(403, "Unauthorized", "Access to requested resource is denied.", details)


def not_found(message: str) -> ApiError:
    return ApiError(404, "NotFound", message)


def quota_exceeded() -> ApiError:
    return ApiError(429, "QuotaExceeded", "You exceeded your quota for the requested resource.")


def internal_failure() -> ApiError:
    return ApiError(500, "InternalFailure", "We encountered an internal error. Please try again.")


def service_unavailable() -> ApiError:
    return ApiError(503, "ServiceUnavailable", "Service temporarily unavailable. Please try again.")


def for_status(status: int) -> ApiError:
    """The error Amazon sends for an injected status code."""
    known = {429: quota_exceeded, 500: internal_failure, 503: service_unavailable}
    if status in known:
        return known[status]()
    return ApiError(status, "InternalFailure", f"Injected failure with status {status}.")
