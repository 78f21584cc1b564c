"""The port the poller reads Amazon through: ``AmazonOrdersClient`` (Orders v2026-01-01).

Orders come back as raw JSON objects: mapping them is the domain's job, and the raw payload
is what a dead letter keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from schemas.types import StoreConfig

RawOrder = dict[str, Any]


def amazon_time(value: datetime) -> str:
    """ISO 8601 UTC with a ``Z``, second precision (what SP-API examples use)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class SearchQuery:
    """``searchOrders`` filters. Exactly one of ``last_updated_after``/``created_after``.
    A pagination token must be sent back with these same values."""

    last_updated_after: datetime | None = None
    last_updated_before: datetime | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    fulfillment_statuses: tuple[str, ...] = ()
    marketplace_ids: tuple[str, ...] = ()
    max_results_per_page: int = 100

    def __post_init__(self) -> None:
        if (self.last_updated_after is None) == (self.created_after is None):
            raise ValueError("send exactly one of lastUpdatedAfter and createdAfter")

    def params(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name, value in (("lastUpdatedAfter", self.last_updated_after),
                            ("lastUpdatedBefore", self.last_updated_before),
                            ("createdAfter", self.created_after),
                            ("createdBefore", self.created_before)):
            if value is not None:
                out[name] = amazon_time(value)
        if self.fulfillment_statuses:
            out["fulfillmentStatuses"] = ",".join(self.fulfillment_statuses)
        if self.marketplace_ids:
            out["marketplaceIds"] = ",".join(self.marketplace_ids)
        out["maxResultsPerPage"] = str(self.max_results_per_page)
        return out


@dataclass(frozen=True)
class SearchPage:
    orders: list[Any]  # raw order objects (not validated: a malformed one is dead-lettered)
    next_token: str | None = None
    last_updated_before: str | None = None


class SpApiError(RuntimeError):
    """SP-API answered with an error we do not retry (or retries ran out)."""

    def __init__(self, message: str, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


class Throttled(SpApiError):
    """Still throttled (429) after every retry."""


class AuthError(SpApiError):
    """LWA refused the credentials, or the secret could not be resolved."""


class AmazonOrdersClient(Protocol):
    async def search_orders(self, store: StoreConfig, query: SearchQuery,
                            pagination_token: str | None = None) -> SearchPage: ...

    async def get_order(self, store: StoreConfig, order_id: str) -> RawOrder | None:
        """The order, or None when Amazon does not know it (404)."""
        ...

    def amazon_now(self, store: StoreConfig) -> datetime:
        """Best estimate of Amazon's clock (windows are computed against it)."""
        ...

    async def learn_clock(self, store: StoreConfig) -> None:
        """Make sure ``amazon_now`` is based on Amazon's clock before the first window."""
        ...

    async def aclose(self) -> None: ...
