"""A Pending order's reservation lowers Magento's salable quantity; Amazon's cancellation gives
it back exactly once (SPEC §5), through the real broker and every service."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.common.settings import Settings
from tests.e2e.pipeline import pipeline
from tests.harness import wait_until

pytestmark = pytest.mark.integration


def test_cancellation_of_a_pending_order_returns_the_stock_exactly_once(topics: Settings, tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    store_id = f"cx-{uuid.uuid4().hex[:6]}"
    with pipeline(topics, tmp_path, amazon_now=now) as p:
        p.magento.create_product("CX-1", "Cancel widget", price=5.0, qty=10)
        seller = p.add_store(store_id, integration_time=now - timedelta(hours=1))
        p.start()
        order = p.amazon.create_order(seller.seller_id, fulfilled_by="MERCHANT",
                                      items=[{"quantity": 4, "seller_sku": "CX-1", "unit_price": "5.00"}])
        p.advance_amazon(180)
        wait_until(lambda: p.magento.salable_qty("CX-1") == 6, timeout=120, what="the reservation in Magento")

        p.amazon.cancel(seller.seller_id, order.order_id, reason="BuyerCanceled")
        p.advance_amazon(180)
        row = p.wait_details(store_id, order.order_id, lambda d: d["status"] == "Canceled" and not d["reserved"],
                             what="the canceled order, released")
        wait_until(lambda: p.magento.salable_qty("CX-1") == 10, timeout=60, what="the stock back in Magento")
        time.sleep(3)  # anything applied twice would show now
        assert p.magento.salable_qty("CX-1") == 10
        ours = [r for r in p.magento.reservations() if order.order_id in str(r)]
        assert sorted(r["quantity"] for r in ours) == [-4.0, 4.0]
        messages = [e["message"] for e in row["log"]]
        assert messages[:1] == ["Inventory reserved."]
        assert "Amazon order canceled." in messages and "Reserved inventory released." in messages
        assert row["on_tab"] is False  # canceled while Pending: never joins the default view
        assert p.magento.count_orders(order.order_id) == 0
