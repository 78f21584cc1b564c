"""The server-rendered web page: login, Orders grid, order details, store dashboard (the Users page is
services/orders_tab/users_page.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, parse_qsl, urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from sqlalchemy import Engine

from schemas.types import MagentoState, TabStatus
from services.common.settings import Settings
from services.orders_tab import query
from services.orders_tab.api import AmazonOrderId, StoreId, read_details
from services.orders_tab.auth import COOKIE_NAME, Access, SignInRefused, page_access
from services.orders_tab.dates import in_zone
from services.orders_tab.logins import SESSION_TTL, Principal, close_session
from services.orders_tab.params import grid_query, parse_order_keys
from services.orders_tab.presenter import dashboard_out, grid_out, store_out
from services.orders_tab.query import GridQuery, OptionalColumn
from services.orders_tab.requests import publish_retries, publish_retry
from services.orders_tab.roles import Permission, allows

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)
OPTIONAL_LABELS = {
    OptionalColumn.ORDER_ID.value: "Order Id",
    OptionalColumn.MERCHANT_ID.value: "Merchant Id",
    OptionalColumn.IS_PRIME.value: "Is Prime",
    OptionalColumn.ITEMS_SHIPPED.value: "Items Shipped",
}
LIVE_REFRESH_SECONDS = 5  # how often an open grid asks whether anything was projected
DESC_FIRST = {"purchase_date", "latest_ship_date", "total", "items_unshipped", "items_shipped"}


def _dt(value: datetime | None, time_zone: str | None = None) -> Markup:
    """A date in the store's time zone, UTC on hover (and machine-readable in ``datetime``)."""
    if value is None:
        return Markup("")
    local, utc_text = in_zone(value, time_zone)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        value.astimezone(UTC).isoformat(), utc_text, local)


TEMPLATES.filters["dt"] = _dt

router = APIRouter(include_in_schema=False)


READ = page_access(Permission.READ)
RETRY = page_access(Permission.RETRY)


def render(name: str, status_code: int = 200, who: Principal | None = None,
           headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    context.setdefault("authenticated", True)
    context["who"] = who
    context["may_retry"] = who is not None and allows(who.role, Permission.RETRY)
    context["may_manage_users"] = who is not None and allows(who.role, Permission.MANAGE_USERS)
    return HTMLResponse(TEMPLATES.get_template(name).render(**context), status_code=status_code, headers=headers)


def live_etag(stamp: str, who: Principal) -> str:
    """The grid page's validator: the projection's stamp and what the role shows (an operator's
    rows carry selection boxes). The same page asked again with it is 304 until the stamp moves."""
    return f'W/"{stamp}.{who.role.value}"'


def _state(request: Request) -> tuple[Engine, Settings]:
    return request.app.state.engine, request.app.state.settings


def _safe_next(value: str | None) -> str:
    return value if value and value.startswith("/") and not value.startswith("//") else "/"


def _with_param(path: str, name: str, value: str) -> str:
    """``path`` (a local URL) with one query parameter set."""
    base, _, query_string = path.partition("?")
    kept = [(k, v) for k, v in parse_qsl(query_string, keep_blank_values=True) if k != name]
    return base + "?" + urlencode([*kept, (name, value)])


def _client_address(request: Request) -> str:
    """The peer address (behind a reverse proxy, run uvicorn with --proxy-headers so it is the client's)."""
    return request.client.host if request.client else "unknown"


def _login_page(request: Request, next_path: str, status_code: int = 200, error: str | None = None,
                headers: dict[str, str] | None = None) -> HTMLResponse:
    access: Access = request.app.state.access
    response = render("login.html", status_code=status_code, authenticated=False, next_path=next_path, error=error,
                      bootstrap=access.bootstrap_open())
    response.headers.update(headers or {})
    return response


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return _login_page(request, _safe_next(next))


@router.post("/login")
async def login(request: Request) -> Response:
    form = parse_qs((await request.body()).decode(errors="replace"))

    def field(name: str) -> str:
        return (form.get(name) or [""])[0]

    next_path = _safe_next(field("next") or "/")
    access: Access = request.app.state.access
    try:
        session = await run_in_threadpool(
            access.sign_in, field("name").strip(), field("password"), field("token").strip(), _client_address(request)
        )
    except SignInRefused as refused:
        headers = {"Retry-After": str(refused.retry_after)} if refused.retry_after else None
        return _login_page(request, next_path, refused.status, refused.message, headers)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        session,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=int(SESSION_TTL.total_seconds()),
    )
    return response


@router.post("/logout")
def logout(request: Request) -> Response:
    cookie = request.cookies.get(COOKIE_NAME, "")
    if cookie:
        access: Access = request.app.state.access
        with access.engine.begin() as conn:
            close_session(conn, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME)
    return response


@router.get("/")
def grid_page(
    request: Request, q: Annotated[GridQuery, Depends(grid_query)], who: Annotated[Principal, Depends(READ)],
    retried: int | None = None,
) -> Response:
    engine, s = _state(request)
    with engine.connect() as conn:
        etag = live_etag(query.projection_stamp(conn), who)
        if etag in request.headers.get("if-none-match", ""):
            # the live refresh asks again: nothing was projected since its copy
            return Response(status_code=304, headers={"ETag": etag, "Cache-Control": "no-cache"})
        page = query.grid(conn, q)
        stores = [store_out(r) for r in query.stores(conn)]
    items = list(request.query_params.multi_items())

    def url(**changes: Any) -> str:
        kept = [(k, v) for k, v in items if k not in changes]
        kept += [(k, str(v)) for k, v in changes.items() if v is not None]
        return "/?" + urlencode(kept) if kept else "/"

    return render(
        "grid.html",
        who=who,
        nav="orders",
        flash=f"Magento order retry requested for {retried} order{'' if retried == 1 else 's'}." if retried else None,
        q=q,
        out=grid_out(page, s.magento_admin_url, s.orders_tab_ship_soon_hours),
        stores=stores,
        statuses=[t.value for t in TabStatus],
        magento_states=[m.value for m in MagentoState],
        optional_columns=OPTIONAL_LABELS,
        shown={c.value for c in q.columns},
        url=url,
        query_items=items,
        export_url="/api/orders/export" + ("?" + urlencode(
            [(k, v) for k, v in items if k not in ("page", "after", "page_size", "retried")]) if items else ""),
        desc_first=DESC_FIRST,
        etag=etag,
        refresh_seconds=LIVE_REFRESH_SECONDS,
        headers={"ETag": etag, "Cache-Control": "no-cache"},
    )


@router.get("/orders/{store_id}/{amazon_order_id}")
def details_page(
    request: Request,
    store_id: StoreId,
    amazon_order_id: AmazonOrderId,
    who: Annotated[Principal, Depends(READ)],
    retried: str | None = None,
) -> Response:
    engine, s = _state(request)
    o = read_details(engine, s, store_id, amazon_order_id)
    flash = "Magento order retry requested." if retried else None
    return render("details.html", who=who, o=o, flash=flash)


@router.post("/orders/{store_id}/{amazon_order_id}/retry")
def retry_page(
    request: Request, store_id: StoreId, amazon_order_id: AmazonOrderId, who: Annotated[Principal, Depends(RETRY)]
) -> Response:
    engine, s = _state(request)
    with engine.connect() as conn:
        if query.order(conn, store_id, amazon_order_id) is None:
            raise HTTPException(404, detail=f"no order {amazon_order_id} in store {store_id}")
    publish_retry(s, store_id, amazon_order_id, requested_by=who.name, via=who.via,
                  producer=request.app.state.producer())
    return RedirectResponse(f"/orders/{store_id}/{amazon_order_id}?retried=1", status_code=303)


@router.post("/orders/retry")
async def bulk_retry_page(request: Request, who: Annotated[Principal, Depends(RETRY)]) -> Response:
    """The grid's "Retry Magento order" on the selected rows: one request per failed order."""
    form = parse_qs((await request.body()).decode(errors="replace"))
    keys = parse_order_keys(form.get("order") or [])
    engine, s = _state(request)
    with engine.connect() as conn:
        failed = query.failed_orders(conn, keys)
    if not failed:
        raise HTTPException(422, detail="select at least one order whose Magento order failed")
    publish_retries(s, failed, requested_by=who.name, via=who.via, producer=request.app.state.producer())
    back = _safe_next((form.get("back") or ["/"])[0])
    return RedirectResponse(_with_param(back, "retried", str(len(failed))), status_code=303)


@router.get("/stores/{store_id}")
def dashboard_page(request: Request, store_id: StoreId, who: Annotated[Principal, Depends(READ)]) -> Response:
    engine, s = _state(request)
    with engine.connect() as conn:
        d = query.dashboard(conn, store_id, s.orders_tab_ship_soon_hours)
    if d is None:
        raise HTTPException(404, detail=f"no store {store_id}")
    return render("dashboard.html", who=who, d=dashboard_out(d))
