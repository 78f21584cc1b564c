"""Seller cancellations to Amazon (issue 18, item 4): one store's requests become one
``POST_ORDER_ACKNOWLEDGEMENT_DATA`` feed (StatusCode Failure, Amazon's cancel reason per item),
run through the whole flow (``createFeedDocument`` → upload → ``createFeed`` → ``getFeed`` until
finished → processing report), each order's outcome published as ``amazon.cancellation``:
``sent`` once the feed is created, then ``accepted`` or ``refused`` with Amazon's reason.

Two triggers: "Cancel on Amazon" (the tab or the CLI) and a Magento order canceled in Magento
(``magento_cancel_request``, ``via`` magento). Before the feed, each order is read with
``getOrder``: a shipped (or partially shipped) order is refused at once, with no feed — shipped
orders cannot be canceled; one Amazon already shows as canceled needs no feed: accepted for a
merchant's request, nothing at all for a Magento cancellation (most often our own writer's, after
Amazon canceled the order: no echo).

Never a second feed for one order: with ``feeds`` (``CancellationFeeds``) each feed sent is held
per order until its report is read, and an order whose feed is held unanswered is not sent again:
that feed's report is read instead (a re-read outbox entry, a replay, a crash between
``createFeed`` and the commit). Without it, a request handled again finds the order canceled once
Amazon processed the first feed."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Protocol

from schemas import Event
from schemas.events.fulfillment import (
    AmazonCancellationData,
    AmazonCancellationV1,
    AmazonCancelRequestedV1,
    CancellationOutcome,
)
from services.common.logging import get_logger
from services.fulfillment import metrics
from services.fulfillment.cancel_requests import MAGENTO, reason_for
from services.fulfillment.confirmer import TryLater
from services.fulfillment.db import SentFeed
from services.fulfillment.decide import AmazonOrderView
from services.fulfillment.feeds import (
    ACKNOWLEDGEMENT_FEED,
    CONTENT_TYPE,
    BadReport,
    Cancellation,
    acknowledgement_feed,
    read_report_messages,
)
from services.fulfillment.spapi import ShipmentsClient
from services.fulfillment.stores import StoreLookup
from services.poller.spapi.port import SpApiError

log = get_logger(__name__)
PRODUCER = "shipment_confirmer"
SHIPPED = frozenset({"SHIPPED", "PARTIALLY_SHIPPED"})
CANCELED = frozenset({"CANCELLED", "CANCELED"})
SHIPPED_REFUSAL = "the order is already shipped, and shipped orders cannot be canceled"
MAGENTO_SHIPPED_REFUSAL = ("the Magento order was canceled, but the Amazon order is already shipped, and shipped "
                           "orders cannot be canceled")
FEED_POLL_S = 30.0  # getFeed: Amazon processes acknowledgement feeds in minutes
FEED_WAIT_S = 3600.0

Publish = Callable[[list[Event]], Awaitable[None]]


class FeedLedger(Protocol):
    """``services.fulfillment.db.CancellationFeeds``."""

    def held(self, store_id: str, amazon_order_id: str) -> SentFeed | None: ...

    def sent(self, store_id: str, feed_id: str, orders: list[tuple[str, str, int]]) -> None: ...

    def answered(self, store_id: str, feed_id: str, outcomes: list[tuple[str, str]]) -> None: ...


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
    def __init__(self, client: ShipmentsClient, stores: StoreLookup, *, feeds: FeedLedger | None = None,
                 poll_s: float = FEED_POLL_S, wait_s: float = FEED_WAIT_S,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.client = client
        self.stores = stores
        self.feeds = feeds
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
        awaited: dict[str, dict[str, tuple[AmazonCancelRequestedV1, int]]] = defaultdict(dict)
        for request in requests:
            order_id = request.data.amazon_order_id
            if order_id in to_send or any(order_id in held for held in awaited.values()):
                continue  # asked twice: one message in the feed
            held = self.feeds.held(store_id, order_id) if self.feeds else None
            if held is not None and held.outcome is None:
                # a feed already went out for it and its report was never read: read it, send nothing
                awaited[held.feed_id][order_id] = (request, held.message_id)
                continue
            try:
                raw = await self.client.get_order(store, order_id)
            except SpApiError as exc:
                raise TryLater(f"getOrder: {exc}") from exc
            order = AmazonOrderView.from_v2026(raw) if raw is not None else None
            magento = request.data.via == MAGENTO
            if order is None:
                decided.append(outcome(request, "refused", f"Amazon has no order {order_id}"))
            elif order.status in SHIPPED:
                decided.append(outcome(request, "refused", MAGENTO_SHIPPED_REFUSAL if magento else SHIPPED_REFUSAL))
            elif order.status in CANCELED:
                if magento:  # Amazon canceled it (our writer then canceled the Magento order) or our feed did
                    log.info("amazon_cancellation_not_needed", store=store_id, order=order_id, status=order.status)
                else:
                    decided.append(outcome(request, "accepted"))
            else:
                items = tuple(i.order_item_id for i in order.items)
                reason = reason_for(request, order.buyer_requested_cancel)
                to_send[order_id] = (request, Cancellation(order_id, reason, items))
        if decided:
            await publish(decided)
        for feed_id, held_orders in awaited.items():
            await self._answer(store_id, feed_id, held_orders, publish)
        if not to_send:
            return
        sent = [cancellation for _, cancellation in to_send.values()]
        try:
            feed_id = await self.client.send_feed(store, ACKNOWLEDGEMENT_FEED,
                                                  acknowledgement_feed(store.seller_id, sent), CONTENT_TYPE)
        except SpApiError as exc:
            raise TryLater(f"createFeed: {exc}") from exc
        # message i (from 1) of the feed is sent[i - 1]
        in_feed = {oid: (request, number) for number, (oid, (request, _)) in enumerate(to_send.items(), 1)}
        if self.feeds is not None:
            self.feeds.sent(store_id, feed_id, [(oid, r.data.request_id, n) for oid, (r, n) in in_feed.items()])
        log.info("cancellation_feed_sent", store=store_id, feed=feed_id, orders=len(sent))
        await publish([outcome(request, "sent", feed_id=feed_id) for request, _ in to_send.values()])
        await self._answer(store_id, feed_id, in_feed, publish)

    async def _answer(self, store_id: str, feed_id: str, orders: dict[str, tuple[AmazonCancelRequestedV1, int]],
                      publish: Publish) -> None:
        """Read ``feed_id``'s report for ``orders`` (each with its message id in the feed), publish
        each outcome, then mark the feed answered."""
        results = await self._results(store_id, feed_id, [(n, oid) for oid, (_, n) in orders.items()])
        await publish([outcome(orders[order_id][0], "refused" if error else "accepted", error, feed_id)
                       for order_id, error in results])
        if self.feeds is not None:
            answers = [(order_id, "refused" if error else "accepted") for order_id, error in results]
            self.feeds.answered(store_id, feed_id, answers)

    async def _results(self, store_id: str, feed_id: str,
                       sent: list[tuple[int, str]]) -> list[tuple[str, str | None]]:
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
                return [(order_id, reason) for _, order_id in sent]
            report = await self.client.feed_report(store, status.result_document_id)
        except SpApiError as exc:
            raise TryLater(f"feed {feed_id}: {exc}") from exc
        try:
            return [(r.amazon_order_id, r.error) for r in read_report_messages(report, sent)]
        except BadReport as exc:
            return [(order_id, f"Amazon's processing report is unreadable: {exc}") for _, order_id in sent]
