""""Cancel on Amazon" requests (issue 18, item 4), published on ``user-requests`` for the canceller:
from the CLI (``sales-channel orders cancel-on-amazon``) or any caller that names who asked; and the
request a Magento order canceled in Magento stands for (``magento.cancellation.recorded``, read by the
canceller itself, never published).

The reason of a Magento cancellation: Magento asks the merchant for none. ``BuyerCanceled`` when
Amazon shows the buyer asked to cancel (an item's ``cancellation.cancellationRequest``, requester
BUYER: Amazon then keeps it out of the seller's cancellation rate); else ``NoInventory``, what a
seller canceling an Unshipped order before shipping most often means (M2E's default too). A merchant
who wants another of Amazon's reasons uses the Orders tab's "Cancel on Amazon"."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import get_args

from schemas.envelope import order_key
from schemas.events.fulfillment import (
    AmazonCancelRequestedData,
    AmazonCancelRequestedV1,
    CancelReason,
    MagentoCancellationRecordedV1,
)
from schemas.topics import USER_REQUESTS
from services.common.kafka import make_producer, publish_sync
from services.common.settings import Settings

PRODUCER = "orders_tab"
CANCELLER = "shipment_confirmer"  # the service that builds Magento cancellations' requests (in memory)
CANCEL_REASONS: tuple[str, ...] = get_args(CancelReason)
MAGENTO = "magento"  # requested_by and via of a Magento order canceled in Magento
MAGENTO_CANCEL_REASON: CancelReason = "NoInventory"
BUYER_CANCEL_REASON: CancelReason = "BuyerCanceled"


def cancel_request(store_id: str, amazon_order_id: str, reason: str, requested_by: str, via: str,
                   request_id: str | None = None) -> AmazonCancelRequestedV1:
    """Raises ``ValueError`` when ``reason`` is not one of Amazon's cancel reasons."""
    if reason not in CANCEL_REASONS:
        raise ValueError(f"{reason!r} is not one of Amazon's cancel reasons: {', '.join(CANCEL_REASONS)}")
    request_id = request_id or uuid.uuid4().hex
    event: AmazonCancelRequestedV1 = AmazonCancelRequestedV1.build(
        key=order_key(store_id, amazon_order_id), occurred_at=datetime.now(UTC), producer=PRODUCER,
        identity=(request_id,),
        data=AmazonCancelRequestedData(store_id=store_id, amazon_order_id=amazon_order_id,
                                       reason=reason, requested_by=requested_by,  # type: ignore[arg-type]
                                       via=via, request_id=request_id),
    )
    return event


def publish_cancel_request(settings: Settings, store_id: str, amazon_order_id: str, reason: str,
                           requested_by: str, via: str) -> AmazonCancelRequestedV1:
    """Publish one request and wait for the broker's acknowledgement."""
    event = cancel_request(store_id, amazon_order_id, reason, requested_by, via)
    producer = make_producer(settings)
    try:
        publish_sync(producer, USER_REQUESTS, [event])
    finally:
        producer.close()
    return event


def magento_cancel_request(fact: MagentoCancellationRecordedV1) -> AmazonCancelRequestedV1:
    """The request a Magento order canceled in Magento stands for: one per Magento order (a
    re-read outbox entry or a replay is the same request), with the default reason (the canceller
    turns it into ``BuyerCanceled`` when Amazon shows the buyer asked: ``reason_for``)."""
    d = fact.data
    request_id = f"magento:{d.magento_store_code}:{d.magento_order_id}"
    event: AmazonCancelRequestedV1 = AmazonCancelRequestedV1.build(
        key=fact.key, occurred_at=fact.occurred_at, producer=CANCELLER, identity=(request_id,),
        causation_id=fact.event_id,
        data=AmazonCancelRequestedData(store_id=d.store_id, amazon_order_id=d.amazon_order_id,
                                       reason=MAGENTO_CANCEL_REASON, requested_by=MAGENTO, via=MAGENTO,
                                       request_id=request_id),
    )
    return event


def reason_for(request: AmazonCancelRequestedV1, buyer_requested_cancel: bool) -> CancelReason:
    """The reason sent: the merchant's own on the tab or the CLI; for a Magento cancellation,
    ``BuyerCanceled`` when the buyer asked Amazon to cancel, else the default."""
    if request.data.via == MAGENTO and buyer_requested_cancel:
        return BUYER_CANCEL_REASON
    return request.data.reason
