"""Seller cancellations through the SP-API sandbox over HTTP (issue 18, item 4): the canceller runs
the whole feed flow; an Unshipped order ends Canceled with ``sent`` then ``accepted``, a shipped
one is refused without a feed, and a failing Amazon leaves the requests to be tried again. A
Magento order canceled in Magento is a request too: never echoed back for an order Amazon canceled,
refused when shipped, and never sent twice (the feeds held in PostgreSQL)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from sandbox._server import serve_in_thread
from sandbox.spapi import SandboxState
from sandbox.spapi.server import create_app as spapi_app
from schemas import Event
from schemas.events.fulfillment import (
    AmazonCancellationV1,
    AmazonCancelRequestedV1,
    MagentoCancellationRecordedData,
    MagentoCancellationRecordedV1,
)
from schemas.types import StoreConfig
from services.common.retry import RetryPolicy
from services.fulfillment.cancel_requests import cancel_request, magento_cancel_request
from services.fulfillment.canceller import MAGENTO_SHIPPED_REFUSAL, SHIPPED_REFUSAL, Canceller
from services.fulfillment.confirmer import TryLater
from services.fulfillment.db import CancellationFeeds
from services.fulfillment.spapi import ShipmentsClient
from services.poller.ratelimit import RateLimits

MARKETPLACE = "ATVPDKIKX0DER"
LOOP = asyncio.new_event_loop()  # the client's connections belong to one loop


@pytest.fixture
def amazon() -> Iterator[tuple[SandboxState, str, StoreConfig, ShipmentsClient]]:
    state = SandboxState(seed=5)
    handle = serve_in_thread(spapi_app(state))
    creds = state.create_seller(f"A{uuid.uuid4().hex[:10].upper()}", marketplace_id=MARKETPLACE)
    store = StoreConfig(store_id="s1", name="Store 1", merchant_id=1, seller_id=creds.seller_id,
                        marketplace_id=MARKETPLACE, spapi_endpoint=handle.url, lwa_credentials_ref="env:UNUSED",
                        integration_time=datetime(2026, 1, 1, tzinfo=UTC))
    client = ShipmentsClient(lwa_token_url=f"{handle.url}/auth/o2/token", limits=RateLimits(),
                             policy=RetryPolicy(max_attempts=3, base_s=0.01, cap_s=0.05),
                             resolver=lambda _ref: creds.as_dict(), use_date_header=False)
    try:
        yield state, creds.seller_id, store, client
    finally:
        LOOP.run_until_complete(client.aclose())
        handle.stop()


def run(canceller: Canceller, requests: list[Event], store_id: str = "s1") -> list[tuple[str, str, str | None]]:
    published: list[AmazonCancellationV1] = []

    async def publish(events: list[Event]) -> None:
        published.extend(e for e in events if isinstance(e, AmazonCancellationV1))

    LOOP.run_until_complete(canceller.cancel(store_id, requests, publish))  # type: ignore[arg-type]
    return [(e.data.amazon_order_id, e.data.outcome, e.data.reason) for e in published]


def canceled_in_magento(store_id: str, amazon_order_id: str, magento_order_id: int = 40,
                        entry_id: int = 1) -> AmazonCancelRequestedV1:
    fact: MagentoCancellationRecordedV1 = MagentoCancellationRecordedV1.build(
        key=f"{store_id}:{amazon_order_id}", occurred_at=datetime.now(UTC), producer="fulfillment_reader",
        identity=(entry_id,), data=MagentoCancellationRecordedData(
            store_id=store_id, amazon_order_id=amazon_order_id, magento_store_code="default",
            magento_order_id=magento_order_id, outbox_entry_id=entry_id))
    return magento_cancel_request(fact)


def test_unshipped_orders_are_canceled_by_one_feed_and_a_shipped_one_refused_without(amazon: tuple) -> None:
    state, seller, store, client = amazon
    one = state.create_order(seller, status="UNSHIPPED", fulfilled_by="MERCHANT")
    two = state.create_order(seller, status="UNSHIPPED", fulfilled_by="MERCHANT")
    shipped = state.ship(seller, state.create_order(seller, status="UNSHIPPED", fulfilled_by="MERCHANT").order_id)
    canceller = Canceller(client, lambda sid: store if sid == "s1" else None, poll_s=0.01)
    requests = [cancel_request("s1", o.order_id, "NoInventory", "ann", "cli") for o in (one, shipped, two)]
    outcomes = run(canceller, requests)  # type: ignore[arg-type]
    assert outcomes == [(shipped.order_id, "refused", SHIPPED_REFUSAL),
                        (one.order_id, "sent", None), (two.order_id, "sent", None),
                        (one.order_id, "accepted", None), (two.order_id, "accepted", None)]
    assert len(state.feeds.feeds) == 1
    for order in (one, two):
        assert state.get_order(seller, order.order_id).status == "CANCELLED"
        assert state.get_order(seller, order.order_id).cancel_reason == "NoInventory"
    assert state.get_order(seller, shipped.order_id).status == "SHIPPED"


def test_a_request_handled_again_finds_the_order_canceled_and_is_accepted(amazon: tuple) -> None:
    state, seller, store, client = amazon
    order = state.create_order(seller, status="UNSHIPPED", fulfilled_by="MERCHANT")
    canceller = Canceller(client, lambda _sid: store, poll_s=0.01)
    request = cancel_request("s1", order.order_id, "BuyerCanceled", "ann", "cli")
    run(canceller, [request])
    assert run(canceller, [request]) == [(order.order_id, "accepted", None)]
    assert len(state.feeds.feeds) == 1


def test_amazon_refusing_in_the_report_is_a_refusal_with_its_reason(amazon: tuple) -> None:
    state, seller, store, client = amazon
    order = state.create_order(seller, status="UNSHIPPED", fulfilled_by="MERCHANT")
    canceller = Canceller(client, lambda _sid: store, poll_s=0.01)
    real = state.cancel_by_seller
    state.cancel_by_seller = lambda *_a: "The order is under review."  # type: ignore[method-assign]
    try:
        outcomes = run(canceller, [cancel_request("s1", order.order_id, "NoInventory", "ann", "cli")])  # type: ignore[list-item]
    finally:
        state.cancel_by_seller = real  # type: ignore[method-assign]
    assert outcomes[-1] == (order.order_id, "refused", "The order is under review.")


def test_amazon_unreachable_leaves_the_requests_to_be_tried_again(amazon: tuple) -> None:
    state, seller, store, client = amazon
    order = state.create_order(seller, status="UNSHIPPED", fulfilled_by="MERCHANT")
    state.inject_fault("createFeedDocument", count=5, status=503, seller_id=seller)
    canceller = Canceller(client, lambda _sid: store, poll_s=0.01)
    with pytest.raises(TryLater):
        run(canceller, [cancel_request("s1", order.order_id, "NoInventory", "ann", "cli")])  # type: ignore[list-item]
    assert state.get_order(seller, order.order_id).status == "UNSHIPPED"


def test_a_request_for_a_store_not_integrated_is_refused(amazon: tuple) -> None:
    _, _, _, client = amazon
    outcomes = run(Canceller(client, lambda _sid: None), [cancel_request("s1", "111-9", "NoInventory", "a", "cli")])  # type: ignore[list-item]
    assert outcomes == [("111-9", "refused", "store s1 is not integrated")]


def test_the_reason_must_be_one_of_amazons() -> None:
    with pytest.raises(ValueError, match="cancel reasons"):
        cancel_request("s1", "111-9", "Because", "ann", "cli")


def test_a_magento_cancellation_of_an_order_amazon_canceled_sends_nothing_and_says_nothing(amazon: tuple) -> None:
    """Amazon canceled it; our writer then canceled the Magento order: no echo."""
    state, seller, store, client = amazon
    order = state.create_order(seller, status="UNSHIPPED", fulfilled_by="MERCHANT")
    state.cancel(seller, order.order_id, reason="BuyerCanceled", cancelled_by="BUYER")
    canceller = Canceller(client, lambda _sid: store, poll_s=0.01)
    assert run(canceller, [canceled_in_magento("s1", order.order_id)]) == []  # type: ignore[list-item]
    assert len(state.feeds.feeds) == 0


@pytest.mark.parametrize("partial", [False, True])
def test_a_magento_cancellation_of_a_shipped_order_is_refused_without_a_feed(amazon: tuple, partial: bool) -> None:
    state, seller, store, client = amazon
    order = state.create_order(seller, status="UNSHIPPED", fulfilled_by="MERCHANT",
                               items=[{"quantity": 2, "seller_sku": "SKU-1"}])
    state.ship(seller, order.order_id, {order.items[0].order_item_id: 1} if partial else None)
    canceller = Canceller(client, lambda _sid: store, poll_s=0.01)
    outcomes = run(canceller, [canceled_in_magento("s1", order.order_id)])  # type: ignore[list-item]
    assert outcomes == [(order.order_id, "refused", MAGENTO_SHIPPED_REFUSAL)]
    assert len(state.feeds.feeds) == 0
    assert state.get_order(seller, order.order_id).status == ("PARTIALLY_SHIPPED" if partial else "SHIPPED")


def test_a_magento_cancellation_is_sent_as_buyer_canceled_when_the_buyer_asked(amazon: tuple) -> None:
    state, seller, store, client = amazon
    asked = state.create_order(seller, status="UNSHIPPED", fulfilled_by="MERCHANT")
    state.request_cancellation(seller, asked.order_id)
    plain = state.create_order(seller, status="UNSHIPPED", fulfilled_by="MERCHANT")
    canceller = Canceller(client, lambda _sid: store, poll_s=0.01)
    outcomes = run(canceller, [canceled_in_magento("s1", asked.order_id, 40),  # type: ignore[list-item]
                               canceled_in_magento("s1", plain.order_id, 41)])
    assert [o[1] for o in outcomes] == ["sent", "sent", "accepted", "accepted"]
    assert state.get_order(seller, asked.order_id).cancel_reason == "BuyerCanceled"
    assert state.get_order(seller, plain.order_id).cancel_reason == "NoInventory"


def test_a_feed_sent_whose_report_was_never_read_is_not_sent_again(amazon: tuple, fulfillment_db: str) -> None:
    """A crash (here: Amazon failing every getFeed) after createFeed: the request comes again (a
    re-read outbox entry, a replay) while Amazon still shows the order Unshipped; the held feed's
    report is read instead of sending a second one."""
    state, seller, store, client = amazon
    store_id = f"s-{uuid.uuid4().hex[:8]}"
    order = state.create_order(seller, status="UNSHIPPED", fulfilled_by="MERCHANT")
    feeds = CancellationFeeds(fulfillment_db)
    canceller = Canceller(client, lambda _sid: store, feeds=feeds, poll_s=0.01)
    request = canceled_in_magento(store_id, order.order_id)
    state.inject_fault("getFeed", count=10, status=503, seller_id=seller)
    with pytest.raises(TryLater):
        run(canceller, [request], store_id)  # type: ignore[list-item]
    assert state.get_order(seller, order.order_id).status == "UNSHIPPED"
    held = feeds.held(store_id, order.order_id)
    assert held is not None and held.outcome is None and held.message_id == 1
    state.faults.clear()
    outcomes = run(canceller, [request, canceled_in_magento(store_id, order.order_id, entry_id=2)], store_id)  # type: ignore[list-item]
    assert outcomes == [(order.order_id, "accepted", None)]
    assert len(state.feeds.feeds) == 1
    assert state.get_order(seller, order.order_id).status == "CANCELLED"
    assert feeds.held(store_id, order.order_id) == held.__class__(held.feed_id, held.request_id, 1, "accepted")
    # and once answered, a replay finds the order canceled: nothing more (no echo, no second feed)
    assert run(canceller, [request], store_id) == []  # type: ignore[list-item]
    assert len(state.feeds.feeds) == 1


def test_a_refused_feed_does_not_stop_a_later_request(amazon: tuple, fulfillment_db: str) -> None:
    state, seller, store, client = amazon
    store_id = f"s-{uuid.uuid4().hex[:8]}"
    order = state.create_order(seller, status="UNSHIPPED", fulfilled_by="MERCHANT")
    canceller = Canceller(client, lambda _sid: store, feeds=CancellationFeeds(fulfillment_db), poll_s=0.01)
    real = state.cancel_by_seller
    state.cancel_by_seller = lambda *_a: "The order is under review."  # type: ignore[method-assign]
    try:
        run(canceller, [cancel_request(store_id, order.order_id, "NoInventory", "ann", "cli")], store_id)  # type: ignore[list-item]
    finally:
        state.cancel_by_seller = real  # type: ignore[method-assign]
    outcomes = run(canceller, [cancel_request(store_id, order.order_id, "NoInventory", "ann", "cli")], store_id)  # type: ignore[list-item]
    assert outcomes == [(order.order_id, "sent", None), (order.order_id, "accepted", None)]
    assert len(state.feeds.feeds) == 2
