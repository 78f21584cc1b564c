"""Outbox entries → magento.shipment.recorded facts (pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from schemas.events.fulfillment import MagentoShipmentRecordedV1
from services.fulfillment.outbox import BadEntry, NotOurs, fact_from_entry


def entry(entry_id: int = 7, **payload: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "shipment": {"entity_id": 12, "increment_id": "000000012", "created_at": "2026-12-05 09:30:00"},
        "order": {"entity_id": 40, "increment_id": "000000040", "ext_order_id": "113-1", "store_id": 1,
                  "store_code": "default"},
        "items": [{"order_item_id": 3, "ext_order_item_id": "A1", "sku": "SKU-1", "qty": 2}],
        "tracks": [{"entity_id": 5, "track_number": " 1Z9 ", "carrier_code": "ups", "title": "UPS"}],
        "source": {"area": "adminhtml", "user_type": 2, "user_id": 1},
    }
    body.update(payload)
    return {"entry_id": entry_id, "event": "shipment_saved", "shipment_id": 12, "order_id": 40,
            "payload": json.dumps(body), "created_at": "2026-12-05 09:30:01"}


def stores(code: str) -> list[str]:
    return {"default": ["s1"], "shared": ["s2", "s3"]}.get(code, [])


def test_a_shipment_entry_becomes_a_fact_keyed_by_the_order() -> None:
    fact = fact_from_entry(entry(), stores)
    assert isinstance(fact, MagentoShipmentRecordedV1)
    assert fact.key == "s1:113-1"
    d = fact.data
    assert (d.shipment_id, d.outbox_entry_id, d.magento_order_id, d.change) == (12, 7, 40, "shipment_saved")
    assert [(i.amazon_order_item_id, i.sku, i.quantity) for i in d.items] == [("A1", "SKU-1", 2.0)]
    assert [(t.track_id, t.track_number, t.carrier_code) for t in d.tracks] == [(5, "1Z9", "ups")]
    assert d.source.area == "adminhtml" and d.shipped_at is not None and d.shipped_at.tzinfo is not None


def test_the_same_entry_is_the_same_fact_and_another_entry_another() -> None:
    assert fact_from_entry(entry(), stores).event_id == fact_from_entry(entry(), stores).event_id  # type: ignore[union-attr]
    assert fact_from_entry(entry(8), stores).event_id != fact_from_entry(entry(), stores).event_id  # type: ignore[union-attr]


def test_orders_that_are_not_amazon_orders_of_an_integrated_store_are_not_ours() -> None:
    no_ext = entry(order={"entity_id": 1, "ext_order_id": None, "store_code": "default"})
    assert isinstance(fact_from_entry(no_ext, stores), NotOurs)
    other_view = entry(order={"entity_id": 1, "ext_order_id": "113-1", "store_code": "wholesale"})
    assert isinstance(fact_from_entry(other_view, stores), NotOurs)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"payload": "{not json"}, "payload is not JSON"),
        ({"payload": json.dumps({"order": {"entity_id": 1, "ext_order_id": "113-1", "store_code": "shared"}})},
         "belongs to several stores"),
        ({"entry_id": "x"}, "entry_id is not a number"),
    ],
)
def test_unreadable_entries_say_why(bad: dict[str, Any], message: str) -> None:
    with pytest.raises(BadEntry, match=message):
        fact_from_entry({**entry(), **bad}, stores)


def test_tolerant_of_missing_and_extra_fields() -> None:
    fact = fact_from_entry(entry(tracks=None, items=[{"order_item_id": 3, "sku": "SKU-1", "qty": "1.0000"},
                                                     {"order_item_id": 4, "sku": "SKU-2", "qty": 0}],
                                 source=None, extra={"new": True}), stores)
    assert isinstance(fact, MagentoShipmentRecordedV1)
    assert fact.data.tracks == () and fact.data.source.area == "unknown"
    assert [(i.magento_order_item_id, i.amazon_order_item_id, i.quantity) for i in fact.data.items] == [(3, None, 1.0)]
