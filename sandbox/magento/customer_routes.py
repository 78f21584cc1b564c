"""Customer REST routes (Magento_Customer webapi.xml ACL ids), mounted under /rest/V1."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from sandbox.magento.customers import CustomerBook
from sandbox.magento.errors import REQUIRED_FIELD, MagentoError
from sandbox.magento.http_util import ctx, guard, int_id, json_body, respond, state_of
from sandbox.magento.schema import coerce, render
from sandbox.magento.search import apply, parse

router = APIRouter(prefix="/rest/V1")


@router.post("/customers", dependencies=[Depends(guard("Magento_Customer::manage"))])
async def create_customer(request: Request) -> Response:
    body = await json_body(request)
    if body.get("customer") is None:
        raise MagentoError(400, REQUIRED_FIELD, {"fieldName": "customer"})
    data = coerce("customer-data-customer-interface", body["customer"]) or {}
    state = state_of(request)
    with state.lock:
        return respond(request, CustomerBook.render(state.customers.create(data, ctx(request).get("store_id", 1))))


@router.get("/customers/search", dependencies=[Depends(guard("Magento_Customer::customer"))])
async def search_customers(request: Request) -> Response:
    crit = parse(request.query_params.multi_items())
    state = state_of(request)
    with state.lock:
        hits, total = apply([CustomerBook.render(c) for c in state.customers.customers.values()], crit)
    result = {"items": hits, "search_criteria": crit.echo(), "total_count": total}
    return respond(request, render("customer-data-customer-search-results-interface", result))


@router.get("/customers/{customerId}", dependencies=[Depends(guard("Magento_Customer::customer"))])
async def get_customer(request: Request, customerId: str) -> Response:
    state = state_of(request)
    with state.lock:
        return respond(request, CustomerBook.render(state.customers.get(int_id(customerId))))
