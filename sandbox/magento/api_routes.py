"""The Magento REST routes the Sales Channel uses (mounted under /rest/V1; store codes are resolved by
the middleware). ACL ids follow the modules' webapi.xml."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from sandbox.magento.directory import countries, country_information
from sandbox.magento.errors import MagentoError, not_found
from sandbox.magento.http_util import ctx, guard, int_id, json_body, respond, state_of
from sandbox.magento.orders import OrderBook
from sandbox.magento.schema import coerce, render, require
from sandbox.magento.search import apply, parse

router = APIRouter(prefix="/rest/V1")


def _required(body: dict[str, Any], name: str, camel: str | None = None) -> Any:
    value = body.get(name, body.get(camel)) if camel else body.get(name)
    if value is None:
        raise MagentoError(400, '"%fieldName" is required. Enter and try again.', {"fieldName": name})
    return value


def _scalar_id(request: Request, value: int) -> int | str:
    return str(value) if state_of(request).scalar_ids_as_strings else value


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


# ---- auth ----------------------------------------------------------------------------------------------
@router.post("/integration/admin/token", dependencies=[Depends(guard("anonymous"))])
async def admin_token(request: Request) -> Response:
    body = await json_body(request)
    state = state_of(request)
    with state.lock:
        if state.credentials.admin_users.get(str(body.get("username"))) != body.get("password"):
            raise MagentoError(
                401,
                "The account sign-in was incorrect or your account is disabled temporarily. "
                "Please wait and try again later.",
            )
        return respond(request, state.credentials.issue_admin_token(str(body["username"])))


# ---- orders --------------------------------------------------------------------------------------------
async def _save_order(request: Request) -> Response:
    body = await json_body(request)
    entity = coerce("sales-data-order-interface", _required(body, "entity"))
    if entity is not None and entity.get("entity_id") is None:  # a new order, not a sparse update
        require("sales-data-order-interface", entity, "entity")
    state = state_of(request)
    with state.lock:
        order = state.orders.save(entity, ctx(request).get("store_id", 1), state.enforce_stock_on_create)
        return respond(request, OrderBook.render(order))


@router.put("/orders/create", dependencies=[Depends(guard("Magento_Sales::create"))])
async def create_order(request: Request) -> Response:
    return await _save_order(request)


@router.post("/orders", dependencies=[Depends(guard("Magento_Sales::create"))])
async def save_order(request: Request) -> Response:
    return await _save_order(request)


@router.get("/orders", dependencies=[Depends(guard("Magento_Sales::actions_view"))])
async def list_orders(request: Request) -> Response:
    crit = parse(request.query_params.multi_items())
    state = state_of(request)
    with state.lock:
        book = state.orders
        ext, inc, eid = (
            crit.eq_value("ext_order_id"),
            crit.eq_value("increment_id"),
            crit.eq_value("entity_id"),
        )
        if ext is not None:
            rows = [book.orders[i] for i in sorted(book.by_ext.get(ext, ()))]
        elif inc is not None:
            rows = [book.orders[i] for (inc_id, _), i in book.by_increment.items() if inc_id == inc]
        elif eid is not None and eid.isdigit():
            rows = [book.orders[int(eid)]] if int(eid) in book.orders else []
        else:
            rows = list(book.orders.values())
        hits, total = apply(rows, crit)
        result = {
            "items": [OrderBook.render(o) for o in hits],
            "search_criteria": crit.echo(),
            "total_count": total,
        }
    return respond(request, render("sales-data-order-search-result-interface", result))


@router.get("/orders/{id}", dependencies=[Depends(guard("Magento_Sales::actions_view"))])
async def get_order(request: Request, id: str) -> Response:
    state = state_of(request)
    with state.lock:
        return respond(request, OrderBook.render(state.orders.get(int_id(id))))


@router.get("/orders/{id}/statuses", dependencies=[Depends(guard("Magento_Sales::actions_view"))])
async def order_status(request: Request, id: str) -> Response:
    state = state_of(request)
    with state.lock:
        return respond(request, state.orders.get(int_id(id)).get("status"))


@router.post("/orders/{id}/cancel", dependencies=[Depends(guard("Magento_Sales::cancel"))])
async def cancel_order(request: Request, id: str) -> Response:
    state = state_of(request)
    with state.lock:
        return respond(request, state.orders.cancel(int_id(id)))


@router.post("/orders/{id}/hold", dependencies=[Depends(guard("Magento_Sales::hold"))])
async def hold_order(request: Request, id: str) -> Response:
    state = state_of(request)
    with state.lock:
        return respond(request, state.orders.hold(int_id(id)))


@router.post("/orders/{id}/unhold", dependencies=[Depends(guard("Magento_Sales::unhold"))])
async def unhold_order(request: Request, id: str) -> Response:
    state = state_of(request)
    with state.lock:
        return respond(request, state.orders.unhold(int_id(id)))


@router.post("/orders/{id}/comments", dependencies=[Depends(guard("Magento_Sales::comment"))])
async def add_comment(request: Request, id: str) -> Response:
    body = await json_body(request)
    history = coerce(
        "sales-data-order-status-history-interface", _required(body, "statusHistory", "status_history")
    )
    require("sales-data-order-status-history-interface", history, "statusHistory")
    state = state_of(request)
    with state.lock:
        return respond(request, state.orders.add_comment(int_id(id), history or {}))


@router.get("/orders/{id}/comments", dependencies=[Depends(guard("Magento_Sales::actions_view"))])
async def list_comments(request: Request, id: str) -> Response:
    state = state_of(request)
    with state.lock:
        histories = list(state.orders.get(int_id(id))["status_histories"])
    result = {"items": histories, "total_count": len(histories), "search_criteria": {"filter_groups": []}}
    return respond(request, render("sales-data-order-status-history-search-result-interface", result))


@router.post("/order/{orderId}/invoice", dependencies=[Depends(guard("Magento_Sales::invoice"))])
async def invoice_order(request: Request, orderId: str) -> Response:
    body = await json_body(request)
    items = coerce(
        {"type": "array", "items": {"$ref": "#/definitions/sales-data-invoice-item-creation-interface"}},
        body.get("items"),
    )
    require({"type": "array", "items": {"$ref": "#/definitions/sales-data-invoice-item-creation-interface"}},
            items, "items")
    state = state_of(request)
    with state.lock:
        invoice_id = state.orders.invoice(int_id(orderId), items)
    return respond(request, _scalar_id(request, invoice_id))


@router.post("/order/{orderId}/ship", dependencies=[Depends(guard("Magento_Sales::ship"))])
async def ship_order(request: Request, orderId: str) -> Response:
    body = await json_body(request)
    items = coerce(
        {"type": "array", "items": {"$ref": "#/definitions/sales-data-shipment-item-creation-interface"}},
        body.get("items"),
    )
    tracks = coerce(
        {"type": "array", "items": {"$ref": "#/definitions/sales-data-shipment-track-creation-interface"}},
        body.get("tracks"),
    )
    require({"type": "array", "items": {"$ref": "#/definitions/sales-data-shipment-item-creation-interface"}},
            items, "items")
    require({"type": "array", "items": {"$ref": "#/definitions/sales-data-shipment-track-creation-interface"}},
            tracks, "tracks")
    state = state_of(request)
    with state.lock:
        shipment_id = state.orders.ship(int_id(orderId), items, tracks)
    return respond(request, _scalar_id(request, shipment_id))


# ---- directory -----------------------------------------------------------------------------------------
@router.get("/directory/countries", dependencies=[Depends(guard("anonymous"))])
async def all_countries(request: Request) -> Response:
    return respond(
        request,
        render({"type": "array", "items": {"$ref": "#/definitions/directory-data-country-information-interface"}},
               countries()),
    )


@router.get("/directory/currency", dependencies=[Depends(guard("anonymous"))])
async def currency(request: Request) -> Response:
    """The URL's store view: its base (and display) currency, the allowed currencies and their rates."""
    state = state_of(request)
    with state.lock:
        store = state.catalog.stores.get(ctx(request).get("store_id", 1))
        info = state.currencies.information(store.currency if store else "USD")
    return respond(request, render("directory-data-currency-information-interface", info))


@router.get("/directory/countries/{countryId}", dependencies=[Depends(guard("anonymous"))])
async def country(request: Request, countryId: str) -> Response:
    info = country_information(countryId)
    if info is None:
        raise MagentoError(404, "Requested country is not available.")
    return respond(request, render("directory-data-country-information-interface", info))


# ---- catalog, stores -----------------------------------------------------------------------------------
@router.get("/products/{sku}", dependencies=[Depends(guard("Magento_Catalog::products"))])
async def get_product(request: Request, sku: str) -> Response:
    state = state_of(request)
    with state.lock:
        product = state.catalog.product(sku).render()
    return respond(request, render("catalog-data-product-interface", product))


@router.get("/store/storeViews", dependencies=[Depends(guard("Magento_Backend::store"))])
async def store_views(request: Request) -> Response:
    state = state_of(request)
    with state.lock:
        views = [s.render() for s in sorted(state.catalog.stores.values(), key=lambda s: s.id)]
    return respond(request, views)


@router.get("/store/websites", dependencies=[Depends(guard("Magento_Backend::store"))])
async def websites(request: Request) -> Response:
    state = state_of(request)
    with state.lock:
        sites = [w.render() for w in sorted(state.catalog.websites.values(), key=lambda w: w.id)]
    return respond(request, sites)


@router.get("/store/storeConfigs", dependencies=[Depends(guard("Magento_Backend::store"))])
async def store_configs(request: Request) -> Response:
    state = state_of(request)
    codes = request.query_params.getlist("storeCodes[]") or request.query_params.getlist("storeCodes")
    with state.lock:
        stores = [s for s in sorted(state.catalog.stores.values(), key=lambda s: s.id) if s.id != 0]
        configs = [s.render_config(state.base_url) for s in stores if not codes or s.code in codes]
    return respond(request, configs)


# ---- MSI -----------------------------------------------------------------------------------------------
@router.get(
    "/inventory/get-product-salable-quantity/{sku}/{stockId}",
    dependencies=[Depends(guard("Magento_InventorySalesApi::stock"))],
)
async def salable_qty(request: Request, sku: str, stockId: str) -> Response:
    state = state_of(request)
    with state.lock:
        state.catalog.product(sku)
        return respond(request, _number(state.inventory.salable(sku, int_id(stockId))))


@router.get(
    "/inventory/stock-resolver/{type}/{code}",
    dependencies=[Depends(guard("Magento_InventoryApi::stock"))],
)
async def stock_resolver(request: Request, type: str, code: str) -> Response:
    state = state_of(request)
    with state.lock:
        site = state.catalog.website_by_code(code) if type == "website" else None
        if site is None or site.id == 0:
            raise not_found()
        stock_id = site.stock_id
    return respond(
        request,
        {
            "stock_id": stock_id,
            "name": "Default Stock" if stock_id == 1 else f"Stock {stock_id}",
            "extension_attributes": {"sales_channels": [{"type": "website", "code": code}]},
        },
    )


@router.post("/sales-channel/reservations", dependencies=[Depends(guard("Magento_InventoryApi::stock"))])
async def module_reservations(request: Request) -> Response:
    """Provided by OUR Magento module (deploy/magento-module), not by Magento/MSI."""
    body = await json_body(request)
    state = state_of(request)
    with state.lock:
        applied = state.inventory.apply_command(body.get("command"), state.catalog.products)
    return respond(request, {"applied": applied})
