"""Issue 18, "shipment under faults": ``sales-channel shipment-confirmer`` as a real process, SIGKILLed
while its confirmShipment call is in flight, restarted, and Amazon answering 503 and 429 on the way:
Amazon holds each package exactly once, and each shipment's outcome is ``confirmed``."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandbox._server import serve_in_thread
from sandbox.spapi import SandboxState
from sandbox.spapi.server import create_app as spapi_app
from schemas.envelope import order_key
from schemas.events.deadletter import DeadLetterV1
from schemas.events.fulfillment import (
    MagentoShipmentRecordedData,
    MagentoShipmentRecordedV1,
    ShipmentConfirmationV1,
    ShipmentItem,
    ShipmentTrack,
)
from schemas.topics import AMAZON_CONFIRMATIONS, MAGENTO_FULFILLMENT, dead_letter_topic
from schemas.types import StoreConfig
from services.common.kafka import make_producer, publish_sync
from services.common.settings import Settings
from services.stores.registry import publish_config
from tests.harness import ServiceProcess, TopicReader, settings_env, wait_until

pytestmark = pytest.mark.integration
MARKETPLACE = "ATVPDKIKX0DER"


@pytest.fixture
def amazon() -> Iterator[tuple[SandboxState, str]]:
    state = SandboxState(seed=11)
    handle = serve_in_thread(spapi_app(state))
    try:
        yield state, handle.url
    finally:
        handle.stop()


def shipment_fact(store_id: str, order_id: str, item_id: str, shipment_id: int, tracking: str,
                  at: datetime) -> MagentoShipmentRecordedV1:
    data = MagentoShipmentRecordedData(
        store_id=store_id, amazon_order_id=order_id, magento_store_code="default", magento_order_id=shipment_id,
        shipment_id=shipment_id, shipped_at=at, outbox_entry_id=shipment_id, change="shipment_saved",
        items=(ShipmentItem(magento_order_item_id=1, amazon_order_item_id=item_id, sku="SKU-1", quantity=1),),
        tracks=(ShipmentTrack(track_id=shipment_id, track_number=tracking, carrier_code="ups", title="UPS"),))
    fact: MagentoShipmentRecordedV1 = MagentoShipmentRecordedV1.build(
        key=order_key(store_id, order_id), occurred_at=at, producer="fulfillment_reader", data=data,
        identity=("default", shipment_id, shipment_id))
    return fact


@dataclass
class Seller:
    state: SandboxState
    seller_id: str
    store_id: str
    env: dict[str, str]


@pytest.fixture
def seller(topics: Settings, amazon: tuple[SandboxState, str], tmp_path: Path) -> Seller:
    """A store of one Amazon seller in the sandbox, and the confirmer's environment to serve it."""
    state, url = amazon
    creds = state.create_seller(f"A{uuid.uuid4().hex[:10].upper()}", marketplace_id=MARKETPLACE)
    secrets_file = tmp_path / "secrets.json"
    secrets_file.write_text(json.dumps({"confirmer-lwa": {
        "client_id": creds.client_id, "client_secret": creds.client_secret,
        "refresh_token": creds.refresh_token, "token_url": f"{url}/auth/o2/token"}}))
    store_id = f"kill-{uuid.uuid4().hex[:6]}"
    store = StoreConfig(store_id=store_id, name="Killed confirmer", merchant_id=900, seller_id=creds.seller_id,
                        marketplace_id=MARKETPLACE, spapi_endpoint=url, lwa_credentials_ref="file:confirmer-lwa",
                        integration_time=datetime.now(UTC) - timedelta(days=1))
    publish_config(topics, store, "integrated", store.integration_time)
    env = {**settings_env(topics), "SECRETS_FILE": str(secrets_file), "METRICS_PORT": "0", "LOG_FORMAT": "console"}
    return Seller(state, creds.seller_id, store_id, env)


def test_killed_mid_call_then_503_and_429_leave_each_package_once(topics: Settings, seller: Seller) -> None:
    state, store_id, env = seller.state, seller.store_id, seller.env
    now = datetime.now(UTC)
    orders = [state.create_order(seller.seller_id, status="UNSHIPPED", fulfilled_by="MERCHANT",
                                 items=[{"quantity": 1, "seller_sku": "SKU-1"}], marketplace_id=MARKETPLACE)
              for _ in range(2)]
    base = int(uuid.uuid4().int % 10**8) + 1
    facts = [shipment_fact(store_id, o.order_id, o.items[0].order_item_id, base + i, f"1ZKILL{i}", now)
             for i, o in enumerate(orders)]
    # the first confirmShipment hangs for 8 s: the process is killed while it is in flight
    state.inject_fault("confirmShipment", latency_seconds=8.0, seller_id=seller.seller_id)
    producer = make_producer(topics)
    publish_sync(producer, MAGENTO_FULFILLMENT, facts)
    producer.close()

    reader = TopicReader(topics, AMAZON_CONFIRMATIONS)
    first = ServiceProcess("shipment-confirmer", ["shipment-confirmer"], env).start()
    second: ServiceProcess | None = None
    try:
        wait_until(lambda: not state.faults.pending(), 60, what="the first confirmShipment call in flight")
        assert first.alive(), first.log()[-2000:]
        first.kill()  # SIGKILL mid-call: no outcome published, no offset committed
        state.inject_fault("confirmShipment", status=503, seller_id=seller.seller_id)
        state.inject_fault("confirmShipment", status=429, seller_id=seller.seller_id)
        second = ServiceProcess("shipment-confirmer", ["shipment-confirmer"], env).start()

        def outcomes() -> dict[str, ShipmentConfirmationV1]:
            return {e.data.amazon_order_id: e for e in reader.events
                    if isinstance(e, ShipmentConfirmationV1) and e.data.store_id == store_id}

        reader.wait_for(lambda _: len(outcomes()) == 2, 120, "both shipments' outcomes")
        wait_until(lambda: not state.faults.pending(), 30, what="the 503 and the 429 answered")
        assert {o.data.outcome for o in outcomes().values()} == {"confirmed"}, second.log()[-3000:]
        assert "shipment_confirmer_started" in first.log()
    finally:
        reader.close()
        first.kill()
        if second is not None:
            second.kill()

    for i, order in enumerate(orders):
        held = state.order_json(seller.seller_id, order.order_id)
        assert [(p["packageReferenceId"], p["trackingNumber"]) for p in held["packages"]] == [
            (str(base + i), f"1ZKILL{i}")]
        assert held["fulfillment"]["fulfillmentStatus"] == "SHIPPED"


def test_a_record_it_cannot_read_is_dead_lettered_and_the_next_shipment_confirmed(
        topics: Settings, seller: Seller) -> None:
    state = seller.state
    order = state.create_order(seller.seller_id, status="UNSHIPPED", fulfilled_by="MERCHANT",
                               items=[{"quantity": 1, "seller_sku": "SKU-1"}], marketplace_id=MARKETPLACE)
    key = order_key(seller.store_id, order.order_id).encode()
    shipment_id = int(uuid.uuid4().int % 10**8) + 1
    fact = shipment_fact(seller.store_id, order.order_id, order.items[0].order_item_id, shipment_id, "1ZPOISON",
                         datetime.now(UTC))
    producer = make_producer(topics)
    poison = producer.send(MAGENTO_FULFILLMENT, key=key, value=b'{"type": "magento.shipment.recorded", "v": 99')
    publish_sync(producer, MAGENTO_FULFILLMENT, [fact])
    poison_at = poison.get(timeout=30)
    producer.close()

    confirmations = TopicReader(topics, AMAZON_CONFIRMATIONS)
    dead = TopicReader(topics, dead_letter_topic("shipment_confirmer"))
    confirmer = ServiceProcess("shipment-confirmer", ["shipment-confirmer"], seller.env).start()
    try:
        def letter() -> DeadLetterV1 | None:
            return next((e for e in dead.events if isinstance(e, DeadLetterV1)
                         and e.data.source_topic == MAGENTO_FULFILLMENT
                         and (e.data.source_partition, e.data.source_offset) == (poison_at.partition,
                                                                                 poison_at.offset)), None)

        def outcome() -> ShipmentConfirmationV1 | None:
            return next((e for e in confirmations.events if isinstance(e, ShipmentConfirmationV1)
                         and (e.data.store_id, e.data.amazon_order_id) == (seller.store_id, order.order_id)), None)

        confirmations.wait_for(lambda _: outcome() is not None, 120, "the shipment's outcome")
        dead.wait_for(lambda _: letter() is not None, 60, "the poison's dead letter")
        found = letter()
        confirmed = outcome()
        assert confirmed is not None and confirmed.data.outcome == "confirmed", confirmer.log()[-3000:]
        assert confirmer.alive(), confirmer.log()[-2000:]
    finally:
        confirmations.close()
        dead.close()
        confirmer.kill()
    assert found is not None and found.data.service == "shipment_confirmer"
    assert found.data.error_type == "DecodeError"
    assert base64.b64decode(found.data.raw_key or "") == key
    held = state.order_json(seller.seller_id, order.order_id)
    assert [p["trackingNumber"] for p in held["packages"]] == ["1ZPOISON"]
