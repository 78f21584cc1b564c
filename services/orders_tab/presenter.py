"""Response models of the JSON API and the conversion of table rows into them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, Field

from services.orders_tab.query import Dashboard, GridPage, OptionalColumn, encode_cursor, ship_urgency, utc

CHANNEL_LABELS = {"MERCHANT": "Merchant", "AMAZON": "Amazon"}
TIME_ZONE_DESCRIPTION = "The store's time zone (IANA name), in which the page shows its dates; the API's dates are UTC"


class MoneyOut(BaseModel):
    amount: str
    currency: str | None


class OrderRowOut(BaseModel):
    store_id: str
    amazon_order_id: str
    store_name: str
    magento_order_number: str | None
    magento_order_url: str | None
    buyer_name: str | None
    status: str
    total: MoneyOut | None
    fulfillment_channel: Literal["Merchant", "Amazon"]
    items_unshipped: int
    reserved: bool
    purchase_date: datetime
    latest_ship_date: datetime | None
    ship_urgency: Literal["near", "past"] | None
    last_action: str | None
    magento_state: str
    details_url: str
    time_zone: str = Field(default="UTC", description=TIME_ZONE_DESCRIPTION)
    # optional columns, present only when asked for
    order_id: str | None = None
    merchant_id: int | None = None
    is_prime: bool | None = None
    items_shipped: int | None = None


class GridOut(BaseModel):
    items: list[OrderRowOut]
    page: int
    page_size: int
    pages: int
    total: int
    total_exact: bool
    sort: str
    direction: str
    columns: list[str]
    next_after: str | None = Field(
        default=None, description="Pass as `after` for the next page (keyset); null on the last page")


class ItemOut(BaseModel):
    order_item_id: str
    sku: str
    asin: str | None = None
    title: str | None = None
    quantity_ordered: int
    quantity_shipped: int
    unit_price: MoneyOut | None = None
    buyer_cancel_requested: bool = False


class LogOut(BaseModel):
    seq: int
    at: datetime
    message: str
    level: Literal["info", "error"] = "info"  # "error": an action failed (no reservation, no Magento order, …)


class OrderDetailsOut(BaseModel):
    store_id: str
    store_name: str
    amazon_order_id: str
    order_id: str
    merchant_id: int
    status: str
    amazon_status: str
    on_tab: bool
    fulfillment_channel: Literal["Merchant", "Amazon"]
    is_prime: bool
    is_business: bool
    buyer_name: str | None
    buyer_email: str | None
    total: MoneyOut | None
    items_shipped: int
    items_unshipped: int
    reserved: bool
    purchase_date: datetime
    latest_ship_date: datetime | None
    last_updated: datetime
    ship_urgency: Literal["near", "past"] | None
    magento_state: str
    magento_order_number: str | None
    magento_order_id: int | None
    magento_order_url: str | None
    last_action: str | None
    version: int
    items: list[ItemOut]
    log: list[LogOut]
    time_zone: str = Field(default="UTC", description=TIME_ZONE_DESCRIPTION)


class StoreOut(BaseModel):
    store_id: str
    name: str
    merchant_id: int | None
    marketplace_id: str | None
    magento_store_code: str | None
    enabled: bool | None
    last_poll_at: datetime | None
    time_zone: str = Field(default="UTC", description=TIME_ZONE_DESCRIPTION)


class StoresOut(BaseModel):
    items: list[StoreOut]


class RiskOut(BaseModel):
    amazon_order_id: str
    status: str
    latest_ship_date: datetime | None
    items_unshipped: int
    urgency: Literal["near", "past"] | None


class FailedOut(BaseModel):
    amazon_order_id: str
    status: str
    last_action: str | None
    purchase_date: datetime


class DashboardOut(BaseModel):
    store: StoreOut
    orders_by_status: dict[str, int]
    reserved_orders: int
    reserved_units: int
    magento_failed_orders: int
    failed_orders: list[FailedOut]
    ship_date_past: int
    ship_date_near: int
    ship_date_near_hours: float
    at_risk_orders: list[RiskOut]
    last_successful_poll_at: datetime | None


class RetryOut(BaseModel):
    request_id: str
    event_id: str
    message: str


class OrderKey(BaseModel):
    store_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    amazon_order_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")


class BulkRetryIn(BaseModel):
    orders: list[OrderKey] = Field(min_length=1, max_length=200, description="The selected orders")


class RetryRequestedOut(OrderKey):
    request_id: str
    event_id: str


class BulkRetryOut(BaseModel):
    requested: list[RetryRequestedOut]
    skipped: list[OrderKey] = Field(description="Selected orders whose Magento order has not failed (or unknown)")
    message: str


class ErrorOut(BaseModel):
    error: str
    detail: Any = None


def utc_at(value: datetime) -> datetime:
    """A non-null stored datetime, in UTC."""
    result = utc(value)
    assert result is not None
    return result


def money_text(amount: Decimal) -> str:
    two = amount.quantize(Decimal("0.01"))
    return str(two) if two == amount else str(amount.normalize())


def money(amount: Any, currency: str | None) -> MoneyOut | None:
    if amount is None:
        return None
    return MoneyOut(amount=money_text(Decimal(str(amount))), currency=currency)


def magento_url(admin_url: str, magento_order_id: int | None) -> str | None:
    if magento_order_id is None:
        return None
    return f"{admin_url.rstrip('/')}/sales/order/view/order_id/{magento_order_id}/"


def row_out(
    row: dict[str, Any],
    store_name: str,
    columns: tuple[OptionalColumn, ...],
    admin_url: str,
    now: datetime,
    near_hours: float,
    time_zone: str = "UTC",
) -> OrderRowOut:
    out = OrderRowOut(
        store_id=row["store_id"],
        amazon_order_id=row["amazon_order_id"],
        store_name=store_name,
        magento_order_number=row["magento_order_number"],
        magento_order_url=magento_url(admin_url, row["magento_order_id"]),
        buyer_name=row["buyer_name"],
        status=row["status"],
        total=money(row["total_amount"], row["total_currency"]),
        fulfillment_channel=CHANNEL_LABELS[row["fulfillment_channel"]],  # type: ignore[arg-type]
        items_unshipped=row["items_unshipped"],
        reserved=row["reserved"],
        purchase_date=utc_at(row["purchase_date"]),
        latest_ship_date=utc(row["latest_ship_date"]),  # type: ignore[arg-type]
        ship_urgency=ship_urgency(row, now, near_hours),  # type: ignore[arg-type]
        last_action=row["last_action"],
        magento_state=row["magento_state"],
        details_url=f"/api/orders/{row['store_id']}/{row['amazon_order_id']}",
        time_zone=time_zone,
    )
    for col in columns:
        setattr(out, col.value, row[col.value])
    return out


def grid_out(page: GridPage, admin_url: str, near_hours: float) -> GridOut:
    now = datetime.now(UTC)
    q = page.query
    return GridOut(
        items=[
            row_out(r, page.store_names.get(r["store_id"], r["store_id"]), q.columns, admin_url, now, near_hours,
                    page.store_time_zones.get(r["store_id"], "UTC"))
            for r in page.rows
        ],
        page=q.page,
        page_size=q.page_size,
        pages=page.pages,
        total=page.total,
        total_exact=page.total_exact,
        sort=q.sort.value,
        direction=q.direction.value,
        columns=[c.value for c in q.columns],
        next_after=encode_cursor(q, page.next_after) if page.next_after is not None else None,
    )


def details_out(
    row: dict[str, Any], log: list[dict[str, Any]], store_name: str, admin_url: str, near_hours: float,
    time_zone: str = "UTC",
) -> OrderDetailsOut:
    items = []
    for it in row["items"] or []:
        price = it.get("unit_price")
        items.append(
            ItemOut(
                order_item_id=it["order_item_id"],
                sku=it["sku"],
                asin=it.get("asin"),
                title=it.get("title"),
                quantity_ordered=it["quantity_ordered"],
                quantity_shipped=it.get("quantity_shipped", 0),
                unit_price=money(price["amount"], price["currency"]) if price else None,
                buyer_cancel_requested=it.get("buyer_cancel_requested", False),
            )
        )
    return OrderDetailsOut(
        store_id=row["store_id"],
        store_name=store_name,
        amazon_order_id=row["amazon_order_id"],
        order_id=row["order_id"],
        merchant_id=row["merchant_id"],
        status=row["status"],
        amazon_status=row["amazon_status"],
        on_tab=row["on_tab"],
        fulfillment_channel=CHANNEL_LABELS[row["fulfillment_channel"]],  # type: ignore[arg-type]
        is_prime=row["is_prime"],
        is_business=row["is_business"],
        buyer_name=row["buyer_name"],
        buyer_email=row["buyer_email"],
        total=money(row["total_amount"], row["total_currency"]),
        items_shipped=row["items_shipped"],
        items_unshipped=row["items_unshipped"],
        reserved=row["reserved"],
        purchase_date=utc_at(row["purchase_date"]),
        latest_ship_date=utc(row["latest_ship_date"]),  # type: ignore[arg-type]
        last_updated=utc_at(row["last_updated"]),  # type: ignore[arg-type]
        ship_urgency=ship_urgency(row, datetime.now(UTC), near_hours),  # type: ignore[arg-type]
        magento_state=row["magento_state"],
        magento_order_number=row["magento_order_number"],
        magento_order_id=row["magento_order_id"],
        magento_order_url=magento_url(admin_url, row["magento_order_id"]),
        last_action=row["last_action"],
        version=row["version"],
        items=items,
        log=[
            LogOut(seq=e["seq"], at=utc_at(e["at"]), message=e["message"], level=e["level"])  # type: ignore[arg-type]
            for e in log
        ],
        time_zone=time_zone,
    )


def store_out(row: dict[str, Any]) -> StoreOut:
    return StoreOut(
        store_id=row["store_id"],
        name=row["name"] or row["store_id"],
        merchant_id=row["merchant_id"],
        marketplace_id=row["marketplace_id"],
        magento_store_code=row["magento_store_code"],
        enabled=row["enabled"],
        last_poll_at=utc(row["last_poll_at"]),
        time_zone=row.get("time_zone") or "UTC",
    )


def dashboard_out(d: Dashboard) -> DashboardOut:
    return DashboardOut(
        store=store_out(d.store),
        orders_by_status=d.by_status,
        reserved_orders=d.reserved_orders,
        reserved_units=d.reserved_units,
        magento_failed_orders=d.magento_failed,
        failed_orders=[
            FailedOut(
                amazon_order_id=r["amazon_order_id"],
                status=r["status"],
                last_action=r["last_action"],
                purchase_date=utc_at(r["purchase_date"]),
            )  # type: ignore[arg-type]
            for r in d.failed_orders
        ],
        ship_date_past=d.ship_past,
        ship_date_near=d.ship_near,
        ship_date_near_hours=d.near_hours,
        at_risk_orders=[
            RiskOut(
                amazon_order_id=r["amazon_order_id"],
                status=r["status"],
                latest_ship_date=utc(r["latest_ship_date"]),
                items_unshipped=r["items_unshipped"],
                urgency=r["urgency"],
            )
            for r in d.at_risk_orders
        ],
        last_successful_poll_at=utc(d.store["last_poll_at"]),
    )
