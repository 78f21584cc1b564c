""""Cancel on Amazon" requests (issue 18, item 4), published on ``user-requests`` for the canceller:
from the CLI (``sales-channel orders cancel-on-amazon``) or any caller that names who asked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import get_args

from schemas.envelope import order_key
from schemas.events.fulfillment import AmazonCancelRequestedData, AmazonCancelRequestedV1, CancelReason
from schemas.topics import USER_REQUESTS
from services.common.kafka import make_producer, publish_sync
from services.common.settings import Settings

PRODUCER = "orders_tab"
CANCEL_REASONS: tuple[str, ...] = get_args(CancelReason)


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
