"""Orders at risk of missing their Latest Ship Date, per store, for the
``sales_channel_orders_at_ship_risk`` gauge (SPEC §7), computed from the projection."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection, case, func, select

from schemas.types import FulfillmentChannel, TabStatus
from services.common.metrics import ORDERS_AT_SHIP_RISK, SHIP_RISK_WINDOWS
from services.orders_tab.models import OrderRow, StoreRow

OPEN_STATUSES = (TabStatus.UNSHIPPED.value, TabStatus.PARTIALLY_SHIPPED.value)


def counts_by_store(conn: Connection, now: datetime) -> dict[str, dict[str, int]]:
    """Per store: merchant-fulfilled orders still to ship that are overdue, or due within each
    window (cumulative, overdue excluded). Every known store appears, with zeros."""
    horizon = now + timedelta(seconds=max(SHIP_RISK_WINDOWS.values()))
    lsd = OrderRow.latest_ship_date
    columns = [func.sum(case((lsd < now, 1), else_=0)).label("overdue")]
    columns += [func.sum(case(((lsd >= now) & (lsd < now + timedelta(seconds=s)), 1), else_=0)).label(f"w{i}")
                for i, (w, s) in enumerate(SHIP_RISK_WINDOWS.items()) if w != "overdue"]
    query = (select(OrderRow.store_id, *columns)
             .where(lsd.is_not(None), lsd < horizon, OrderRow.status.in_(OPEN_STATUSES),
                    OrderRow.fulfillment_channel == FulfillmentChannel.MERCHANT.value)
             .group_by(OrderRow.store_id))
    windows = [w for w in SHIP_RISK_WINDOWS if w != "overdue"]
    result = {sid: dict.fromkeys(SHIP_RISK_WINDOWS, 0) for sid in conn.execute(select(StoreRow.store_id)).scalars()}
    for row in conn.execute(query):
        counts = result.setdefault(row[0], dict.fromkeys(SHIP_RISK_WINDOWS, 0))
        counts["overdue"] = int(row[1] or 0)
        for i, window in enumerate(windows):
            counts[window] = int(row[2 + i] or 0)
    return result


def export(conn: Connection, now: datetime) -> dict[str, dict[str, int]]:
    result = counts_by_store(conn, now)
    for store, counts in result.items():
        for window, n in counts.items():
            ORDERS_AT_SHIP_RISK.labels(store, window).set(n)
    return result
