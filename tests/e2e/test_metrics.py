"""Every service's /metrics during an end-to-end run: the documented metrics are present and move."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.common.settings import Settings
from tests.e2e.pipeline import SERVICE_COMMANDS, pipeline
from tests.harness import wait_until

pytestmark = pytest.mark.integration


def _total(samples: dict[str, float], name: str, **labels: str) -> float:
    wanted = [f'{k}="{v}"' for k, v in labels.items()]
    return sum(v for key, v in samples.items()
               if key.split("{", 1)[0] == name and all(w in key for w in wanted))


def test_every_service_exports_its_documented_metrics_and_they_move(topics: Settings, tmp_path: Path) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    store_id = f"mx-{uuid.uuid4().hex[:6]}"
    with pipeline(topics, tmp_path, amazon_now=now) as p:
        p.magento.create_product("MX-1", "Metric widget", price=5.0, qty=20)
        seller = p.add_store(store_id, integration_time=now - timedelta(hours=1))
        p.start()
        order = p.amazon.create_order(seller.seller_id, fulfilled_by="MERCHANT",
                                      items=[{"quantity": 1, "seller_sku": "MX-1", "unit_price": "5.00"}])
        p.advance_amazon(180)
        p.wait_details(store_id, order.order_id, lambda d: d["reserved"], what="the reservation")
        p.amazon.set_status(seller.seller_id, order.order_id, "UNSHIPPED")
        p.advance_amazon(180)
        p.wait_details(store_id, order.order_id, lambda d: d["magento_order_number"] and not d["reserved"],
                       what="the Magento order")

        moved = {
            "poller": ("sales_channel_poller_events_published_total", {"store": store_id}),
            "order-processor": ("sales_channel_processor_magento_requests_total", {"store": store_id}),
            "inventory-reserver": ("sales_channel_reserver_reservations_placed_total", {"store": store_id}),
            "magento-writer": ("sales_channel_writer_orders_created_total", {"store": store_id}),
            "projector": ("sales_channel_orders_tab_events_applied_total", {}),
        }
        assert set(moved) == set(SERVICE_COMMANDS)
        for command, (name, labels) in moved.items():
            value = wait_until(lambda c=command, n=name, lb=labels: _total(p.scrape(c), n, **lb), timeout=30,
                               what=f"{name} of {command} to move")
            assert value >= 1, (command, name)
            samples = p.scrape(command)
            assert _total(samples, "sales_channel_service_up") == 1, command
            assert p.healthz(command) == 200, command

        poller = p.scrape("poller")
        assert _total(poller, "sales_channel_poller_spapi_calls_total", store=store_id, outcome="ok") >= 2
        assert _total(poller, "sales_channel_poller_last_success_timestamp_seconds", store=store_id) > 0
        writer = p.scrape("magento-writer")
        assert _total(writer, "sales_channel_writer_magento_calls_total", outcome="ok") >= 1
        assert "sales_channel_writer_inflight_commands{}" in writer
        processor = p.scrape("order-processor")
        assert _total(processor, "sales_channel_processor_events_total") >= 2
        # The projector sets the ship-risk gauge on its own beat (every 5 s until a store is projected,
        # then every minute), not with each applied event: wait for its first export of this store.
        risk = wait_until(lambda: [k for k in p.scrape("projector")
                                   if k.startswith("sales_channel_orders_at_ship_risk{") and store_id in k],
                          timeout=30, what="the projector's ship-risk gauge for the store")
        assert {'window="overdue"', 'window="4h"', 'window="24h"'} <= {k.split(",")[-1].rstrip("}") for k in risk}
