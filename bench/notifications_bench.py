"""Notifications benchmark (issue 19): N stores whose ORDER_CHANGE notifications flow, in real time.

The SP-API sandbox (its own process) delivers ``ORDER_CHANGE`` for every new order version to an SQS
queue on moto's server (another process), duplicated and reordered at ``--duplicate``/``--reorder``.
This process runs the poller as production does with ``NOTIFICATIONS_QUEUE_URL`` set: the SQS
listener (getOrder through the poller's client and its per-seller bucket, 0.5 requests/s, burst 30)
beside the store scheduler, whose polling slows down while a store's notifications flow. Every rate
is Amazon's own (no time compression): the figures are seconds of wall time.

Prints the p50/p99 delay from an Amazon change (the order's lastUpdatedTime) to its acknowledged
fact on the topic, how many facts came by push and by polling, the getOrder calls (ok, throttled
by the sandbox) against what the per-seller bound allows, and with ``--hot-orders N`` what a flash
sale of N orders at one seller does to that seller and to the others. The poll-only figure for
comparison is ``bench/poller_bench.py``'s.

Needs PostgreSQL (``TEST_PG_ADMIN_URL``, as the tests) and starts its own broker (``--broker``).

    .venv/bin/python bench/notifications_bench.py              # 1000 stores, 90 s
    .venv/bin/python bench/notifications_bench.py --stores 200 --duration 60 --hot-orders 100
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import multiprocessing
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kafka import KafkaProducer  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench._broker import add_broker_argument, start_bench_broker  # noqa: E402
from bench.poller_bench import CompressedClock, RssSampler, pct, workload  # noqa: E402
from sandbox.spapi.clock import SandboxClock  # noqa: E402
from sandbox.spapi.notifications import DeliveryPolicy, NotificationHub, moto_sqs_client  # noqa: E402
from sandbox.spapi.notifications_api import NotifyingSandboxState  # noqa: E402
from sandbox.spapi.notifications_sqs import MotoSqs  # noqa: E402
from sandbox.spapi.server import create_app  # noqa: E402
from schemas import Event  # noqa: E402
from schemas.events.poller import AmazonOrderChangedV1  # noqa: E402
from schemas.topics import AMAZON_ORDERS  # noqa: E402
from schemas.types import OrderSettings, StoreConfig  # noqa: E402
from services.common.db import get_engine, upgrade  # noqa: E402
from services.common.kafka import make_producer  # noqa: E402
from services.common.logging import configure  # noqa: E402
from services.common.settings import Settings  # noqa: E402
from services.common.topic_admin import ensure_topics  # noqa: E402
from services.devbroker import free_port  # noqa: E402
from services.poller import metrics  # noqa: E402
from services.poller.notifications.cadence import PushCadence, counting_poll  # noqa: E402
from services.poller.notifications.listener import BatchResult, SqsListener  # noqa: E402
from services.poller.publisher import EventPublisher  # noqa: E402
from services.poller.ratelimit import DEFAULT_RATES, RateLimits  # noqa: E402
from services.poller.scheduler import StoreScheduler  # noqa: E402
from services.poller.spapi.http import HttpOrdersClient  # noqa: E402
from services.poller.state import PollerState  # noqa: E402
from services.poller.sync import Poller, poll_store  # noqa: E402
from tests.harness import PG_ADMIN_URL  # noqa: E402

POLL_INTERVAL_S = 180


@dataclass(frozen=True)
class Plan:
    stores: int
    per_store_hour: float
    duplicate: float
    reorder: float
    hot_orders: int
    hot_at_s: float


@dataclass(frozen=True)
class Fact:
    store_id: str
    order_id: str
    updated: float  # the change's lastUpdatedTime (epoch seconds)
    delay: float  # change -> fact acknowledged by the broker, seconds


class Facts(EventPublisher):
    """The poller's publisher, noting each order fact the broker acknowledged."""

    def __init__(self, producer: KafkaProducer, clock: CompressedClock) -> None:
        super().__init__(producer)
        self.clock = clock
        self.facts: list[Fact] = []
        self._ids: set[str] = set()

    async def publish_all(self, topic: str, events: Sequence[Event], timeout_s: float = 60.0) -> None:
        await super().publish_all(topic, events, timeout_s)
        if topic != AMAZON_ORDERS:
            return
        acked = self.clock.now()
        for e in events:
            if isinstance(e, AmazonOrderChangedV1) and e.event_id not in self._ids:
                self._ids.add(e.event_id)
                changed = e.data.order.last_updated
                self.facts.append(Fact(e.data.store_id, e.data.order.amazon_order_id, changed.timestamp(),
                                       (acked - changed).total_seconds()))


def moto_process(port: int, out: Connection) -> None:
    """moto's SQS server in its own process (so its CPU is not the poller's)."""
    server = MotoSqs(port).start()
    out.send("ready")
    out.recv()
    server.stop()


def sandbox_process(clock: CompressedClock, plan: Plan, port: int, sqs_url: str, queue_arn: str,
                    out: Connection) -> None:
    """The SP-API sandbox with the Notifications API, every seller subscribed, and the workload."""
    import uvicorn

    hub = NotificationHub(sqs=moto_sqs_client(sqs_url), seed=3,
                          policy=DeliveryPolicy(duplicate=plan.duplicate, reorder=plan.reorder, max_delay_seconds=3))
    state = NotifyingSandboxState(seed=3, rate_scale=1.0, clock=SandboxClock(clock.now), notifications=hub)
    sellers = [state.create_seller() for _ in range(plan.stores)]
    dest = hub.create_destination({"name": "bench", "resourceSpecification": {"sqs": {"arn": queue_arn}}})
    for s in sellers:
        hub.create_subscription(s.seller_id, "ORDER_CHANGE", {
            "payloadVersion": "1.0", "destinationId": dest.destination_id,
            "processingDirective": {"eventFilter": {"eventFilterType": "ORDER_CHANGE",
                                                    "marketplaceIds": [s.marketplace_id]}}})
    out.send([s.as_dict() for s in sellers])
    stop = threading.Event()
    counts: dict[str, list[float]] = {"created": [], "transitions": []}
    touched: set[tuple[str, str]] = set()
    threading.Thread(target=workload, args=(state, plan.per_store_hour, 1.0, stop, counts, touched),
                     daemon=True).start()
    hot: list[str] = []

    def flash_sale() -> None:
        if plan.hot_orders and not stop.wait(plan.hot_at_s):
            hot.extend(state.create_order(sellers[0].seller_id).order_id for _ in range(plan.hot_orders))

    threading.Thread(target=flash_sale, daemon=True).start()
    server = uvicorn.Server(uvicorn.Config(create_app(state), host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False))

    def stop_on_request() -> None:
        out.recv()
        server.should_exit = True

    threading.Thread(target=stop_on_request, daemon=True).start()
    server.run()
    stop.set()
    c = hub.counters
    out.send({"created": len(counts["created"]), "transitions": len(counts["transitions"]), "hot": hot,
              "hot_seller": sellers[0].seller_id, "emitted": c.emitted, "sent": c.sent,
              "duplicated": c.duplicated, "delayed": c.delayed, "failed": c.failed})
    hub.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stores", type=int, default=1000)
    ap.add_argument("--duration", type=float, default=90.0, help="seconds of listening and polling")
    ap.add_argument("--orders-per-store-hour", type=float, default=30.0)
    ap.add_argument("--duplicate", type=float, default=0.1, help="share of notifications sent twice")
    ap.add_argument("--reorder", type=float, default=0.1, help="share of notifications sent 1-3 s late")
    ap.add_argument("--hot-orders", type=int, default=0, help="a flash sale: this many orders at one seller at once")
    ap.add_argument("--warmup", type=float, default=10.0, help="seconds before facts count")
    add_broker_argument(ap)
    args = ap.parse_args()
    configure("WARNING", "console")
    plan = Plan(args.stores, args.orders_per_store_hour, args.duplicate, args.reorder, args.hot_orders,
                hot_at_s=args.duration / 3)

    broker = start_bench_broker(args.broker)
    db = f"sc_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{db}"
    ctx = multiprocessing.get_context("spawn")
    moto_end, moto_child_end = ctx.Pipe()
    sqs_port = free_port()
    moto = ctx.Process(target=moto_process, args=(sqs_port, moto_child_end), daemon=True)
    moto.start()
    assert moto_end.poll(60) and moto_end.recv() == "ready"
    sqs = MotoSqs(sqs_port)
    queue = sqs.create_queue("bench-order-change", visibility_timeout_s=30)
    clock = CompressedClock(time.time(), datetime.now(UTC).replace(microsecond=0), 1.0)
    sandbox_port = free_port()
    parent_end, child_end = ctx.Pipe()
    child = ctx.Process(target=sandbox_process, daemon=True,
                        args=(clock, plan, sandbox_port, sqs.endpoint_url, queue.arn, child_end))
    child.start()
    rss = RssSampler()
    facts: Facts | None = None
    pushed = BatchResult()
    try:
        upgrade(url)
        settings = Settings(kafka_bootstrap_servers=broker.bootstrap, database_url=url, order_topic_partitions=8)
        ensure_topics(settings)
        sellers = parent_end.recv()
        endpoint = f"http://127.0.0.1:{sandbox_port}"
        credentials = {f"mem:{s['seller_id']}": {k: s[k] for k in ("client_id", "client_secret", "refresh_token")}
                       for s in sellers}
        integration = clock.now() - timedelta(minutes=3)
        stores = {f"bench-{i:04d}": StoreConfig(
            store_id=f"bench-{i:04d}", name=f"Bench {i}", merchant_id=i + 1, seller_id=s["seller_id"],
            marketplace_id=s["marketplace_id"], spapi_endpoint=endpoint, lwa_credentials_ref=f"mem:{s['seller_id']}",
            poll_interval_seconds=POLL_INTERVAL_S, integration_time=integration,
            settings=OrderSettings(initial_import="none")) for i, s in enumerate(sellers)}
        print(f"setup done in {time.time() - clock.origin_wall:.0f}s", file=sys.stderr)
        rss.start()

        async def run_poller() -> float:
            asyncio.get_running_loop().set_default_executor(concurrent.futures.ThreadPoolExecutor(8))
            client = HttpOrdersClient(lwa_token_url=f"{endpoint}/auth/o2/token", limits=RateLimits(),
                                      resolver=credentials.__getitem__, clock=clock.now, use_date_header=False)
            nonlocal facts
            facts = Facts(make_producer(settings), clock)
            poller = Poller(client=client, state=PollerState(url), clock=clock.now, publisher=facts)
            cadence = PushCadence()
            scheduler = StoreScheduler(poller, poll=counting_poll(cadence, poll_store), interval=cadence.interval)
            listener = SqsListener(poller, sqs.client(), queue.url, lambda: stores, wait_time_s=20,
                                   on_notified=cadence.notified, on_receive=cadence.received)
            stop = asyncio.Event()

            async def listen() -> None:
                while not stop.is_set():
                    r = await listener.run_once()
                    for f in fields(BatchResult):
                        setattr(pushed, f.name, getattr(pushed, f.name) + getattr(r, f.name))

            started = time.monotonic()
            scheduler.update(stores)
            task = asyncio.create_task(listen())
            await asyncio.sleep(args.duration)
            stop.set()
            await scheduler.stop()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await client.aclose()
            poller.publisher.producer.close(10)
            return time.monotonic() - started

        seconds = asyncio.run(run_poller())
        rss.stop.set()
        parent_end.send("stop")
        sandbox = parent_end.recv() if parent_end.poll(30) else {}
    finally:
        moto_end.send("stop")
        for proc in (child, moto):
            proc.join(10)
            if proc.is_alive():
                proc.terminate()
        get_engine.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        broker.stop()

    assert facts is not None
    report(args, plan, stores, facts.facts, pushed, sandbox, seconds, clock, rss)


def report(args: argparse.Namespace, plan: Plan, stores: dict[str, StoreConfig], facts: list[Fact],
           pushed: BatchResult, sandbox: dict[str, Any], seconds: float, clock: CompressedClock,
           rss: RssSampler) -> None:
    from services.poller.notifications.metrics import MISSED_BY_PUSH

    counted = clock.origin.timestamp() + args.warmup
    delays = [f.delay for f in facts if f.updated >= counted]
    print(f"stores: {plan.stores}, {seconds:.0f} s, {plan.per_store_hour:g} orders per store-hour "
          f"(+ as many lifecycle steps); sandbox created {sandbox.get('created')} orders, "
          f"{sandbox.get('transitions')} transitions")
    print(f"notifications: {sandbox.get('emitted')} emitted, {sandbox.get('sent')} sent to SQS "
          f"({sandbox.get('duplicated')} duplicated, {sandbox.get('delayed')} delayed 1-3 s, "
          f"{sandbox.get('failed')} failed); listener: {pushed.received} received, {pushed.processed} processed, "
          f"{pushed.duplicates} duplicates dropped, {pushed.deferred} deferred (seller out of getOrder tokens), "
          f"{pushed.failed} failed, {pushed.orders_fetched} getOrder")
    missed = sum(MISSED_BY_PUSH.labels(s)._value.get() for s in stores)
    print(f"facts: {len(facts)} acknowledged, {pushed.events_published} by push, "
          f"{len(facts) - pushed.events_published} by polling; changes missed by push: {missed:.0f}")
    print(f"delay Amazon change -> acknowledged fact, changes after {args.warmup:g} s ({len(delays)} facts): "
          f"p50 {pct(delays, 50):.2f} s, p99 {pct(delays, 99):.2f} s, max {max(delays, default=float('nan')):.2f} s")
    calls = {o: sum(metrics.SPAPI_CALLS.labels(s, "getOrder", o)._value.get() for s in stores)
             for o in ("ok", "throttled", "error")}
    rate, burst = DEFAULT_RATES["getOrder"]
    per_store = {s: metrics.SPAPI_CALLS.labels(s, "getOrder", "ok")._value.get() for s in stores}
    busiest = max(per_store, key=per_store.__getitem__)
    print(f"getOrder: {calls['ok']:.0f} ok, {calls['throttled']:.0f} throttled by the sandbox (Amazon's bucket), "
          f"{calls['error']:.0f} errors; busiest store {busiest}: {per_store[busiest]:.0f} calls, bound "
          f"{rate:g}/s x {seconds:.0f} s + burst {burst} = {rate * seconds + burst:.0f}")
    if plan.hot_orders:
        hot_ids = set(sandbox.get("hot") or [])
        hot_store = next(sid for sid, s in stores.items() if s.seller_id == sandbox.get("hot_seller"))
        hot = [f.delay for f in facts if f.store_id == hot_store and f.order_id in hot_ids]
        sale = clock.origin.timestamp() + plan.hot_at_s
        others = [f.delay for f in facts if f.updated >= sale and f.store_id != hot_store]
        print(f"flash sale: {plan.hot_orders} orders at {hot_store} at {plan.hot_at_s:.0f} s: {len(hot)} "
              f"published within the run, delay p50 {pct(hot, 50):.1f} s, max {max(hot, default=float('nan')):.1f} s "
              f"(getOrder bound: ({plan.hot_orders} - {burst}) / {rate:g} = "
              f"{max(plan.hot_orders - burst, 0) / rate:.0f} s for the last); other stores meanwhile "
              f"({len(others)} facts): p50 {pct(others, 50):.2f} s, p99 {pct(others, 99):.2f} s")
    print(f"poller process peak RSS: {rss.peak_kb / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
