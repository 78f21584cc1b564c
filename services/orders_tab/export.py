"""CSV export of the filtered grid: the grid's columns (and chosen optional columns), one line per
order, every page. Buyer names are personal data: only roles allowed to export buyer PII get the
Buyer Name column (services/orders_tab/roles.py says which and why)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from services.orders_tab.presenter import CHANNEL_LABELS, money_text
from services.orders_tab.query import GridQuery, OptionalColumn, utc

Cell = Callable[[dict[str, Any], dict[str, str]], object]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run such a cell as a formula


def _text(value: str | None) -> str:
    """Free text (names, log entries) that a spreadsheet must not evaluate (OWASP CSV injection)."""
    if not value:
        return ""
    return "'" + value if value.startswith(FORMULA_START) else value


def _date(value: datetime | None) -> str:
    at = utc(value)
    return at.isoformat() if at else ""


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _amount(row: dict[str, Any], _: dict[str, str]) -> str:
    return money_text(row["total_amount"]) if row["total_amount"] is not None else ""


BUYER_NAME = "Buyer Name"
COLUMNS: list[tuple[str, Cell]] = [
    ("Amazon Order Number", lambda r, _: r["amazon_order_id"]),
    ("Amazon Store Name", lambda r, names: _text(names.get(r["store_id"], r["store_id"]))),
    ("Magento Order Number", lambda r, _: r["magento_order_number"] or ""),
    (BUYER_NAME, lambda r, _: _text(r["buyer_name"])),
    ("Status", lambda r, _: r["status"]),
    ("Total", _amount),
    ("Currency", lambda r, _: r["total_currency"] or ""),
    ("Fulfillment Channel", lambda r, _: CHANNEL_LABELS[r["fulfillment_channel"]]),
    ("Items Unshipped", lambda r, _: r["items_unshipped"]),
    ("Reserved", lambda r, _: _yes(r["reserved"])),
    ("Purchase Date (UTC)", lambda r, _: _date(r["purchase_date"])),
    ("Latest Ship Date (UTC)", lambda r, _: _date(r["latest_ship_date"])),
    ("Last Action", lambda r, _: _text(r["last_action"])),
    ("Magento Order State", lambda r, _: r["magento_state"]),
]
OPTIONAL: dict[OptionalColumn, tuple[str, Cell]] = {
    OptionalColumn.ORDER_ID: ("Order Id", lambda r, _: r["order_id"]),
    OptionalColumn.MERCHANT_ID: ("Merchant Id", lambda r, _: r["merchant_id"]),
    OptionalColumn.IS_PRIME: ("Is Prime", lambda r, _: _yes(r["is_prime"])),
    OptionalColumn.ITEMS_SHIPPED: ("Items Shipped", lambda r, _: r["items_shipped"]),
}


def columns(q: GridQuery, buyer_pii: bool) -> list[tuple[str, Cell]]:
    cols = [c for c in COLUMNS if buyer_pii or c[0] != BUYER_NAME]
    return cols + [OPTIONAL[c] for c in q.columns]


def filename(now: datetime) -> str:
    return f"orders-{now.strftime('%Y%m%d-%H%M%S')}.csv"


def csv_chunks(
    rows: Iterable[dict[str, Any]], q: GridQuery, store_names: dict[str, str], buyer_pii: bool, lines: int = 500
) -> Iterator[str]:
    """The CSV text in chunks of ``lines`` lines, header first (RFC 4180: CRLF line ends)."""
    cols = columns(q, buyer_pii)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([name for name, _ in cols])
    pending = 0
    for row in rows:
        writer.writerow([cell(row, store_names) for _, cell in cols])
        pending += 1
        if pending >= lines:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue()
