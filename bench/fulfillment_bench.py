"""Shipment confirmations to Amazon: throughput against the bound and shipment → acceptance latency.

Starts the SP-API sandbox in its own process (Amazon's usage plans, ``--rate-scale`` 1 by default:
confirmShipment 2 requests/s burst 10 per seller, getOrder 0.5 requests/s burst 30), integrates
``--stores`` sellers with one Unshipped order per shipment to come, then offers Magento shipments
at ``--offered`` per store per second for ``--seconds`` to the shipment confirmer's component
(``services.fulfillment.confirmer.Confirmer`` on the production client: LWA, token buckets, retry
policy), one worker per store (records of one store's orders share partitions and are handled in
order). The confirmer reads each order from the poller's Amazon facts (``AmazonFacts``, fed here
with the Unshipped orders as the poller would publish them), so ``getOrder`` is not called on the
way. Prints confirmations/s against the bound (2 requests/s per store × stores) and the
p50/p99 from a shipment to Amazon's acceptance (the 204 of its confirmShipment).

    .venv/bin/python bench/fulfillment_bench.py [--stores 100] [--seconds 60] [--offered 2.0] [--rate-scale 1]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from schemas.envelope import order_key  # noqa: E402
from schemas.events.fulfillment import (  # noqa: E402
    MagentoShipmentRecordedData,
    MagentoShipmentRecordedV1,
    ShipmentItem,
    ShipmentTrack,
)
from schemas.types import AmazonOrder, AmazonStatus, FulfillmentChannel, OrderItem, StoreConfig  # noqa: E402
from services.devbroker import free_port  # noqa: E402
from services.fulfillment.amazon_facts import AmazonFacts  # noqa: E402
from services.fulfillment.confirmer import Confirmer  # noqa: E402
from services.fulfillment.spapi import ShipmentsClient  # noqa: E402
from services.poller.ratelimit import DEFAULT_RATES, RateLimits  # noqa: E402

MARKETPLACE = "ATVPDKIKX0DER"
BOUND_PER_STORE = DEFAULT_RATES["confirmShipment"][0]


def start_sandbox(port: int, rate_scale: float) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SPAPI_SANDBOX_RATE_SCALE": str(rate_scale), "SPAPI_SANDBOX_SEED": "18"}
    proc = subprocess.Popen([sys.executable, "-m", "services.cli", "sandbox", "spapi", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/_sandbox/state", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the SP-API sandbox did not start")


async def prepare(url: str, stores: int, orders_per_store: int) -> list[tuple[dict[str, Any], list[tuple[str, str]]]]:
    """Sellers, each with its Unshipped orders: [(credentials, [(order id, item id)])]."""
    async with httpx.AsyncClient(base_url=f"{url}/_sandbox", timeout=60) as admin:
        sellers = (await admin.post("/sellers/bulk", json={"count": stores, "marketplace_id": MARKETPLACE})).json()
        gate = asyncio.Semaphore(32)

        async def order(seller_id: str) -> tuple[str, str]:
            async with gate:
                body = (await admin.post(f"/sellers/{seller_id}/orders", json={
                    "status": "UNSHIPPED", "fulfilled_by": "MERCHANT", "items": [{"quantity": 1}],
                    "marketplace_id": MARKETPLACE})).json()
            return body["orderId"], body["orderItems"][0]["orderItemId"]

        made = await asyncio.gather(*(asyncio.gather(*(order(s["seller_id"]) for _ in range(orders_per_store)))
                                      for s in sellers))
    return list(zip(sellers, [list(m) for m in made], strict=True))


def amazon_order(order_id: str, item_id: str) -> AmazonOrder:
    at = datetime.now(UTC)
    return AmazonOrder(amazon_order_id=order_id, marketplace_id=MARKETPLACE, status=AmazonStatus.UNSHIPPED,
                       fulfillment_channel=FulfillmentChannel.MERCHANT, purchase_date=at, last_updated=at,
                       items=(OrderItem(order_item_id=item_id, sku="SKU", quantity_ordered=1),))


def fact(store_id: str, order_id: str, item_id: str, shipment_id: int, at: datetime) -> MagentoShipmentRecordedV1:
    data = MagentoShipmentRecordedData(
        store_id=store_id, amazon_order_id=order_id, magento_store_code=store_id, magento_order_id=shipment_id,
        shipment_id=shipment_id, shipped_at=at, outbox_entry_id=shipment_id, change="shipment_saved",
        items=(ShipmentItem(magento_order_item_id=shipment_id, amazon_order_item_id=item_id, sku="SKU", quantity=1),),
        tracks=(ShipmentTrack(track_id=shipment_id, track_number=f"1ZB{shipment_id}", carrier_code="ups",
                              title="UPS"),))
    event: MagentoShipmentRecordedV1 = MagentoShipmentRecordedV1.build(
        key=order_key(store_id, order_id), occurred_at=at, producer="bench", data=data,
        identity=(store_id, shipment_id))
    return event


async def run(args: argparse.Namespace, url: str) -> None:
    per_store = max(1, int(args.offered * args.seconds))
    started = time.perf_counter()
    prepared = await prepare(url, args.stores, per_store)
    print(f"prepared {args.stores} stores x {per_store} Unshipped orders in {time.perf_counter() - started:.1f} s")
    creds = {s["seller_id"]: s for s, _ in prepared}
    stores = {f"b{i}": StoreConfig(store_id=f"b{i}", name=f"Bench {i}", merchant_id=i + 1, seller_id=s["seller_id"],
                                   marketplace_id=MARKETPLACE, spapi_endpoint=url, lwa_credentials_ref=s["seller_id"],
                                   integration_time=datetime(2026, 1, 1, tzinfo=UTC))
              for i, (s, _) in enumerate(prepared)}
    client = ShipmentsClient(lwa_token_url=f"{url}/auth/o2/token", limits=RateLimits(rate_scale=args.rate_scale),
                             resolver=lambda ref: creds[ref], use_date_header=False, max_in_flight=256)
    facts = AmazonFacts()  # what the poller's amazon.order.changed facts carry for each order
    for store_id, (_, orders) in zip(stores, prepared, strict=True):
        for order_id, item_id in orders:
            facts.apply_order(store_id, amazon_order(order_id, item_id))
    confirmer = Confirmer(client, stores.get, facts.view)
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    done_at: list[float] = []
    t0 = time.perf_counter()

    async def store_worker(store_id: str, orders: list[tuple[str, str]]) -> None:
        queue: asyncio.Queue[MagentoShipmentRecordedV1 | None] = asyncio.Queue()

        async def offer() -> None:  # Magento shipments arriving at the offered rate
            for n, (order_id, item_id) in enumerate(orders):
                await asyncio.sleep(max(0.0, t0 + n / args.offered - time.perf_counter()))
                await queue.put(fact(store_id, order_id, item_id, n + 1, datetime.now(UTC)))
            await queue.put(None)

        feeder = asyncio.create_task(offer())
        while (shipment := await queue.get()) is not None:
            out = await confirmer.handle(shipment)
            assert out is not None
            outcomes[out.data.outcome] = outcomes.get(out.data.outcome, 0) + 1
            if out.data.outcome == "confirmed":
                latencies.append((datetime.now(UTC) - shipment.occurred_at).total_seconds())
                done_at.append(time.perf_counter() - t0)
        await feeder

    try:
        await asyncio.gather(*(store_worker(sid, orders) for sid, (_, orders) in zip(stores, prepared, strict=True)))
    finally:
        await client.aclose()
    elapsed = max(done_at) if done_at else time.perf_counter() - t0
    confirmed = outcomes.get("confirmed", 0)
    rate = confirmed / elapsed
    bound = BOUND_PER_STORE * args.rate_scale * args.stores
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) >= 2 else [float("nan")] * 99
    print(f"outcomes: {outcomes}")
    per_store = BOUND_PER_STORE * args.rate_scale
    print(f"confirmations: {confirmed} in {elapsed:.1f} s = {rate:.1f}/s; bound {bound:.1f}/s "
          f"({per_store:g} confirmShipment/s x {args.stores} stores): {100 * rate / bound:.0f} %")
    print(f"shipment -> acceptance: p50 {cuts[49]:.2f} s, p99 {cuts[98]:.2f} s, max {max(latencies):.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=60.0, help="how long shipments are offered")
    parser.add_argument("--offered", type=float, default=2.0, help="shipments per store per second")
    parser.add_argument("--rate-scale", type=float, default=1.0, help="multiplies every usage plan (both sides)")
    args = parser.parse_args()
    port = free_port()
    sandbox = start_sandbox(port, args.rate_scale)
    try:
        asyncio.run(run(args, f"http://127.0.0.1:{port}"))
    finally:
        sandbox.terminate()
        sandbox.wait(10)


if __name__ == "__main__":
    main()
