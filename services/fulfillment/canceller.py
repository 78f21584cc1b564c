"""Seller cancellations to Amazon (issue 18, item 4): one store's requests become one
``POST_ORDER_ACKNOWLEDGEMENT_DATA`` feed (StatusCode Failure, Amazon's cancel reason per item),
run through the whole flow (``createFeedDocument`` → upload → ``createFeed`` → ``getFeed`` until
finished → processing report), each order's outcome published as ``amazon.cancellation``:
``sent`` once the feed is created, then ``accepted`` or ``refused`` with Amazon's reason.

Before the feed, each order is read with ``getOrder``: a shipped (or partially shipped) order is
refused at once, with no feed — shipped orders cannot be canceled; one Amazon already shows as
canceled is accepted. A request handled again after a crash therefore finds the order canceled
and is accepted, never sent twice in a way that matters."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from schemas import Event
from schemas.events.fulfillment import (
    AmazonCancellationData,
    AmazonCancellationV1,
    AmazonCancelRequestedV1,
    CancellationOutcome,
)
from services.common.logging import get_logger
from services.fulfillment import metrics
from services.fulfillment.confirmer import TryLater
from services.fulfillment.decide import AmazonOrderView
from services.fulfillment.feeds import (
    ACKNOWLEDGEMENT_FEED,
    CONTENT_TYPE,
    BadReport,
    Cancellation,
    acknowledgement_feed,
    read_report,
)
from services.fulfillment.spapi import ShipmentsClient
from services.fulfillment.stores import StoreLookup
from services.poller.spapi.port import SpApiError

log = get_logger(__name__)
PRODUCER = "shipment_confirmer"
SHIPPED = frozenset({"SHIPPED", "PARTIALLY_SHIPPED"})
CANCELED = frozenset({"CANCELLED", "CANCELED"})
SHIPPED_REFUSAL = "the order is already shipped, and shipped orders cannot be canceled"
FEED_POLL_S = 30.0  # getFeed: Amazon processes acknowledgement feeds in minutes
FEED_WAIT_S = 3600.0

Publish = Callable[[list[Event]], Awaitable[None]]


def outcome(request: AmazonCancelRequestedV1, result: CancellationOutcome, reason: str | None = None,
            feed_id: str | None = None) -> AmazonCancellationV1:
    data = request.data
    event: AmazonCancellationV1 = AmazonCancellationV1.build(
        key=request.key, occurred_at=datetime.now(UTC), producer=PRODUCER, identity=(data.request_id, result),
        causation_id=request.event_id,
        data=AmazonCancellationData(store_id=data.store_id, amazon_order_id=data.amazon_order_id,
                                    request_id=data.request_id, outcome=result, reason=reason, feed_id=feed_id),
    )
    return event


class Canceller:
    def __init__(self, client: ShipmentsClient, stores: StoreLookup, *, poll_s: float = FEED_POLL_S,
                 wait_s: float = FEED_WAIT_S, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.client = client
        self.stores = stores
        self.poll_s = poll_s
        self.wait_s = wait_s
        self.sleep = sleep

    async def cancel(self, store_id: str, requests: Sequence[AmazonCancelRequestedV1], publish: Publish) -> None:
        async def counted(events: list[Event]) -> None:
            await publish(events)
            for event in events:
                if isinstance(event, AmazonCancellationV1):
                    metrics.CANCELLATIONS.labels(store_id, event.data.outcome).inc()

        await self._cancel(store_id, requests, counted)

    async def _cancel(self, store_id: str, requests: Sequence[AmazonCancelRequestedV1], publish: Publish) -> None:
        """Cancel ``requests`` (all of ``store_id``) on Amazon in one feed, publishing each outcome
        as it is known. Raises ``TryLater`` when Amazon cannot be reached (nothing is lost: the
        requests are handled again, and an order already canceled is accepted)."""
        store = self.stores(store_id)
        if store is None:
            await publish([outcome(r, "refused", f"store {store_id} is not integrated") for r in requests])
            return
        decided: list[Event] = []
        to_send: dict[str, tuple[AmazonCancelRequestedV1, Cancellation]] = {}
        for request in requests:
            order_id = request.data.amazon_order_id
            if order_id in to_send:
                continue  # asked twice: one message in the feed
            try:
                raw = await self.client.get_order(store, order_id)
            except SpApiError as exc:
                raise TryLater(f"getOrder: {exc}") from exc
            order = AmazonOrderView.from_v2026(raw) if raw is not None else None
            if order is None:
                decided.append(outcome(request, "refused", f"Amazon has no order {order_id}"))
            elif order.status in SHIPPED:
                decided.append(outcome(request, "refused", SHIPPED_REFUSAL))
            elif order.status in CANCELED:
                decided.append(outcome(request, "accepted"))
            else:
                items = tuple(i.order_item_id for i in order.items)
                to_send[order_id] = (request, Cancellation(order_id, request.data.reason, items))
        if decided:
            await publish(decided)
        if not to_send:
            return
        sent = [cancellation for _, cancellation in to_send.values()]
        try:
            feed_id = await self.client.send_feed(store, ACKNOWLEDGEMENT_FEED,
                                                  acknowledgement_feed(store.seller_id, sent), CONTENT_TYPE)
        except SpApiError as exc:
            raise TryLater(f"createFeed: {exc}") from exc
        log.info("cancellation_feed_sent", store=store_id, feed=feed_id, orders=len(sent))
        await publish([outcome(request, "sent", feed_id=feed_id) for request, _ in to_send.values()])
        results = await self._results(store_id, feed_id, sent)
        await publish([outcome(to_send[order_id][0], "refused" if error else "accepted", error, feed_id)
                       for order_id, error in results])

    async def _results(self, store_id: str, feed_id: str, sent: list[Cancellation]) -> list[tuple[str, str | None]]:
        store = self.stores(store_id)
        assert store is not None
        waited = 0.0
        try:
            status = await self.client.feed(store, feed_id)
            while not status.finished:
                if waited >= self.wait_s:
                    raise TryLater(f"feed {feed_id} still {status.status} after {waited:.0f} s")
                await self.sleep(self.poll_s)
                waited += self.poll_s
                status = await self.client.feed(store, feed_id)
            if status.status != "DONE" or status.result_document_id is None:
                reason = f"Amazon could not process the cancellation feed ({status.status})"
                return [(c.amazon_order_id, reason) for c in sent]
            report = await self.client.feed_report(store, status.result_document_id)
        except SpApiError as exc:
            raise TryLater(f"feed {feed_id}: {exc}") from exc
        try:
            return [(r.amazon_order_id, r.error) for r in read_report(report, sent)]
        except BadReport as exc:
            return [(c.amazon_order_id, f"Amazon's processing report is unreadable: {exc}") for c in sent]
