"""Read side: the grid query (filters, sorting, paging, counts), order details, store
dashboards. Shared by the JSON API and the web page; no HTTP in here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, case, func, literal, select, text, tuple_

from schemas.types import FulfillmentChannel, MagentoState, TabStatus
from services.orders_tab.models import LogRow, OffsetRow, OrderRow, StoreRow

O = OrderRow.__table__.c  # noqa: E741
L = LogRow.__table__.c
S = StoreRow.__table__.c
OFFSETS = OffsetRow.__table__.c

MAX_PAGE_SIZE = 200
COUNT_CAP = 1_000  # counted exactly up to here; beyond, the planner's estimate ("about N")
UNSHIPPED_STATUSES = (TabStatus.UNSHIPPED.value, TabStatus.PARTIALLY_SHIPPED.value)


class SortKey(StrEnum):
    AMAZON_ORDER_ID = "amazon_order_id"
    STORE = "store"
    MAGENTO_ORDER_NUMBER = "magento_order_number"
    BUYER_NAME = "buyer_name"
    STATUS = "status"
    TOTAL = "total"
    FULFILLMENT_CHANNEL = "fulfillment_channel"
    ITEMS_UNSHIPPED = "items_unshipped"
    RESERVED = "reserved"
    PURCHASE_DATE = "purchase_date"
    LATEST_SHIP_DATE = "latest_ship_date"
    LAST_ACTION = "last_action"
    ORDER_ID = "order_id"
    MERCHANT_ID = "merchant_id"
    IS_PRIME = "is_prime"
    ITEMS_SHIPPED = "items_shipped"


class Direction(StrEnum):
    ASC = "asc"
    DESC = "desc"


class OptionalColumn(StrEnum):
    ORDER_ID = "order_id"
    MERCHANT_ID = "merchant_id"
    IS_PRIME = "is_prime"
    ITEMS_SHIPPED = "items_shipped"


SORT_COLUMNS: dict[SortKey, Any] = {
    SortKey.AMAZON_ORDER_ID: O.amazon_order_id,
    SortKey.STORE: O.store_id,
    SortKey.MAGENTO_ORDER_NUMBER: O.magento_order_number,
    SortKey.BUYER_NAME: O.buyer_name,
    SortKey.STATUS: O.status,
    SortKey.TOTAL: O.total_amount,
    SortKey.FULFILLMENT_CHANNEL: O.fulfillment_channel,
    SortKey.ITEMS_UNSHIPPED: O.items_unshipped,
    SortKey.RESERVED: O.reserved,
    SortKey.PURCHASE_DATE: O.purchase_date,
    SortKey.LATEST_SHIP_DATE: O.latest_ship_date,
    SortKey.LAST_ACTION: O.last_action,
    SortKey.ORDER_ID: O.order_id,
    SortKey.MERCHANT_ID: O.merchant_id,
    SortKey.IS_PRIME: O.is_prime,
    SortKey.ITEMS_SHIPPED: O.items_shipped,
}


@dataclass(frozen=True)
class GridQuery:
    """Every filter of SPEC §3, a sort and a page."""

    stores: tuple[str, ...] = ()
    statuses: tuple[TabStatus, ...] = ()
    purchased_from: datetime | None = None
    purchased_to: datetime | None = None
    amazon_order_id: str | None = None
    buyer_name: str | None = None
    total_min: Decimal | None = None
    total_max: Decimal | None = None
    fulfillment_channel: FulfillmentChannel | None = None
    is_prime: bool | None = None
    reserved: bool | None = None
    magento_states: tuple[MagentoState, ...] = ()
    sort: SortKey = SortKey.PURCHASE_DATE
    direction: Direction = Direction.DESC
    page: int = 1
    page_size: int = 50
    columns: tuple[OptionalColumn, ...] = ()
    after: tuple[Any, ...] | None = None  # keyset: the sort values of the previous page's last row


@dataclass
class GridPage:
    rows: list[dict[str, Any]]
    total: int
    total_exact: bool
    query: GridQuery
    store_names: dict[str, str] = field(default_factory=dict)
    store_time_zones: dict[str, str] = field(default_factory=dict)  # IANA names; a store missing here: UTC
    next_after: tuple[Any, ...] | None = None  # keyset of the next page; None on the last page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.page_size))


def utc(value: datetime | None) -> datetime | None:
    """Datetimes from SQLite come back naive; every stored datetime is UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(q: GridQuery) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if q.statuses:
        conds.append(O.status.in_([s.value for s in q.statuses]))
        if TabStatus.PENDING not in q.statuses:
            conds.append(O.on_tab.is_(True))
    else:  # the default view: orders on the tab, Pending ones only when asked for
        conds += [O.on_tab.is_(True), O.status != TabStatus.PENDING.value]
    if q.stores:
        conds.append(O.store_id.in_(q.stores))
    if q.purchased_from is not None:
        conds.append(O.purchase_date >= q.purchased_from)
    if q.purchased_to is not None:
        conds.append(O.purchase_date <= q.purchased_to)
    if q.amazon_order_id:
        conds.append(O.amazon_order_id.like(_like_escape(q.amazon_order_id.strip()) + "%", escape="\\"))
    if q.buyer_name:
        pattern = "%" + _like_escape(q.buyer_name.strip().lower()) + "%"
        conds.append(func.lower(O.buyer_name).like(pattern, escape="\\"))
    if q.total_min is not None:
        conds.append(O.total_amount >= q.total_min)
    if q.total_max is not None:
        conds.append(O.total_amount <= q.total_max)
    if q.fulfillment_channel is not None:
        conds.append(O.fulfillment_channel == q.fulfillment_channel.value)
    if q.is_prime is not None:
        conds.append(O.is_prime.is_(q.is_prime))
    if q.reserved is not None:
        conds.append(O.reserved.is_(q.reserved))
    if q.magento_states:
        conds.append(O.magento_state.in_([m.value for m in q.magento_states]))
    return conds


def _count(conn: Connection, where: ColumnElement[bool], bitmap_ok: bool = True) -> tuple[int, bool]:
    capped = select(literal(1)).select_from(OrderRow.__table__).where(where).limit(COUNT_CAP + 1).subquery()
    postgres = conn.dialect.name == "postgresql"
    # A bitmap scan reads every match before the LIMIT applies; an index or sequential scan stops
    # at the cap. (GIN, for buyer names, only works through bitmaps.)
    steer = postgres and not bitmap_ok
    if steer:
        conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
    try:
        n = conn.execute(select(func.count()).select_from(capped)).scalar_one()
    finally:
        if steer:
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = on")
    if n <= COUNT_CAP:
        return int(n), True
    if conn.dialect.name == "postgresql":
        stmt = select(O.store_id).where(where)
        compiled = stmt.compile(conn, compile_kwargs={"literal_binds": True})
        plan = conn.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}")).scalar_one()
        plan = plan if isinstance(plan, list) else __import__("json").loads(plan)
        estimate = int(plan[0]["Plan"]["Plan Rows"])
        return max(estimate, COUNT_CAP + 1), False
    return int(conn.execute(select(func.count()).select_from(OrderRow.__table__).where(where)).scalar_one()), True


def sort_order(q: GridQuery) -> list[Any]:
    """The columns a page is ordered by: the sort column, then purchase date and the key, so every
    row has one place (stable ties; every sortable column has an index on (column, purchase_date))."""
    tie = [O.purchase_date, O.store_id, O.amazon_order_id]
    return tie if q.sort is SortKey.PURCHASE_DATE else [SORT_COLUMNS[q.sort], *tie]


def keyset_values(q: GridQuery, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c.name] for c in sort_order(q))


def _after(q: GridQuery, after: tuple[Any, ...]) -> list[ColumnElement[bool]]:
    """Rows strictly after ``after`` in the grid's order, as segments read one after the other. A
    NULL sorts as the largest value (last ascending, first descending: PostgreSQL's default, so its
    indexes serve both directions). Each segment is one range of the (column, ties) index, so
    PostgreSQL seeks to it: an ``OR`` of the non-NULL range and the NULLs would make it read every
    row before the cursor (page 1,000 sorted by buyer name)."""
    cols = sort_order(q)
    desc = q.direction is Direction.DESC
    if q.sort is SortKey.PURCHASE_DATE:  # no NULLs
        return [tuple_(*cols) < tuple_(*after) if desc else tuple_(*cols) > tuple_(*after)]
    lead, value = cols[0], after[0]
    tie_cols, tie_vals = tuple_(*cols[1:]), tuple_(*after[1:])
    tie_after = tie_cols < tie_vals if desc else tie_cols > tie_vals
    if value is None:  # inside the NULLs: first descending, last ascending
        return [and_(lead.is_(None), tie_after), lead.is_not(None)] if desc else [and_(lead.is_(None), tie_after)]
    if desc:
        return [and_(lead.is_not(None), tuple_(*cols) < tuple_(*after))]
    # A row comparison with a NULL column is never true: the first segment holds no NULLs.
    return [tuple_(*cols) > tuple_(*after), lead.is_(None)]


def _page(q: GridQuery, where: ColumnElement[bool], limit: int, columns: list[Any] | None = None) -> Select[Any]:
    """Rows matching ``where`` in the grid's order, at most ``limit``."""
    cols = sort_order(q)
    if q.direction is Direction.DESC:
        order_by = [c.desc().nulls_first() for c in cols]
    else:
        order_by = [c.asc().nulls_last() for c in cols]
    return select(*(columns or [OrderRow.__table__])).where(where).order_by(*order_by).limit(limit)


def _rows_after(conn: Connection, q: GridQuery, where: ColumnElement[bool], after: tuple[Any, ...] | None,
                limit: int, columns: list[Any] | None = None) -> list[dict[str, Any]]:
    """At most ``limit`` rows matching ``where`` after the keyset ``after`` (from the first row
    without one), in the grid's order: each segment of ``_after`` in turn until the page is full."""
    if after is None:
        return [dict(r._mapping) for r in conn.execute(_page(q, where, limit, columns))]
    rows: list[dict[str, Any]] = []
    for segment in _after(q, after):
        stmt = _page(q, and_(where, segment), limit - len(rows), columns)
        rows += [dict(r._mapping) for r in conn.execute(stmt)]
        if len(rows) >= limit:
            break
    return rows


def grid(conn: Connection, q: GridQuery) -> GridPage:
    """One page: after ``q.after`` (keyset, any depth at the cost of the first page) or, for
    ``page`` > 1 without a keyset, by offset (kept for links to a page number)."""
    where = and_(true_(), *conditions(q))
    if q.after is None and q.page > 1:
        stmt = _page(q, where, q.page_size + 1).offset((q.page - 1) * q.page_size)
        rows = [dict(r._mapping) for r in conn.execute(stmt)]
    else:
        rows = _rows_after(conn, q, where, q.after, q.page_size + 1)
    more = len(rows) > q.page_size
    rows = rows[: q.page_size]
    # "buyer name contains" can only use its trigram index through a bitmap scan
    total, exact = _count(conn, where, bitmap_ok=bool(q.buyer_name))
    names = store_names(conn, {r["store_id"] for r in rows})
    zones = store_time_zones(conn, {r["store_id"] for r in rows})
    next_after = keyset_values(q, rows[-1]) if more and rows else None
    return GridPage(rows=rows, total=total, total_exact=exact, query=q, store_names=names, store_time_zones=zones,
                    next_after=next_after)


def projection_stamp(conn: Connection) -> str:
    """Moves whenever the projector commits a batch (its stored offsets grow with every applied
    record): the grid's live refresh re-reads a page only after it moved. One small aggregate over a
    row per topic partition, whatever the number of orders."""
    total, partitions = conn.execute(
        select(func.coalesce(func.sum(OFFSETS.next_offset), 0), func.count())
    ).one()
    return f"{total}.{partitions}"


EXPORT_CHUNK = 1_000
# Every column but the items (the grid and its export never show them).
ROW_COLUMNS = [c for c in OrderRow.__table__.columns if c.name != "items"]


def every_row(conn: Connection, q: GridQuery, chunk: int = EXPORT_CHUNK) -> Iterator[dict[str, Any]]:
    """Every row the grid's filters match, in its order, read ``chunk`` rows at a time by keyset (a
    million rows cost a thousand index range reads, and memory holds one chunk). ``q``'s page and
    cursor are ignored: an export starts at the first row."""
    where = and_(true_(), *conditions(q))
    after: tuple[Any, ...] | None = None
    while True:
        rows = _rows_after(conn, q, where, after, chunk, ROW_COLUMNS)
        yield from rows
        if len(rows) < chunk:
            return
        after = keyset_values(q, rows[-1])


def true_() -> ColumnElement[bool]:
    from sqlalchemy import true

    return true()


def store_names(conn: Connection, store_ids: set[str] | None = None) -> dict[str, str]:
    stmt = select(S.store_id, S.name)
    if store_ids is not None:
        if not store_ids:
            return {}
        stmt = stmt.where(S.store_id.in_(sorted(store_ids)))
    return {sid: name or sid for sid, name in conn.execute(stmt)}


def store_time_zones(conn: Connection, store_ids: set[str]) -> dict[str, str]:
    """The stores' time zones (IANA names) where set; the others show their dates in UTC."""
    if not store_ids:
        return {}
    stmt = select(S.store_id, S.time_zone).where(S.store_id.in_(sorted(store_ids)), S.time_zone.is_not(None))
    return {sid: zone for sid, zone in conn.execute(stmt)}


def stores(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(select(StoreRow.__table__).order_by(S.name, S.store_id))]


def store(conn: Connection, store_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(StoreRow.__table__).where(S.store_id == store_id)).first()
    return dict(row._mapping) if row else None


def order(conn: Connection, store_id: str, amazon_order_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        select(OrderRow.__table__).where(O.store_id == store_id, O.amazon_order_id == amazon_order_id)
    ).first()
    return dict(row._mapping) if row else None


def failed_orders(conn: Connection, keys: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Which of ``keys`` are orders whose Magento order failed (the rows a bulk retry acts on), in
    the given order."""
    if not keys:
        return []
    stmt = select(O.store_id, O.amazon_order_id).where(
        tuple_(O.store_id, O.amazon_order_id).in_(keys), O.magento_state == MagentoState.FAILED.value
    )
    found = {(s, o) for s, o in conn.execute(stmt)}
    return [k for k in keys if k in found]


def order_log(conn: Connection, store_id: str, amazon_order_id: str) -> list[dict[str, Any]]:
    stmt = (
        select(L.seq, L.at, L.message, L.level)
        .where(L.store_id == store_id, L.amazon_order_id == amazon_order_id)
        .order_by(L.seq)
    )
    return [dict(r._mapping) for r in conn.execute(stmt)]


def ship_urgency(row: dict[str, Any], now: datetime, near_hours: float) -> str | None:
    """'past' or 'near' when an unshipped order's Latest Ship Date is past or within the window."""
    lsd = utc(row.get("latest_ship_date"))
    if lsd is None or row.get("status") not in UNSHIPPED_STATUSES:
        return None
    if lsd < now:
        return "past"
    if lsd <= now + timedelta(hours=near_hours):
        return "near"
    return None


@dataclass
class Dashboard:
    store: dict[str, Any]
    by_status: dict[str, int]
    reserved_orders: int
    reserved_units: int
    magento_failed: int
    failed_orders: list[dict[str, Any]]
    ship_past: int
    ship_near: int
    at_risk_orders: list[dict[str, Any]]
    near_hours: float


def dashboard(
    conn: Connection, store_id: str, near_hours: float, now: datetime | None = None, limit: int = 20
) -> Dashboard | None:
    st = store(conn, store_id)
    if st is None:
        return None
    now = now or datetime.now(UTC)
    by_status = {s.value: 0 for s in TabStatus}
    for status, n in conn.execute(select(O.status, func.count()).where(O.store_id == store_id).group_by(O.status)):
        by_status[status] = int(n)
    reserved_orders, reserved_units = conn.execute(
        select(func.count(), func.coalesce(func.sum(O.items_unshipped), 0)).where(
            O.store_id == store_id, O.reserved.is_(True)
        )
    ).one()
    failed_where = and_(O.store_id == store_id, O.magento_state == MagentoState.FAILED.value)
    magento_failed = conn.execute(select(func.count()).where(failed_where)).scalar_one()
    failed_orders = [
        dict(r._mapping)
        for r in conn.execute(
            select(O.amazon_order_id, O.status, O.last_action, O.purchase_date)
            .where(failed_where)
            .order_by(O.purchase_date.desc())
            .limit(limit)
        )
    ]
    soon = now + timedelta(hours=near_hours)
    risk_where = and_(
        O.store_id == store_id,
        O.status.in_(UNSHIPPED_STATUSES),
        O.latest_ship_date.is_not(None),
        O.latest_ship_date <= soon,
    )
    past, near = conn.execute(
        select(
            func.coalesce(func.sum(case((O.latest_ship_date < now, 1), else_=0)), 0),
            func.coalesce(func.sum(case((O.latest_ship_date >= now, 1), else_=0)), 0),
        ).where(risk_where)
    ).one()
    at_risk = [
        dict(r._mapping)
        for r in conn.execute(
            select(O.amazon_order_id, O.status, O.latest_ship_date, O.items_unshipped)
            .where(risk_where)
            .order_by(O.latest_ship_date.asc())
            .limit(limit)
        )
    ]
    for r in at_risk:
        r["urgency"] = ship_urgency(r, now, near_hours)
    return Dashboard(
        store=st,
        by_status=by_status,
        reserved_orders=int(reserved_orders),
        reserved_units=int(reserved_units),
        magento_failed=int(magento_failed),
        failed_orders=failed_orders,
        ship_past=int(past),
        ship_near=int(near),
        at_risk_orders=at_risk,
        near_hours=near_hours,
    )


# ----- keyset cursors ------------------------------------------------------------------------------


def encode_cursor(q: GridQuery, values: tuple[Any, ...]) -> str:
    """An opaque token for ``after``: the sort, its direction and the last row's sort values."""
    import base64
    import json

    def plain(v: Any) -> Any:
        if isinstance(v, datetime):
            return utc(v).isoformat()  # type: ignore[union-attr]
        if isinstance(v, Decimal):
            return str(v)
        return v

    body = json.dumps([q.sort.value, q.direction.value, [plain(v) for v in values]], separators=(",", ":"))
    return base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")


def decode_cursor(q: GridQuery, token: str) -> tuple[Any, ...]:
    """The values of ``token``; ValueError (with what to do) when it is malformed or was made for
    another sort or direction."""
    import base64
    import binascii
    import json

    try:
        sort, direction, raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ValueError("the 'after' cursor is not valid; start again from the first page") from exc
    if (sort, direction) != (q.sort.value, q.direction.value):
        raise ValueError("the 'after' cursor belongs to another sort order; start again from the first page")
    cols = sort_order(q)
    if not isinstance(raw, list) or len(raw) != len(cols):
        raise ValueError("the 'after' cursor is not valid; start again from the first page")
    values: list[Any] = []
    try:
        for col, v in zip(cols, raw, strict=True):
            if v is None:
                if col.name in ("purchase_date", "store_id", "amazon_order_id"):
                    raise ValueError(col.name)
                values.append(None)
                continue
            kind = col.type.python_type
            if kind is datetime:
                values.append(utc(datetime.fromisoformat(v)))
            elif kind is Decimal:
                values.append(Decimal(v))
            elif kind is bool:
                if not isinstance(v, bool):
                    raise ValueError(col.name)
                values.append(v)
            elif kind is int:
                if not isinstance(v, int) or isinstance(v, bool):
                    raise ValueError(col.name)
                values.append(v)
            else:
                if not isinstance(v, str) or "\x00" in v:
                    raise ValueError(col.name)
                values.append(v)
    except (ValueError, TypeError, ArithmeticError, NotImplementedError) as exc:
        raise ValueError("the 'after' cursor is not valid; start again from the first page") from exc
    return tuple(values)
