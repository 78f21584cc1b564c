"""ORDER_CHANGE notifications end to end (issue 19) on the real broker and PostgreSQL, every service
a child process, SQS from moto's server.

The poller subscribes both stores at start (``NOTIFICATIONS_STORES``). Amazon's clock stands
still, so ``searchOrders`` never shows the new orders (Amazon's two-minute delay): what reaches
the Orders tab in the first part came by push alone, duplicated and reordered by the sandbox.
Then push is dropped for the second store, the clock moves past the delay, and polling imports
every one of its orders.

``E2E_PUSH_ORDERS`` orders (default 100, which CI on two shared cores carries in about a minute;
the issue's 500 run with ``E2E_PUSH_ORDERS=500``) are created at ``E2E_PUSH_RATE`` per second."""

from __future__ import annotations

import os
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sandbox.spapi.notifications import DeliveryPolicy, NotificationHub, moto_sqs_client
from sandbox.spapi.notifications_api import NotifyingSandboxState
from sandbox.spapi.notifications_sqs import MotoSqs
from services.common.settings import Settings
from tests.e2e.pipeline import Pipeline, pipeline
from tests.harness import wait_until

pytestmark = pytest.mark.integration

ORDERS = int(os.environ.get("E2E_PUSH_ORDERS", "100"))
RATE = float(os.environ.get("E2E_PUSH_RATE", "5"))
DROPPED_ORDERS = 10
BOUND_S = 10.0
STOCK = 10


@pytest.fixture(scope="module")
def sqs() -> Iterator[MotoSqs]:
    with MotoSqs() as server:
        yield server


def _shown(p: Pipeline, store_id: str, order_id: str, sku: str) -> bool:
    """On the Orders tab, and one unit of ``sku`` less salable in Magento (its reservation, or the
    Magento order that replaced it)."""
    if p.magento.salable_qty(sku) != STOCK - 1:
        return False
    details = p.order_details(store_id, order_id)
    return details is not None and bool(details["on_tab"])


def test_pushed_orders_reach_the_tab_and_magento_within_seconds_and_polling_backs_up_dropped_push(
        topics: Settings, tmp_path: Path, sqs: MotoSqs) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    queue = sqs.create_queue(f"order-change-{uuid.uuid4().hex[:6]}", visibility_timeout_s=10)
    hub = NotificationHub(sqs=moto_sqs_client(sqs.endpoint_url), seed=19,
                          policy=DeliveryPolicy(duplicate=0.3, reorder=0.3, max_delay_seconds=2))
    amazon = NotifyingSandboxState(seed=19, rate_scale=1000.0, notifications=hub)
    pushed, dropped = (f"push-{uuid.uuid4().hex[:6]}", f"drop-{uuid.uuid4().hex[:6]}")
    try:
        with pipeline(topics, tmp_path, amazon_now=now, amazon=amazon) as p:
            skus = [f"PUSH-{i:04d}" for i in range(ORDERS)] + [f"DROP-{i:04d}" for i in range(DROPPED_ORDERS)]
            for sku in skus:
                p.magento.create_product(sku, sku, price=9.99, qty=STOCK)
            sellers = {sid: p.add_store(sid, integration_time=now - timedelta(hours=1)) for sid in (pushed, dropped)}
            hub.set_policy(DeliveryPolicy(drop=1.0), seller_id=sellers[dropped].seller_id)
            p.env.update({"NOTIFICATIONS_QUEUE_URL": queue.url, "NOTIFICATIONS_SQS_ENDPOINT_URL": sqs.endpoint_url,
                          "NOTIFICATIONS_STORES": f"{pushed},{dropped}", "NOTIFICATIONS_WAIT_TIME_SECONDS": "5",
                          "AWS_ACCESS_KEY_ID": "e2e", "AWS_SECRET_ACCESS_KEY": "e2e"})
            p.start()
            wait_until(lambda: len(hub.subscriptions) == 2, timeout=90, what="the poller's start check subscribing "
                       "both stores")

            # 1. push only (Amazon's clock stands still: searchOrders shows none of these)
            created: dict[str, tuple[str, float]] = {}  # order id -> (sku, created at: monotonic)
            seen: dict[str, float] = {}
            started = time.monotonic()
            for i in range(ORDERS):
                while time.monotonic() < started + i / RATE:
                    _sweep(p, pushed, created, seen)
                    time.sleep(0.02)
                sku = f"PUSH-{i:04d}"
                order = amazon.create_order(sellers[pushed].seller_id, fulfilled_by="MERCHANT", status="UNSHIPPED",
                                            items=[{"seller_sku": sku, "quantity": 1, "unit_price": "9.99"}])
                created[order.order_id] = (sku, time.monotonic())
            deadline = time.monotonic() + 60
            while len(seen) < ORDERS and time.monotonic() < deadline:
                _sweep(p, pushed, created, seen)
                time.sleep(0.05)
            missing = sorted(set(created) - set(seen))
            assert not missing, f"{len(missing)} pushed orders never reached the tab and Magento: {missing[:5]}"
            delays = sorted(seen[oid] - created[oid][1] for oid in created)
            p50, p99 = statistics.median(delays), statistics.quantiles(delays, n=100, method="inclusive")[98]
            print(f"\npush: {ORDERS} orders at {RATE:g}/s, created -> on the tab and in Magento's salable "
                  f"quantity: p50 {p50:.2f} s, p99 {p99:.2f} s, max {delays[-1]:.2f} s; sandbox duplicated "
                  f"{hub.counters.duplicated}, delayed {hub.counters.delayed}")
            assert hub.counters.duplicated > 0 and hub.counters.delayed > 0
            assert p99 <= BOUND_S, f"p99 {p99:.2f} s over {BOUND_S} s"
            poller = p.scrape("poller")
            assert poller['sales_channel_poller_notifications_total{outcome="duplicate"}'] > 0
            assert poller['sales_channel_poller_notifications_total{outcome="failed"}'] == 0

            # 2. push dropped for the second store: polling imports every one of its orders
            drop_orders = {}
            for i in range(DROPPED_ORDERS):
                sku = f"DROP-{i:04d}"
                order = amazon.create_order(sellers[dropped].seller_id, fulfilled_by="MERCHANT", status="UNSHIPPED",
                                            items=[{"seller_sku": sku, "quantity": 1, "unit_price": "9.99"}])
                drop_orders[order.order_id] = sku
            assert hub.drain()
            assert not any(s.seller_id == sellers[dropped].seller_id for s in hub.sent)  # push never came
            p.advance_amazon(180)  # past Amazon's two-minute delay: polling sees them
            for oid, sku in drop_orders.items():
                wait_until(lambda oid=oid, sku=sku: _shown(p, dropped, oid, sku), timeout=90,
                           what=f"dropped-push order {oid} imported by polling")

            # one Magento order each, no double reservation: polling saw what push had published
            for oid, (sku, _) in created.items():
                assert len(p.magento.orders_by_ext(oid)) == 1, oid
                assert p.magento.salable_qty(sku) == STOCK - 1, sku
            for oid in drop_orders:
                assert len(p.magento.orders_by_ext(oid)) == 1, oid
    finally:
        hub.close()


def _sweep(p: Pipeline, store_id: str, created: dict[str, tuple[str, float]], seen: dict[str, float]) -> None:
    for oid, (sku, _) in created.items():
        if oid not in seen and _shown(p, store_id, oid, sku):
            seen[oid] = time.monotonic()
