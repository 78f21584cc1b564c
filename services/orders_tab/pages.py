"""The server-rendered web page: login, Orders grid, order details, store dashboard."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine

from schemas.types import MagentoState, TabStatus
from services.common.settings import Settings
from services.orders_tab import query
from services.orders_tab.api import AmazonOrderId, StoreId
from services.orders_tab.auth import COOKIE_NAME, Auth, require_page
from services.orders_tab.params import grid_query
from services.orders_tab.presenter import dashboard_out, details_out, grid_out, store_out
from services.orders_tab.query import GridQuery, OptionalColumn
from services.orders_tab.requests import publish_retry

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"), autoescape=select_autoescape(["html"])
)
OPTIONAL_LABELS = {
    OptionalColumn.ORDER_ID.value: "Order Id",
    OptionalColumn.MERCHANT_ID.value: "Merchant Id",
    OptionalColumn.IS_PRIME.value: "Is Prime",
    OptionalColumn.ITEMS_SHIPPED.value: "Items Shipped",
}
DESC_FIRST = {"purchase_date", "latest_ship_date", "total", "items_unshipped", "items_shipped"}


def _dt(value: datetime | None) -> str:
    return value.strftime("%b %d, %Y %H:%M") if value else ""


TEMPLATES.filters["dt"] = _dt

router = APIRouter(include_in_schema=False)


def render(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("authenticated", True)
    return HTMLResponse(TEMPLATES.get_template(name).render(**context), status_code=status_code)


def _state(request: Request) -> tuple[Engine, Settings]:
    return request.app.state.engine, request.app.state.settings


def _safe_next(value: str | None) -> str:
    return value if value and value.startswith("/") and not value.startswith("//") else "/"


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render("login.html", authenticated=False, next_path=_safe_next(next), error=None)


@router.post("/login")
async def login(request: Request) -> Response:
    form = parse_qs((await request.body()).decode(errors="replace"))
    token = (form.get("token") or [""])[0]
    next_path = _safe_next((form.get("next") or ["/"])[0])
    auth: Auth = request.app.state.auth
    if not auth.token_ok(token):
        return render(
            "login.html",
            status_code=401,
            authenticated=False,
            next_path=next_path,
            error="That token is not valid.",
        )
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        COOKIE_NAME,
        auth.session_value,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=12 * 3600,
    )
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE_NAME)
    return response


@router.get("/", dependencies=[Depends(require_page)])
def grid_page(request: Request, q: Annotated[GridQuery, Depends(grid_query)]) -> Response:
    engine, s = _state(request)
    with engine.connect() as conn:
        page = query.grid(conn, q)
        stores = [store_out(r) for r in query.stores(conn)]
    items = list(request.query_params.multi_items())

    def url(**changes: Any) -> str:
        kept = [(k, v) for k, v in items if k not in changes]
        kept += [(k, str(v)) for k, v in changes.items() if v is not None]
        return "/?" + urlencode(kept) if kept else "/"

    return render(
        "grid.html",
        q=q,
        out=grid_out(page, s.magento_admin_url, s.orders_tab_ship_soon_hours),
        stores=stores,
        statuses=[t.value for t in TabStatus],
        magento_states=[m.value for m in MagentoState],
        optional_columns=OPTIONAL_LABELS,
        shown={c.value for c in q.columns},
        url=url,
        query_items=items,
        desc_first=DESC_FIRST,
    )


@router.get("/orders/{store_id}/{amazon_order_id}", dependencies=[Depends(require_page)])
def details_page(
    request: Request, store_id: StoreId, amazon_order_id: AmazonOrderId, retried: str | None = None
) -> Response:
    engine, s = _state(request)
    with engine.connect() as conn:
        row = query.order(conn, store_id, amazon_order_id)
        if row is None:
            raise HTTPException(404, detail=f"no order {amazon_order_id} in store {store_id}")
        log = query.order_log(conn, store_id, amazon_order_id)
        names = query.store_names(conn, {store_id})
    o = details_out(row, log, names.get(store_id, store_id), s.magento_admin_url, s.orders_tab_ship_soon_hours)
    flash = "Magento order retry requested." if retried else None
    return render("details.html", o=o, flash=flash)


@router.post("/orders/{store_id}/{amazon_order_id}/retry", dependencies=[Depends(require_page)])
def retry_page(request: Request, store_id: StoreId, amazon_order_id: AmazonOrderId) -> Response:
    engine, s = _state(request)
    with engine.connect() as conn:
        if query.order(conn, store_id, amazon_order_id) is None:
            raise HTTPException(404, detail=f"no order {amazon_order_id} in store {store_id}")
    publish_retry(s, store_id, amazon_order_id, requested_by="orders-tab", producer=request.app.state.producer())
    return RedirectResponse(f"/orders/{store_id}/{amazon_order_id}?retried=1", status_code=303)


@router.get("/stores/{store_id}", dependencies=[Depends(require_page)])
def dashboard_page(request: Request, store_id: StoreId) -> Response:
    engine, s = _state(request)
    with engine.connect() as conn:
        d = query.dashboard(conn, store_id, s.orders_tab_ship_soon_hours)
    if d is None:
        raise HTTPException(404, detail=f"no store {store_id}")
    return render("dashboard.html", d=dashboard_out(d))
