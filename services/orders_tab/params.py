"""HTTP query parameters of the grid, validated (bad values are 422, never 500)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

from fastapi import HTTPException, Query

from schemas.types import FulfillmentChannel, MagentoState, TabStatus
from services.orders_tab.query import MAX_PAGE_SIZE, Direction, GridQuery, OptionalColumn, SortKey, decode_cursor

STORE_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,62}$"
ORDER_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
TEXT_PATTERN = r"^[^\x00-\x1f]*$"  # no control characters (PostgreSQL refuses NUL)
MAX_PAGE = 100_000
MAX_TOTAL = Decimal("1000000000000")

_STORE_RE = re.compile(STORE_ID_PATTERN)
_ORDER_RE = re.compile(ORDER_ID_PATTERN)
MAX_BULK = 200  # orders per bulk action: a page of the grid at most


def parse_order_keys(values: list[str]) -> list[tuple[str, str]]:
    """The grid's selected rows, each ``<store id>/<Amazon order id>``; 422 for a malformed one."""
    if len(values) > MAX_BULK:
        raise HTTPException(422, detail=f"select at most {MAX_BULK} orders at once")
    keys: list[tuple[str, str]] = []
    for value in values:
        store_id, _, order_id = value.partition("/")
        if not (_STORE_RE.match(store_id) and _ORDER_RE.match(order_id)):
            raise HTTPException(422, detail=f"invalid order selection {value[:80]!r}: expected STORE/ORDER")
        keys.append((store_id, order_id))
    return list(dict.fromkeys(keys))


def _as_utc(value: datetime | None) -> datetime | None:
    """UTC for the database: any offset Python accepts (up to ±24 h) is converted here, since
    PostgreSQL refuses offsets beyond ±15:59 and a naive value means UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError as exc:
        raise HTTPException(422, detail=f"date {value.isoformat()} is out of range") from exc


def grid_query(
    store: Annotated[list[str] | None, Query(description="Store ids (repeat for several)", max_length=100)] = None,
    status: Annotated[
        list[TabStatus] | None,
        Query(
            description="Statuses (repeat for several). Default: every status but Pending; "
            "orders still Pending are listed only when Pending is asked for."
        ),
    ] = None,
    purchased_from: Annotated[
        datetime | None, Query(description="Purchase date from (ISO 8601, UTC if no offset)")
    ] = None,
    purchased_to: Annotated[datetime | None, Query(description="Purchase date to (inclusive)")] = None,
    amazon_order_id: Annotated[
        str | None,
        Query(description="Amazon order number, or its beginning", max_length=100, pattern=TEXT_PATTERN),
    ] = None,
    buyer_name: Annotated[
        str | None,
        Query(description="Part of the buyer name (case-insensitive)", max_length=100, pattern=TEXT_PATTERN),
    ] = None,
    total_min: Annotated[Decimal | None, Query(ge=0, le=MAX_TOTAL, decimal_places=4)] = None,
    total_max: Annotated[Decimal | None, Query(ge=0, le=MAX_TOTAL, decimal_places=4)] = None,
    fulfillment_channel: Annotated[FulfillmentChannel | None, Query()] = None,
    is_prime: Annotated[bool | None, Query()] = None,
    reserved: Annotated[bool | None, Query()] = None,
    magento_state: Annotated[list[MagentoState] | None, Query(description="Magento-order states")] = None,
    sort: Annotated[SortKey, Query(description="Column to sort by")] = SortKey.PURCHASE_DATE,
    direction: Annotated[Direction, Query()] = Direction.DESC,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    columns: Annotated[list[OptionalColumn] | None, Query(description="Optional columns to include")] = None,
    after: Annotated[
        str | None,
        Query(description="Keyset paging: the `next_after` of the previous page (same filters, sort and "
              "direction); any depth costs what the first page costs. `page` is then ignored.",
              max_length=2000, pattern=r"^[A-Za-z0-9_-]*$"),
    ] = None,
) -> GridQuery:
    stores = tuple(s for s in (store or []) if s)
    bad = [s for s in stores if not _STORE_RE.match(s)]
    if bad:
        raise HTTPException(422, detail=f"invalid store id {bad[0][:70]!r}: lowercase letters, digits, '-' and '_'")
    if total_min is not None and total_max is not None and total_min > total_max:
        raise HTTPException(422, detail="total_min must not be greater than total_max")
    q = GridQuery(
        stores=stores,
        statuses=tuple(dict.fromkeys(status or [])),
        purchased_from=_as_utc(purchased_from),
        purchased_to=_as_utc(purchased_to),
        amazon_order_id=amazon_order_id or None,
        buyer_name=buyer_name or None,
        total_min=total_min,
        total_max=total_max,
        fulfillment_channel=fulfillment_channel,
        is_prime=is_prime,
        reserved=reserved,
        magento_states=tuple(dict.fromkeys(magento_state or [])),
        sort=sort,
        direction=direction,
        page=page,
        page_size=page_size,
        columns=tuple(dict.fromkeys(columns or [])),
    )
    if not after:
        return q
    try:
        return replace(q, after=decode_cursor(q, after), page=1)
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from None
