"""``order_canceled`` outbox entries → ``magento.cancellation.recorded`` facts (pure), and the
cancellation request each stands for."""

from __future__ import annotations

import json
from typing import Any

import pytest

from schemas import decode, encode
from schemas.events.fulfillment import MagentoCancellationRecordedV1, MagentoShipmentRecordedV1
from services.fulfillment.cancel_requests import (
    MAGENTO,
    MAGENTO_CANCEL_REASON,
    cancel_request,
    magento_cancel_request,
    reason_for,
)
from services.fulfillment.outbox import BadEntry, NotOurs, fact_from_entry


def canceled(entry_id: int = 9, **order: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "order": {"entity_id": 40, "increment_id": "000000040", "ext_order_id": "113-1", "store_id": 1,
                  "store_code": "default", "state": "canceled", "status": "canceled",
                  "updated_at": "2026-12-05 10:00:00", **order},
        "items": [{"order_item_id": 3, "ext_order_item_id": "A1", "sku": "SKU-1", "qty_ordered": 2,
                   "qty_canceled": 2, "qty_shipped": 0}],
        "source": {"area": "adminhtml", "user_type": 2, "user_id": 1},
    }
    return {"entry_id": entry_id, "event": "order_canceled", "shipment_id": 0, "order_id": 40,
            "payload": json.dumps(payload), "created_at": "2026-12-05 10:00:01"}


def stores(code: str) -> list[str]:
    return {"default": ["s1"], "shared": ["s2", "s3"]}.get(code, [])


def test_an_order_canceled_entry_becomes_a_cancellation_fact_keyed_by_the_order() -> None:
    fact = fact_from_entry(canceled(), stores)
    assert isinstance(fact, MagentoCancellationRecordedV1)
    assert fact.key == "s1:113-1"
    d = fact.data
    assert (d.store_id, d.amazon_order_id, d.magento_store_code, d.magento_order_id, d.magento_increment_id,
            d.outbox_entry_id) == ("s1", "113-1", "default", 40, "000000040", 9)
    assert d.canceled_at is not None and d.canceled_at.tzinfo is not None
    assert d.source.area == "adminhtml" and d.source.user_type == 2
    assert decode(encode(fact)) == fact


def test_the_same_entry_read_again_is_the_same_fact() -> None:
    assert fact_from_entry(canceled(), stores).event_id == fact_from_entry(canceled(), stores).event_id  # type: ignore[union-attr]
    assert fact_from_entry(canceled(10), stores).event_id != fact_from_entry(canceled(9), stores).event_id  # type: ignore[union-attr]


def test_a_magento_order_that_is_no_amazon_order_or_of_no_integrated_store_is_not_ours() -> None:
    assert isinstance(fact_from_entry(canceled(ext_order_id=None), stores), NotOurs)
    assert isinstance(fact_from_entry(canceled(ext_order_id=""), stores), NotOurs)
    assert isinstance(fact_from_entry(canceled(store_code="b2b"), stores), NotOurs)


def test_an_unreadable_cancellation_entry_is_a_bad_entry() -> None:
    with pytest.raises(BadEntry, match="several stores"):
        fact_from_entry(canceled(store_code="shared"), stores)
    with pytest.raises(BadEntry, match="order entity_id"):
        fact_from_entry(canceled(entity_id="x"), stores)
    broken = canceled()
    broken["payload"] = "{"
    with pytest.raises(BadEntry, match="not JSON"):
        fact_from_entry(broken, stores)


def test_tolerant_of_fields_it_does_not_know_and_of_missing_times() -> None:
    entry = canceled(updated_at=None, grand_total=10)
    entry["created_at"] = None
    entry["extra"] = 1
    fact = fact_from_entry(entry, stores)
    assert isinstance(fact, MagentoCancellationRecordedV1) and fact.data.canceled_at is None


def test_other_entry_kinds_stay_shipment_facts() -> None:
    entry = canceled()
    entry["event"] = "shipment_saved"
    payload = json.loads(entry["payload"])
    payload.update(shipment={"entity_id": 12}, items=[], tracks=[])
    entry["payload"] = json.dumps(payload)
    assert isinstance(fact_from_entry(entry, stores), MagentoShipmentRecordedV1)


def test_a_magento_cancellation_stands_for_one_request_per_magento_order() -> None:
    first = fact_from_entry(canceled(9), stores)
    again = fact_from_entry(canceled(10), stores)  # the same order, recorded twice
    assert isinstance(first, MagentoCancellationRecordedV1) and isinstance(again, MagentoCancellationRecordedV1)
    request = magento_cancel_request(first)
    assert request.key == first.key and request.causation_id == first.event_id
    d = request.data
    assert (d.store_id, d.amazon_order_id, d.reason, d.requested_by, d.via) == (
        "s1", "113-1", MAGENTO_CANCEL_REASON, MAGENTO, MAGENTO)
    assert d.request_id == "magento:default:40" == magento_cancel_request(again).data.request_id
    assert request.event_id == magento_cancel_request(first).event_id


def test_a_magento_cancellation_is_buyer_canceled_when_the_buyer_asked_amazon() -> None:
    request = magento_cancel_request(fact_from_entry(canceled(), stores))  # type: ignore[arg-type]
    assert reason_for(request, buyer_requested_cancel=False) == "NoInventory"
    assert reason_for(request, buyer_requested_cancel=True) == "BuyerCanceled"
    tab = cancel_request("s1", "113-1", "GeneralAdjustment", "ann", "orders_tab")
    assert reason_for(tab, buyer_requested_cancel=True) == "GeneralAdjustment"  # the merchant's own choice
