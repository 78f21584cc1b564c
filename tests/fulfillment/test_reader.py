"""The fulfillment reader on the real broker and PostgreSQL: facts published, cursor committed only
after the broker's acknowledgement, nothing lost or repeated across restarts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

import pytest

from schemas import Event
from schemas.events.fulfillment import MagentoShipmentRecordedV1
from schemas.topics import MAGENTO_FULFILLMENT
from services.common.kafka import make_producer, publish_sync
from services.common.settings import Settings
from services.fulfillment.db import CursorStore
from services.fulfillment.reader import OutboxReader
from services.magento_writer.magento.client import MagentoClient
from tests.fulfillment.conftest import amazon_order_in_magento
from tests.harness import TopicReader


def test_shipments_and_later_tracks_are_published_and_the_cursor_follows(
    topics: Settings, fulfillment_db: str, magento: tuple, magento_client: MagentoClient
) -> None:
    state, _ = magento
    order_id = f"113-{uuid.uuid4().hex[:7]}"
    entity_id = amazon_order_in_magento(state, order_id, [("SKU-1", "A1", 2), ("SKU-2", "A2", 1)])
    with state.lock:
        first_item = state.orders.get(entity_id)["items"][0]["item_id"]
        shipment_id = state.orders.ship(entity_id, [{"order_item_id": first_item, "qty": 2}], [])
        state.fulfillment.save_track({"order_id": entity_id, "parent_id": shipment_id, "track_number": "1Z1",
                                      "title": "UPS", "carrier_code": "ups"})
    source = f"magento-{uuid.uuid4().hex[:6]}"
    cursors = CursorStore(fulfillment_db)
    producer = make_producer(topics)
    attempts: list[int] = []

    def failing(events: Iterable[Event]) -> int:
        attempts.append(len(list(events)))
        raise TimeoutError("broker did not acknowledge")

    def publish(events: Iterable[Event]) -> int:
        return publish_sync(producer, MAGENTO_FULFILLMENT, events)

    stores = {"default": ["s1"]}.get
    with pytest.raises(TimeoutError):
        OutboxReader(magento_client, source, cursors, failing, lambda c: stores(c) or []).read_page()
    assert attempts == [2] and cursors.load(source) == 0  # not acknowledged: the cursor stays

    reader = OutboxReader(magento_client, source, cursors, publish, lambda c: stores(c) or [])
    result = reader.read_page()
    assert (result.read, result.published, result.cursor) == (2, 2, 2)
    assert cursors.load(source) == 2
    assert reader.read_page().read == 0  # a restart reads after the cursor

    topic = TopicReader(topics, MAGENTO_FULFILLMENT)
    try:
        events = topic.wait_for(lambda evs: sum(e.key == f"s1:{order_id}" for e in evs) >= 2, timeout=30,
                                what="two shipment facts")
    finally:
        topic.close()
        producer.close()
    mine = [e for e in events if isinstance(e, MagentoShipmentRecordedV1) and e.key == f"s1:{order_id}"]
    assert [e.data.change for e in mine] == ["shipment_saved", "track_saved"]
    assert [[t.track_number for t in e.data.tracks] for e in mine] == [[], ["1Z1"]]
    assert [(i.amazon_order_item_id, i.quantity) for i in mine[1].data.items] == [("A1", 2.0)]
