"""Issue 18's shipment scenario on the real broker and PostgreSQL: a merchant ships an Unshipped order
in the Magento stand-in as two packages → the reader publishes the facts → the confirmer confirms
them → the SP-API sandbox holds exactly those two packages and the order is Shipped; a corrected
tracking number edits the same package; a shipment mirroring Amazon's packages is not echoed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

import httpx
import pytest
from kafka import KafkaConsumer
from kafka.errors import CommitFailedError

from sandbox._server import serve_in_thread
from sandbox.spapi import SandboxState
from sandbox.spapi.server import create_app as spapi_app
from schemas import Event
from schemas.events.fulfillment import ShipmentConfirmationV1
from schemas.topics import AMAZON_CONFIRMATIONS, MAGENTO_FULFILLMENT
from schemas.types import StoreConfig
from services.common.deadletters import DeadLetters
from services.common.kafka import make_consumer, make_producer, publish_sync
from services.common.retry import RetryPolicy
from services.common.settings import Settings
from services.fulfillment.confirmer import Confirmer
from services.fulfillment.db import CursorStore
from services.fulfillment.reader import OutboxReader
from services.fulfillment.spapi import ShipmentsClient
from services.magento_writer.magento.client import MagentoClient
from services.poller.ratelimit import RateLimits
from tests.fulfillment.conftest import amazon_order_in_magento

MARKETPLACE = "ATVPDKIKX0DER"


def commit(consumer: KafkaConsumer) -> None:
    """A rebalance (a slow, shared test machine) may refuse the commit: the records come again,
    and confirming them again is an edit of the same package, which is what is under test."""
    try:
        consumer.commit()
    except CommitFailedError:
        pass


@pytest.fixture
def spapi() -> Iterator[tuple[SandboxState, str]]:
    state = SandboxState(seed=3)
    handle = serve_in_thread(spapi_app(state))
    try:
        yield state, handle.url
    finally:
        handle.stop()


def test_two_packages_then_a_corrected_tracking_number(
    topics: Settings, fulfillment_db: str, magento: tuple, magento_client: MagentoClient,
    spapi: tuple[SandboxState, str],
) -> None:
    mstate, _ = magento
    sstate, surl = spapi
    creds = sstate.create_seller(f"A{uuid.uuid4().hex[:10].upper()}", marketplace_id=MARKETPLACE)
    amazon = sstate.create_order(creds.seller_id, status="UNSHIPPED", fulfilled_by="MERCHANT",
                                 items=[{"quantity": 2, "seller_sku": "SKU-1"}, {"quantity": 1, "seller_sku": "SKU-2"}],
                                 marketplace_id=MARKETPLACE)
    a1, a2 = (i.order_item_id for i in amazon.items)
    store = StoreConfig(store_id="s1", name="Store 1", merchant_id=1, seller_id=creds.seller_id,
                        marketplace_id=MARKETPLACE, spapi_endpoint=surl, lwa_credentials_ref="env:UNUSED",
                        integration_time=datetime(2026, 1, 1, tzinfo=UTC))
    entity_id = amazon_order_in_magento(mstate, amazon.order_id, [("SKU-1", a1, 2), ("SKU-2", a2, 1)])

    # the merchant ships it in Magento as two packages
    def ship(sku: str, qty: int, number: str, carrier: str) -> int:
        track = {"track_number": number, "title": carrier.upper(), "carrier_code": carrier}
        resp = httpx.post(f"{magento[1]}/_sandbox/orders/{entity_id}/shipments",
                          json={"items": [{"sku": sku, "qty": qty}], "tracks": [track]})
        assert resp.status_code == 200, resp.text
        return int(resp.json()["shipment_id"])

    first = ship("SKU-1", 2, "1ZWRONG", "ups")
    second = ship("SKU-2", 1, "9400111", "usps")

    producer = make_producer(topics)
    dead_letters = DeadLetters(producer, "shipment_confirmer")
    group = f"confirmer-{uuid.uuid4().hex[:6]}"
    consumer = make_consumer(topics, group, [MAGENTO_FULFILLMENT])
    client = ShipmentsClient(lwa_token_url=f"{surl}/auth/o2/token", limits=RateLimits(),
                             policy=RetryPolicy(max_attempts=4, base_s=0.05, cap_s=0.2),
                             resolver=lambda _ref: creds.as_dict(), use_date_header=False)
    confirmer = Confirmer(client, lambda sid: store if sid == "s1" else None)
    reader = OutboxReader(magento_client, f"m-{uuid.uuid4().hex[:6]}", CursorStore(fulfillment_db),
                          lambda evs: publish_sync(producer, MAGENTO_FULFILLMENT, evs),
                          lambda code: ["s1"] if code == "default" else [])
    outcomes: list[ShipmentConfirmationV1] = []
    loop = asyncio.new_event_loop()

    def pump(expected: int) -> None:
        """Read the outbox, then confirm until ``expected`` more outcomes of this order were published."""
        reader.read_page()
        goal = len(outcomes) + expected
        deadline = loop.time() + 60
        while len(outcomes) < goal:
            assert loop.time() < deadline, f"only {len(outcomes)} outcomes: {outcomes}"
            batch: list[Event] = []
            for records in consumer.poll(500).values():
                for record in records:
                    event = dead_letters.decode(record)  # as the service does: another test's poison
                    if event is None:
                        continue
                    out = loop.run_until_complete(confirmer.handle(event))
                    if out is not None and out.data.amazon_order_id == amazon.order_id:
                        batch.append(out)
            publish(batch)
            commit(consumer)  # after the outcomes were acknowledged

    def publish(events: Iterable[Event]) -> None:
        events = list(events)
        if events:
            publish_sync(producer, AMAZON_CONFIRMATIONS, events)
            outcomes.extend(e for e in events if isinstance(e, ShipmentConfirmationV1))

    try:
        pump(2)
        assert [(o.data.outcome, o.data.shipment_id) for o in outcomes] == [("confirmed", first), ("confirmed", second)]
        order = sstate.order_json(creds.seller_id, amazon.order_id)
        assert order["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
        assert sorted((p["packageReferenceId"], p["carrier"], p["trackingNumber"], tuple(
            (i["orderItemId"], i["quantity"]) for i in p["packageItems"])) for p in order["packages"]) == sorted([
            (str(first), "UPS", "1ZWRONG", ((a1, 2),)), (str(second), "USPS", "9400111", ((a2, 1),))])

        # the merchant corrects the first package's tracking number: the same package is edited
        resp = httpx.post(f"{magento[1]}/_sandbox/shipments/{first}/tracks",
                          json={"track_number": "1ZRIGHT", "title": "UPS", "carrier_code": "ups"})
        assert resp.status_code == 200, resp.text
        pump(1)
        assert outcomes[-1].data.outcome == "confirmed" and outcomes[-1].data.package is not None
        assert outcomes[-1].data.package.package_reference_id == str(first)
        order = sstate.order_json(creds.seller_id, amazon.order_id)
        assert sorted((p["packageReferenceId"], p["trackingNumber"]) for p in order["packages"]) == sorted(
            [(str(first), "1ZRIGHT"), (str(second), "9400111")])
        assert len(order["packages"]) == 2
    finally:
        loop.run_until_complete(client.aclose())
        loop.close()
        consumer.close()
        producer.close()


def test_no_echo_and_faults_leave_each_package_once(
    topics: Settings, fulfillment_db: str, magento: tuple, magento_client: MagentoClient,
    spapi: tuple[SandboxState, str],
) -> None:
    """Amazon ships one order itself (Seller Central) and the writer mirrors it into Magento with
    Amazon's tracking: never confirmed back. Another order's confirmation meets 503 then 429: the
    package still lands exactly once."""
    mstate, murl = magento
    sstate, surl = spapi
    creds = sstate.create_seller(f"A{uuid.uuid4().hex[:10].upper()}", marketplace_id=MARKETPLACE)
    store = StoreConfig(store_id="s1", name="Store 1", merchant_id=1, seller_id=creds.seller_id,
                        marketplace_id=MARKETPLACE, spapi_endpoint=surl, lwa_credentials_ref="env:UNUSED",
                        integration_time=datetime(2026, 1, 1, tzinfo=UTC))
    mirrored = sstate.create_order(creds.seller_id, status="UNSHIPPED", fulfilled_by="MERCHANT",
                                   items=[{"quantity": 1, "seller_sku": "SKU-1"}], marketplace_id=MARKETPLACE)
    mirrored = sstate.ship(creds.seller_id, mirrored.order_id)  # shipped in Seller Central
    [amazon_pkg] = mirrored.packages
    mirror_id = amazon_order_in_magento(mstate, mirrored.order_id, [("SKU-1", mirrored.items[0].order_item_id, 1)])
    token = mstate.issue_admin_token()
    writer_ship = httpx.post(f"{murl}/rest/V1/order/{mirror_id}/ship", headers={"Authorization": f"Bearer {token}"},
                             json={"tracks": [{"track_number": amazon_pkg.tracking_number,
                                               "title": amazon_pkg.carrier, "carrier_code": "custom"}]})
    assert writer_ship.status_code == 200, writer_ship.text

    faulty = sstate.create_order(creds.seller_id, status="UNSHIPPED", fulfilled_by="MERCHANT",
                                 items=[{"quantity": 1, "seller_sku": "SKU-2"}], marketplace_id=MARKETPLACE)
    faulty_id = amazon_order_in_magento(mstate, faulty.order_id, [("SKU-2", faulty.items[0].order_item_id, 1)])
    resp = httpx.post(f"{murl}/_sandbox/orders/{faulty_id}/shipments",
                      json={"tracks": [{"track_number": "1ZF", "title": "UPS", "carrier_code": "ups"}]})
    assert resp.status_code == 200, resp.text

    producer = make_producer(topics)
    dead_letters = DeadLetters(producer, "shipment_confirmer")
    consumer = make_consumer(topics, f"confirmer-{uuid.uuid4().hex[:6]}", [MAGENTO_FULFILLMENT])
    client = ShipmentsClient(lwa_token_url=f"{surl}/auth/o2/token", limits=RateLimits(),
                             policy=RetryPolicy(max_attempts=6, base_s=0.05, cap_s=0.2),
                             resolver=lambda _ref: creds.as_dict(), use_date_header=False)
    confirmer = Confirmer(client, lambda sid: store if sid == "s1" else None)
    reader = OutboxReader(magento_client, f"m-{uuid.uuid4().hex[:6]}", CursorStore(fulfillment_db),
                          lambda evs: publish_sync(producer, MAGENTO_FULFILLMENT, evs),
                          lambda code: ["s1"] if code == "default" else [])
    loop = asyncio.new_event_loop()
    ours = {mirrored.order_id, faulty.order_id}
    outcomes: dict[str, ShipmentConfirmationV1] = {}
    try:
        reader.read_page()
        loop.run_until_complete(client.lwa.access_token(store))  # LWA's own faults are another test's
        sstate.inject_fault("*", status=503, seller_id=creds.seller_id)  # the next call, whichever it is
        sstate.inject_fault("*", status=429, seller_id=creds.seller_id)
        deadline = loop.time() + 60
        while set(outcomes) != ours:
            assert loop.time() < deadline, outcomes
            for records in consumer.poll(500).values():
                for record in records:
                    event = dead_letters.decode(record)  # as the service does: another test's poison
                    if event is None:
                        continue
                    out = loop.run_until_complete(confirmer.handle(event))
                    if out is not None and out.data.amazon_order_id in ours:
                        outcomes[out.data.amazon_order_id] = out
            commit(consumer)
        assert outcomes[mirrored.order_id].data.outcome == "skipped"
        assert "mirrors" in (outcomes[mirrored.order_id].data.reason or "")
        assert [p["packageReferenceId"] for p in sstate.order_json(creds.seller_id, mirrored.order_id)["packages"]] \
            == [amazon_pkg.package_reference_id]
        assert outcomes[faulty.order_id].data.outcome == "confirmed"
        held = sstate.order_json(creds.seller_id, faulty.order_id)
        assert [p["trackingNumber"] for p in held["packages"]] == ["1ZF"]
        assert held["fulfillment"]["fulfillmentStatus"] == "SHIPPED"
    finally:
        loop.run_until_complete(client.aclose())
        loop.close()
        consumer.close()
        producer.close()
