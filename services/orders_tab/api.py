"""The JSON API: grid, order details, stores, dashboards, Magento retry requests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from sqlalchemy import Engine

from services.common.settings import Settings
from services.orders_tab import query
from services.orders_tab.auth import require_api
from services.orders_tab.params import ORDER_ID_PATTERN, STORE_ID_PATTERN, grid_query
from services.orders_tab.presenter import (
    DashboardOut,
    ErrorOut,
    GridOut,
    OrderDetailsOut,
    RetryOut,
    StoresOut,
    dashboard_out,
    details_out,
    grid_out,
    store_out,
)
from services.orders_tab.query import GridQuery
from services.orders_tab.requests import publish_retry

ERRORS = {401: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}}

router = APIRouter(prefix="/api", dependencies=[Depends(require_api)], responses=ERRORS)  # type: ignore[arg-type]

StoreId = Annotated[str, Path(pattern=STORE_ID_PATTERN, max_length=63)]
AmazonOrderId = Annotated[str, Path(pattern=ORDER_ID_PATTERN, max_length=100)]


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


@router.get(
    "/orders",
    response_model=GridOut,
    response_model_exclude_unset=True,
    summary="The Orders grid: filters, sort, paging, optional columns",
)
def list_orders(request: Request, q: Annotated[GridQuery, Depends(grid_query)]) -> GridOut:
    s = _settings(request)
    with _engine(request).connect() as conn:
        page = query.grid(conn, q)
    return grid_out(page, s.magento_admin_url, s.orders_tab_ship_soon_hours)


@router.get("/orders/{store_id}/{amazon_order_id}", response_model=OrderDetailsOut, summary="Amazon Order Details")
def order_details(request: Request, store_id: StoreId, amazon_order_id: AmazonOrderId) -> OrderDetailsOut:
    s = _settings(request)
    with _engine(request).connect() as conn:
        row = query.order(conn, store_id, amazon_order_id)
        if row is None:
            raise HTTPException(404, detail=f"no order {amazon_order_id} in store {store_id}")
        log = query.order_log(conn, store_id, amazon_order_id)
        names = query.store_names(conn, {store_id})
    return details_out(row, log, names.get(store_id, store_id), s.magento_admin_url, s.orders_tab_ship_soon_hours)


@router.post(
    "/orders/{store_id}/{amazon_order_id}/retry",
    response_model=RetryOut,
    status_code=202,
    summary="Request the Magento order to be created again",
)
def retry(request: Request, store_id: StoreId, amazon_order_id: AmazonOrderId) -> RetryOut:
    with _engine(request).connect() as conn:
        row = query.order(conn, store_id, amazon_order_id)
    if row is None:
        raise HTTPException(404, detail=f"no order {amazon_order_id} in store {store_id}")
    event = publish_retry(
        _settings(request),
        store_id,
        amazon_order_id,
        requested_by="orders-tab",
        producer=request.app.state.producer(),
    )
    return RetryOut(request_id=event.data.request_id, event_id=event.event_id, message="Magento order retry requested.")


@router.get("/stores", response_model=StoresOut, summary="Integrated stores")
def list_stores(request: Request) -> StoresOut:
    with _engine(request).connect() as conn:
        rows = query.stores(conn)
    return StoresOut(items=[store_out(r) for r in rows])


@router.get("/stores/{store_id}/dashboard", response_model=DashboardOut, summary="A store's dashboard")
def store_dashboard(request: Request, store_id: StoreId) -> DashboardOut:
    with _engine(request).connect() as conn:
        d = query.dashboard(conn, store_id, _settings(request).orders_tab_ship_soon_hours)
    if d is None:
        raise HTTPException(404, detail=f"no store {store_id}")
    return dashboard_out(d)
