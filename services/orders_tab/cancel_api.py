"""The Orders tab's "Cancel on Amazon" action: ``POST /api/orders/{store}/{order}/cancel-on-amazon``
publishes ``order.amazon_cancel.requested`` (``services.fulfillment.cancel_requests``) for the
amazon-canceller, with one of Amazon's cancel reasons. A shipped order is refused here with a clear
message (Amazon does not cancel shipped orders), and so is an order Amazon already shows canceled."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from schemas.events.fulfillment import CancelReason
from schemas.topics import USER_REQUESTS
from schemas.types import AmazonStatus
from services.common.kafka import publish_sync
from services.fulfillment.cancel_requests import cancel_request
from services.orders_tab import query
from services.orders_tab.api import ERRORS, READER, AmazonOrderId, StoreId
from services.orders_tab.auth import api_access
from services.orders_tab.logins import Principal
from services.orders_tab.presenter import ErrorOut
from services.orders_tab.roles import Permission

CANCELLER = api_access(Permission.CANCEL)
SHIPPED = frozenset({AmazonStatus.SHIPPED.value, AmazonStatus.PARTIALLY_SHIPPED.value})
RESPONSES = {**ERRORS, 409: {"model": ErrorOut}}
router = APIRouter(prefix="/api", dependencies=[Depends(READER)], responses=RESPONSES)  # type: ignore[arg-type]


class CancelOnAmazonIn(BaseModel):
    reason: CancelReason


class CancelOnAmazonOut(BaseModel):
    request_id: str
    event_id: str
    message: str


def refusal(amazon_status: str) -> str | None:
    """Why an order Amazon shows as ``amazon_status`` cannot be canceled on Amazon (None: it can)."""
    if amazon_status in SHIPPED:
        return "Amazon does not cancel a shipped order: it has been shipped, so it cannot be canceled."
    if amazon_status == AmazonStatus.CANCELED.value:
        return "Amazon already shows this order as canceled."
    return None


@router.post(
    "/orders/{store_id}/{amazon_order_id}/cancel-on-amazon",
    response_model=CancelOnAmazonOut,
    status_code=202,
    summary="Cancel the order on Amazon (seller cancellation, with one of Amazon's cancel reasons)",
)
def cancel_on_amazon(
    request: Request,
    store_id: StoreId,
    amazon_order_id: AmazonOrderId,
    body: CancelOnAmazonIn,
    who: Annotated[Principal, Depends(CANCELLER)],
) -> CancelOnAmazonOut:
    with request.app.state.engine.connect() as conn:
        row = query.order(conn, store_id, amazon_order_id)
    if row is None:
        raise HTTPException(404, detail=f"no order {amazon_order_id} in store {store_id}")
    if (why := refusal(str(row["amazon_status"]))) is not None:
        raise HTTPException(409, detail=why)
    event = cancel_request(store_id, amazon_order_id, body.reason, requested_by=who.name,
                          via=str(who.via.value))
    publish_sync(request.app.state.producer(), USER_REQUESTS, [event])
    return CancelOnAmazonOut(request_id=event.data.request_id, event_id=event.event_id,
                             message="Cancellation on Amazon requested.")
