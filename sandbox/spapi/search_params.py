"""searchOrders / getOrder query parameters, validated as the v2026-01-01 model describes."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sandbox.spapi.clock import format_time, parse_time
from sandbox.spapi.errors import invalid_input
from sandbox.spapi.model import FULFILLED_BY, FULFILLMENT_STATUSES, INCLUDED_DATA

MIN_AGE_OF_BEFORE = timedelta(minutes=2)
MAX_MARKETPLACES = 50

GetList = Callable[[str], Sequence[str]]

QueryParams = GetList | Mapping[str, object]
"""Query parameters: a ``name -> all values`` callable, or a mapping of names to a value or a
list/tuple of values (non-strings are turned into strings, e.g. ``maxResultsPerPage=50``)."""


def as_get_list(params: QueryParams) -> GetList:
    if callable(params):
        return params
    mapping = params

    def get_list(name: str) -> Sequence[str]:
        value = mapping.get(name)
        if value is None:
            return []
        if isinstance(value, list | tuple):
            return [str(item) for item in value]
        return [str(value)]

    return get_list


@dataclass(frozen=True)
class SearchQuery:
    by_created: bool
    after: datetime
    before: datetime | None
    fulfillment_statuses: frozenset[str]
    fulfilled_by: frozenset[str]
    marketplace_ids: frozenset[str]
    max_results: int
    pagination_token: str | None
    included: frozenset[str]

    def fingerprint(self, seller_id: str) -> str:
        """Identifies the parameters a pagination token is bound to."""
        parts = [
            seller_id,
            "created" if self.by_created else "updated",
            format_time(self.after),
            format_time(self.before) if self.before else "-",
            ",".join(sorted(self.fulfillment_statuses)),
            ",".join(sorted(self.fulfilled_by)),
            ",".join(sorted(self.marketplace_ids)),
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()[:24]


def list_values(get_list: GetList, name: str) -> list[str]:
    """Arrays may come as repeated keys or as comma-separated values."""
    return [part.strip() for raw in get_list(name) for part in raw.split(",") if part.strip()]


def _single(get_list: GetList, name: str) -> str | None:
    values = get_list(name)
    return values[-1] if values else None


def _time(get_list: GetList, name: str) -> datetime | None:
    text = _single(get_list, name)
    if text is None:
        return None
    try:
        return parse_time(text)
    except ValueError as exc:
        raise invalid_input(f"Invalid {name}: {text!r} is not an ISO 8601 date-time.") from exc


def _enum_list(get_list: GetList, name: str, allowed: Sequence[str]) -> frozenset[str]:
    values = list_values(get_list, name)
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise invalid_input(f"Invalid {name}: {', '.join(unknown)}. Allowed values: {', '.join(allowed)}.")
    return frozenset(values)


def parse_included_data(get_list: GetList) -> frozenset[str]:
    return _enum_list(get_list, "includedData", INCLUDED_DATA)


def parse_search(get_list: GetList, now: datetime) -> SearchQuery:
    created_after = _time(get_list, "createdAfter")
    created_before = _time(get_list, "createdBefore")
    updated_after = _time(get_list, "lastUpdatedAfter")
    updated_before = _time(get_list, "lastUpdatedBefore")
    if (created_after is None) == (updated_after is None):
        raise invalid_input("Exactly one of createdAfter and lastUpdatedAfter must be provided.")
    by_created = created_after is not None
    if by_created and (updated_after or updated_before):
        raise invalid_input(
            "If createdAfter is provided, neither lastUpdatedAfter nor lastUpdatedBefore may be provided."
        )
    if not by_created and created_before:
        raise invalid_input(
            "If lastUpdatedAfter is provided, neither createdAfter nor createdBefore may be provided."
        )
    after = created_after if by_created else updated_after
    before = created_before if by_created else updated_before
    assert after is not None
    before_name = "createdBefore" if by_created else "lastUpdatedBefore"
    if before is not None:
        if before < after:
            raise invalid_input(
                f"{before_name} must be equal to or after "
                f"{'createdAfter' if by_created else 'lastUpdatedAfter'}."
            )
        if before > now - MIN_AGE_OF_BEFORE:
            raise invalid_input(f"{before_name} must be at least two minutes before the time of the request.")
    marketplace_ids = frozenset(list_values(get_list, "marketplaceIds"))
    if len(marketplace_ids) > MAX_MARKETPLACES:
        raise invalid_input(f"marketplaceIds accepts at most {MAX_MARKETPLACES} values.")
    raw_max = _single(get_list, "maxResultsPerPage")
    try:
        max_results = int(raw_max) if raw_max is not None else 100
    except ValueError as exc:
        raise invalid_input("maxResultsPerPage must be an integer between 1 and 100.") from exc
    if not 1 <= max_results <= 100:
        raise invalid_input("maxResultsPerPage must be an integer between 1 and 100.")
    return SearchQuery(
        by_created=by_created,
        after=after,
        before=before,
        fulfillment_statuses=_enum_list(get_list, "fulfillmentStatuses", FULFILLMENT_STATUSES),
        fulfilled_by=_enum_list(get_list, "fulfilledBy", FULFILLED_BY),
        marketplace_ids=marketplace_ids,
        max_results=max_results,
        pagination_token=_single(get_list, "paginationToken") or None,
        included=parse_included_data(get_list),
    )
