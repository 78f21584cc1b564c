"""The JSON API: grid, order details, stores, dashboards, Magento retry requests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from services.common.settings import Settings
from services.orders_tab import export, query
from services.orders_tab.auth import api_access
from services.orders_tab.logins import Principal
from services.orders_tab.params import ORDER_ID_PATTERN, STORE_ID_PATTERN, grid_query
from services.orders_tab.presenter import (
    BulkRetryIn,
    BulkRetryOut,
    DashboardOut,
    ErrorOut,
    GridOut,
    OrderDetailsOut,
    OrderKey,
    RetryOut,
    RetryRequestedOut,
    StoresOut,
    dashboard_out,
    details_out,
    grid_out,
    store_out,
)
from services.orders_tab.query import GridQuery
from services.orders_tab.requests import publish_retries, publish_retry
from services.orders_tab.roles import Permission, allows

ERRORS = {401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 404: {"model": ErrorOut}, 422: {"model": ErrorOut}}

READER = api_access(Permission.READ)
RETRIER = api_access(Permission.RETRY)
router = APIRouter(prefix="/api", dependencies=[Depends(READER)], responses=ERRORS)  # type: ignore[arg-type]

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
    return read_details(_engine(request), _settings(request), store_id, amazon_order_id)


def read_details(engine: Engine, s: Settings, store_id: str, amazon_order_id: str) -> OrderDetailsOut:
    """One order's details as the API and the details page show them (404 when there is none)."""
    with engine.connect() as conn:
        row = query.order(conn, store_id, amazon_order_id)
        if row is None:
            raise HTTPException(404, detail=f"no order {amazon_order_id} in store {store_id}")
        log = query.order_log(conn, store_id, amazon_order_id)
        names = query.store_names(conn, {store_id})
        zones = query.store_time_zones(conn, {store_id})
    return details_out(row, log, names.get(store_id, store_id), s.magento_admin_url, s.orders_tab_ship_soon_hours,
                       zones.get(store_id, "UTC"))


@router.post(
    "/orders/{store_id}/{amazon_order_id}/retry",
    response_model=RetryOut,
    status_code=202,
    summary="Request the Magento order to be created again",
)
def retry(
    request: Request,
    store_id: StoreId,
    amazon_order_id: AmazonOrderId,
    who: Annotated[Principal, Depends(RETRIER)],
) -> RetryOut:
    with _engine(request).connect() as conn:
        row = query.order(conn, store_id, amazon_order_id)
    if row is None:
        raise HTTPException(404, detail=f"no order {amazon_order_id} in store {store_id}")
    event = publish_retry(
        _settings(request),
        store_id,
        amazon_order_id,
        requested_by=who.name,
        via=who.via,
        producer=request.app.state.producer(),
    )
    return RetryOut(request_id=event.data.request_id, event_id=event.event_id, message="Magento order retry requested.")


@router.get(
    "/orders/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "Every order the filters match, as CSV"}},
    summary="The filtered grid as CSV (every page; Buyer Name for operators and admins only)",
)
def export_orders(
    request: Request, q: Annotated[GridQuery, Depends(grid_query)], who: Annotated[Principal, Depends(READER)]
) -> StreamingResponse:
    engine = _engine(request)
    buyer_pii = allows(who.role, Permission.EXPORT_BUYER_PII)

    def body() -> Iterator[str]:
        with engine.connect() as conn:
            names = query.store_names(conn)
            yield from export.csv_chunks(query.every_row(conn, q), q, names, buyer_pii)

    disposition = f'attachment; filename="{export.filename(datetime.now(UTC))}"'
    return StreamingResponse(body(), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": disposition})


@router.post("/orders/retry", response_model=BulkRetryOut, status_code=202,
             summary="Request the Magento order of each selected failed order again (one request per order)")
def bulk_retry(request: Request, body: BulkRetryIn, who: Annotated[Principal, Depends(RETRIER)]) -> BulkRetryOut:
    keys = list(dict.fromkeys((o.store_id, o.amazon_order_id) for o in body.orders))
    with _engine(request).connect() as conn:
        failed = query.failed_orders(conn, keys)
    events = publish_retries(_settings(request), failed, requested_by=who.name, via=who.via,
                             producer=request.app.state.producer()) if failed else []
    skipped = [OrderKey(store_id=s, amazon_order_id=o) for s, o in keys if (s, o) not in set(failed)]
    return BulkRetryOut(
        requested=[RetryRequestedOut(store_id=e.data.store_id, amazon_order_id=e.data.amazon_order_id,
                                     request_id=e.data.request_id, event_id=e.event_id) for e in events],
        skipped=skipped,
        message=f"Magento order retry requested for {len(events)} order{'' if len(events) == 1 else 's'}.",
    )


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
