"""The first slice: one Amazon order carried end to end on the real broker and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schemas.events.poller import AmazonOrderChangedV1
from schemas.topics import AMAZON_ORDERS
from schemas.types import AmazonStatus
from services.common.settings import Settings
from tests.e2e.pipeline import pipeline
from tests.harness import TopicReader

pytestmark = pytest.mark.integration


def test_pending_then_unshipped_order_reaches_the_tab_and_magento_once(topics: Settings, tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    store_id = f"e2e-{uuid.uuid4().hex[:6]}"
    with pipeline(topics, tmp_path, amazon_now=now) as p:
        p.magento.create_product("E2E-WIDGET", "Widget", price=19.99, qty=50)
        seller = p.add_store(store_id, integration_time=now - timedelta(hours=1))
        p.start()

        order = p.amazon.create_order(seller.seller_id, fulfilled_by="MERCHANT",
                                      items=[{"quantity": 2, "seller_sku": "E2E-WIDGET", "unit_price": "19.99"}])
        p.advance_amazon(180)  # Amazon shows changes about two minutes late
        reader = TopicReader(topics, AMAZON_ORDERS)
        try:
            reader.wait_for(lambda evs: any(isinstance(e, AmazonOrderChangedV1) and e.data.store_id == store_id
                                            and e.data.order.status is AmazonStatus.PENDING for e in evs),
                            timeout=120, what="the Pending order on the poller's topic")
        finally:
            reader.close()
        pending = p.wait_details(store_id, order.order_id, lambda d: d["status"] == "Pending" and d["reserved"],
                                 what="the Pending order, reserved, in the projection")
        assert pending["on_tab"] is False
        assert p.magento.salable_qty("E2E-WIDGET") == 48  # the reservation lowers what Magento can sell

        p.amazon.set_status(seller.seller_id, order.order_id, "UNSHIPPED")
        p.advance_amazon(180)
        row = p.wait_details(store_id, order.order_id,
                             lambda d: d["status"] == "Unshipped" and d["magento_order_number"] and not d["reserved"],
                             what="Unshipped with a Magento order and the reservation released")

        amazon_json = p.amazon.order_json(seller.seller_id, order.order_id)
        assert row["on_tab"] is True
        assert row["buyer_name"] == amazon_json["buyer"]["buyerName"]
        assert row["total"]["amount"] == amazon_json["proceeds"]["grandTotal"]["amount"]
        assert row["total"]["currency"] == amazon_json["proceeds"]["grandTotal"]["currencyCode"]
        number = row["magento_order_number"]
        messages = [entry["message"] for entry in row["log"]]
        assert messages[0] == "Inventory reserved."
        for expected in ("Order imported from Amazon.", f"Magento order {number} was created.",
                         "Reserved inventory released."):
            assert expected in messages, messages
        assert messages.index("Order imported from Amazon.") < messages.index(f"Magento order {number} was created.")
        assert row["last_action"] == messages[-1]

        made = p.magento.orders_by_ext(order.order_id)
        assert len(made) == 1, made
        assert made[0]["increment_id"] == number
        assert p.magento.salable_qty("E2E-WIDGET") == 48  # the order's own reservation, no double dip
