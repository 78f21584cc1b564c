"""Issue 18's cancellation scenario from Magento, on the real broker and PostgreSQL: the merchant
cancels, in the Magento stand-in, the Magento order of an Unshipped Amazon order → the module's
outbox → the reader's ``magento.cancellation.recorded`` → the canceller's feed → the SP-API sandbox
cancels the order, and the order's log reads "Cancellation sent to Amazon." then "Amazon accepted
the cancellation." and ends Canceled. Canceling the Magento order of a shipped order is refused with
a clear log entry; the writer's own cancel of an order Amazon canceled sends nothing (no echo); the
outbox read again from the start sends no second feed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from kafka import KafkaConsumer
from kafka.errors import CommitFailedError

from sandbox._server import serve_in_thread
from sandbox.spapi import SandboxState
from sandbox.spapi.server import create_app as spapi_app
from schemas import Event, decode
from schemas.events.fulfillment import AmazonCancellationV1, AmazonCancelRequestedV1, MagentoCancellationRecordedV1
from schemas.topics import AMAZON_CONFIRMATIONS, MAGENTO_FULFILLMENT
from schemas.types import AmazonStatus, StoreConfig, TabStatus
from services.common.deadletters import DeadLetters
from services.common.kafka import make_consumer, make_producer, publish_sync
from services.common.retry import RetryPolicy
from services.common.settings import Settings
from services.fulfillment.canceller import MAGENTO_SHIPPED_REFUSAL, Canceller
from services.fulfillment.canceller_main import request_of
from services.fulfillment.db import CancellationFeeds, CursorStore
from services.fulfillment.reader import OutboxReader
from services.fulfillment.spapi import ShipmentsClient
from services.magento_writer.magento.client import MagentoClient
from services.poller.ratelimit import RateLimits
from tests.fulfillment.conftest import amazon_order_in_magento
from tests.order_processor.driver import Fold
from tests.order_processor.factory import Script, store_config

MARKETPLACE = "ATVPDKIKX0DER"


@pytest.fixture
def spapi() -> Iterator[tuple[SandboxState, str]]:
    state = SandboxState(seed=11)
    handle = serve_in_thread(spapi_app(state))
    try:
        yield state, handle.url
    finally:
        handle.stop()


def commit(consumer: KafkaConsumer) -> None:
    try:
        consumer.commit()
    except CommitFailedError:
        pass  # rebalanced (a slow shared machine): the records come again, which is under test too


def test_canceling_in_magento_reaches_amazon_once_and_a_shipped_order_is_refused(
    topics: Settings, fulfillment_db: str, magento: tuple, magento_client: MagentoClient,
    spapi: tuple[SandboxState, str],
) -> None:
    mstate, murl = magento
    sstate, surl = spapi
    store_id = f"s-{uuid.uuid4().hex[:8]}"  # the feeds held in PostgreSQL are per store and order
    creds = sstate.create_seller(f"A{uuid.uuid4().hex[:10].upper()}", marketplace_id=MARKETPLACE)
    store = StoreConfig(store_id=store_id, name="Store 1", merchant_id=1, seller_id=creds.seller_id,
                        marketplace_id=MARKETPLACE, spapi_endpoint=surl, lwa_credentials_ref="env:UNUSED",
                        integration_time=datetime(2026, 1, 1, tzinfo=UTC))

    def amazon_order(status: str = "UNSHIPPED") -> tuple[str, int]:
        order = sstate.create_order(creds.seller_id, status=status, fulfilled_by="MERCHANT",
                                    items=[{"quantity": 1, "seller_sku": "SKU-1"}], marketplace_id=MARKETPLACE)
        entity_id = amazon_order_in_magento(mstate, order.order_id, [("SKU-1", order.items[0].order_item_id, 1)])
        return order.order_id, entity_id

    unshipped, unshipped_mid = amazon_order()
    shipped, shipped_mid = amazon_order()
    sstate.ship(creds.seller_id, shipped)  # shipped in Seller Central; the Magento order is not invoiced yet
    by_amazon, by_amazon_mid = amazon_order()
    sstate.cancel(creds.seller_id, by_amazon, reason="BuyerCanceled", cancelled_by="BUYER")

    # the merchant cancels two Magento orders in the admin; the writer cancels the third over REST
    for entity_id in (unshipped_mid, shipped_mid):
        resp = httpx.post(f"{murl}/_sandbox/orders/{entity_id}/cancel")
        assert resp.status_code == 200 and resp.json()["state"] == "canceled", resp.text
    assert magento_client.cancel_order("default", by_amazon_mid) is True

    producer = make_producer(topics)
    dead_letters = DeadLetters(producer, "shipment_confirmer")
    group = f"canceller-{uuid.uuid4().hex[:6]}"
    consumer = make_consumer(topics, group, [MAGENTO_FULFILLMENT])
    outcomes_in = make_consumer(topics, f"log-{uuid.uuid4().hex[:6]}", [AMAZON_CONFIRMATIONS])
    client = ShipmentsClient(lwa_token_url=f"{surl}/auth/o2/token", limits=RateLimits(),
                             policy=RetryPolicy(max_attempts=4, base_s=0.05, cap_s=0.2),
                             resolver=lambda _ref: creds.as_dict(), use_date_header=False)
    canceller = Canceller(client, lambda sid: store if sid == store_id else None,
                          feeds=CancellationFeeds(fulfillment_db), poll_s=0.01)
    ours = {unshipped, shipped, by_amazon}

    def reader(source: str) -> OutboxReader:
        return OutboxReader(magento_client, source, CursorStore(fulfillment_db),
                            lambda evs: publish_sync(producer, MAGENTO_FULFILLMENT, evs),
                            lambda code: [store_id] if code == "default" else [])

    loop = asyncio.new_event_loop()

    async def publish(events: list[Event]) -> None:
        publish_sync(producer, AMAZON_CONFIRMATIONS, events)

    def cancel_what_was_read(expected: int) -> list[MagentoCancellationRecordedV1]:
        """Consume the reader's facts as the amazon-canceller does, until ``expected`` of ours."""
        seen: list[MagentoCancellationRecordedV1] = []
        deadline = loop.time() + 60
        while len(seen) < expected:
            assert loop.time() < deadline, f"only {len(seen)} cancellations read"
            requests: list[AmazonCancelRequestedV1] = []
            for records in consumer.poll(500).values():
                for record in records:
                    event = dead_letters.decode(record)  # as the service does: another test's poison
                    if event is None:
                        continue
                    request = request_of(event)
                    if isinstance(event, MagentoCancellationRecordedV1) and event.data.amazon_order_id in ours:
                        seen.append(event)
                        assert request is not None
                        requests.append(request)
            if requests:
                loop.run_until_complete(canceller.cancel(store_id, requests, publish))
            commit(consumer)  # after every outcome was acknowledged
        return seen

    def outcomes(expected: int, quiet_s: float = 0.0) -> list[AmazonCancellationV1]:
        """``expected`` outcomes of ours, then whatever else comes within ``quiet_s``."""
        got: list[AmazonCancellationV1] = []
        deadline = loop.time() + 60
        quiet_until = loop.time() + quiet_s
        while len(got) < expected or loop.time() < quiet_until:
            assert loop.time() < deadline, got
            for records in outcomes_in.poll(500).values():
                got.extend(e for r in records if isinstance(e := decode(r.value), AmazonCancellationV1)
                           and e.data.amazon_order_id in ours)
        return got

    try:
        first = reader(f"m-{uuid.uuid4().hex[:6]}")
        page = first.read_page()
        assert (page.read, page.published) == (3, 3)
        facts = cancel_what_was_read(3)
        assert {f.data.amazon_order_id for f in facts} == ours
        assert {f.data.amazon_order_id: f.data.source.area for f in facts} == {
            unshipped: "adminhtml", shipped: "adminhtml", by_amazon: "webapi_rest"}

        published = outcomes(3)
        assert sorted((o.data.amazon_order_id, o.data.outcome, o.data.reason) for o in published) == sorted([
            (shipped, "refused", MAGENTO_SHIPPED_REFUSAL), (unshipped, "sent", None), (unshipped, "accepted", None)])
        assert len(sstate.feeds.feeds) == 1  # only the Unshipped order's; none for the echo
        assert sstate.get_order(creds.seller_id, unshipped).status == "CANCELLED"
        assert sstate.get_order(creds.seller_id, unshipped).cancel_reason == "NoInventory"
        assert sstate.get_order(creds.seller_id, shipped).status == "SHIPPED"

        # the outbox read again from the start (a lost cursor, a replay): no second feed, no new outcome
        again = reader(f"m-{uuid.uuid4().hex[:6]}")
        assert again.read_page().published == 3
        cancel_what_was_read(3)
        assert len(sstate.feeds.feeds) == 1
        # the shipped order's refusal is published again as the same event (the log keeps it once)
        assert {o.event_id for o in outcomes(1, quiet_s=3.0)} <= {o.event_id for o in published}

        # the order log, as the order processor folds these outcomes (then Amazon's Canceled fact)
        config = store_config(store_id)
        canceled = Script(store_id, unshipped)
        log = Fold(config)
        log(canceled.amazon(AmazonStatus.UNSHIPPED), canceled.created("000000001"))
        log(*[o for o in published if o.data.amazon_order_id == unshipped])
        log(canceled.amazon(AmazonStatus.CANCELED))
        assert log.log[-3:] == ["Cancellation sent to Amazon.", "Amazon accepted the cancellation.",
                                "Amazon order canceled."]
        assert log.view.status == TabStatus.CANCELED

        refused = Script(store_id, shipped)
        log = Fold(config)
        log(refused.amazon(AmazonStatus.SHIPPED), refused.created("000000002"))
        log(*[o for o in published if o.data.amazon_order_id == shipped])
        assert log.log[-1] == ("Amazon refused the cancellation: the Magento order was canceled, but the Amazon "
                               "order is already shipped, and shipped orders cannot be canceled.")
        assert log.view.last_action == log.log[-1]
    finally:
        loop.run_until_complete(client.aclose())
        loop.close()
        consumer.close()
        outcomes_in.close()
        producer.close()
