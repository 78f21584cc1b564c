"""Poller benchmark: N stores against the SP-API sandbox at Amazon's default rates, with time
compressed.

The sandbox clock runs ``--compression`` times faster than real time, and both the sandbox's
and the poller's token buckets refill that much faster, so in sandbox ("Amazon") time every
store gets exactly Amazon's default usage plan (searchOrders 0.0056/s, burst 20). Each
store's poll interval is 180 Amazon seconds. Orders are created and moved through their
lifecycle at ``--orders-per-store-hour`` (Amazon time) each.

Prints, in Amazon time: order changes synchronised per hour against the rate-limit bound
(searchOrders calls per hour x 100 orders per page), the p50/p99 delay from an Amazon change
(the order's lastUpdatedTime) to its acknowledged event, and the process's peak RSS.

Needs PostgreSQL (``TEST_PG_ADMIN_URL``, as the tests) and starts its own broker
(``--broker kafka|tansu``, Kafka by default).

    .venv/bin/python bench/poller_bench.py            # 1000 stores, 4x, 85 s of polling (< 2 min)
    .venv/bin/python bench/poller_bench.py --stores 200 --compression 10 --duration 60
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import multiprocessing
import os
import random
import resource
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from bench._broker import add_broker_argument, start_bench_broker  # noqa: E402
from sandbox.spapi import SandboxState  # noqa: E402
from sandbox.spapi.clock import SandboxClock  # noqa: E402
from sandbox.spapi.server import create_app  # noqa: E402
from schemas import Event  # noqa: E402
from schemas.events.poller import AmazonOrderChangedV1  # noqa: E402
from schemas.topics import AMAZON_ORDERS, POLLER_SYNC  # noqa: E402
from schemas.types import OrderSettings, StoreConfig  # noqa: E402
from services.common.db import get_engine, upgrade  # noqa: E402
from services.common.kafka import make_producer  # noqa: E402
from services.common.logging import configure  # noqa: E402
from services.common.retry import SPAPI_CALL  # noqa: E402
from services.common.settings import Settings  # noqa: E402
from services.common.topic_admin import ensure_topics  # noqa: E402
from services.devbroker import free_port  # noqa: E402
from services.poller import metrics  # noqa: E402
from services.poller.publisher import EventPublisher  # noqa: E402
from services.poller.ratelimit import DEFAULT_RATES, RateLimits  # noqa: E402
from services.poller.scheduler import StoreScheduler  # noqa: E402
from services.poller.spapi.http import HttpOrdersClient  # noqa: E402
from services.poller.state import PollerState  # noqa: E402
from services.poller.sync import Poller  # noqa: E402
from tests.harness import PG_ADMIN_URL  # noqa: E402

POLL_INTERVAL_AMAZON_S = 180
PAGE = 100


@dataclass(frozen=True)
class CompressedClock:
    """Amazon time running ``factor`` times faster than wall time from ``origin``. Built from
    wall-clock time, so the sandbox process and the poller process agree on it."""

    origin_wall: float
    origin: datetime
    factor: float

    def now(self) -> datetime:
        return self.origin + timedelta(seconds=(time.time() - self.origin_wall) * self.factor)


@dataclass
class Recorder:
    """Delay (Amazon seconds) of every acknowledged order event, and distinct changes."""

    delays: list[float] = field(default_factory=list)
    event_ids: set[str] = field(default_factory=set)
    windows: dict[str, int] = field(default_factory=dict)
    updated: list[float] = field(default_factory=list)  # lastUpdatedTime of each published change
    published: set[tuple[str, str, float]] = field(default_factory=set)  # (store, order, lastUpdatedTime)


class MeasuringPublisher(EventPublisher):
    def __init__(self, inner: EventPublisher, clock: CompressedClock, rec: Recorder) -> None:
        super().__init__(inner.producer)
        self.clock = clock
        self.rec = rec

    async def publish_all(self, topic: str, events: Sequence[Event], timeout_s: float = 60.0) -> None:
        await super().publish_all(topic, events, timeout_s)
        if topic == POLLER_SYNC:
            for e in events:
                self.rec.windows[e.key] = self.rec.windows.get(e.key, 0) + 1
        if topic != AMAZON_ORDERS:
            return
        acked = self.clock.now()
        for e in events:
            if isinstance(e, AmazonOrderChangedV1) and e.event_id not in self.rec.event_ids:
                self.rec.event_ids.add(e.event_id)
                self.rec.delays.append((acked - e.data.order.last_updated).total_seconds())
                self.rec.updated.append(e.data.order.last_updated.timestamp())
                self.rec.published.add(
                    (e.data.store_id, e.data.order.amazon_order_id, e.data.order.last_updated.timestamp())
                )


def workload(
    state: SandboxState,
    per_store_hour: float,
    factor: float,
    stop: threading.Event,
    counts: dict[str, list[float]],
    touched: set[tuple[str, str]],
) -> None:
    """New orders and lifecycle steps at a steady rate per store (Amazon time)."""
    sellers = state.seller_ids()
    per_real_second = per_store_hour * factor / 3600 * len(sellers)
    rng = random.Random(5)
    carry = 0.0
    while not stop.wait(0.2):
        carry += per_real_second * 0.2
        n, carry = int(carry), carry - int(carry)
        for _ in range(n):
            result_seller = rng.choice(sellers)
            result = state.tick(result_seller, new_orders=1, transitions=1)
            at = state.clock.now().timestamp()
            touched.update((result_seller, oid) for oid in result.created + result.transitioned)
            counts["created"] += [at] * len(result.created)
            counts["transitions"] += [at] * len(result.transitioned)


def sandbox_process(clock: CompressedClock, stores: int, per_store_hour: float, port: int, out: Connection) -> None:
    """The SP-API sandbox in its own process (so the poller's CPU and RSS are its own)."""
    import uvicorn

    state = SandboxState(seed=3, rate_scale=clock.factor, clock=SandboxClock(clock.now))
    out.send([state.create_seller().as_dict() for _ in range(stores)])
    stop = threading.Event()
    counts: dict[str, list[float]] = {"created": [], "transitions": []}
    touched: set[tuple[str, str]] = set()
    load = threading.Thread(
        target=workload, args=(state, per_store_hour, clock.factor, stop, counts, touched), daemon=True
    )
    load.start()
    server = uvicorn.Server(
        uvicorn.Config(create_app(state), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )

    def stop_on_request() -> None:
        out.recv()
        server.should_exit = True

    threading.Thread(target=stop_on_request, daemon=True).start()
    server.run()
    stop.set()
    load.join(10)
    finals = [(seller, oid, state.get_order(seller, oid).last_updated_time.timestamp()) for seller, oid in touched]
    out.send((counts, finals))


class RssSampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True, name="rss")
        self.peak_kb = 0
        self.stop = threading.Event()

    @staticmethod
    def current_kb() -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def run(self) -> None:
        while not self.stop.wait(0.25):
            self.peak_kb = max(self.peak_kb, self.current_kb())


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--stores", type=int, default=1000)
    ap.add_argument("--compression", type=float, default=4.0, help="Amazon seconds per real second")
    ap.add_argument("--duration", type=float, default=85.0, help="real seconds of polling")
    ap.add_argument("--orders-per-store-hour", type=float, default=30.0)
    add_broker_argument(ap)
    args = ap.parse_args()
    configure("WARNING", "console")
    k = args.compression

    broker = start_bench_broker(args.broker)
    port = broker.nodes[0].port
    db = f"sc_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{db}"
    clock = CompressedClock(time.time(), datetime.now(UTC).replace(microsecond=0), k)
    sandbox_port = free_port()
    ctx = multiprocessing.get_context("spawn")
    parent_end, child_end = ctx.Pipe()
    child = ctx.Process(
        target=sandbox_process,
        daemon=True,
        args=(clock, args.stores, args.orders_per_store_hour, sandbox_port, child_end),
    )
    child.start()
    rec = Recorder()
    rss = RssSampler()
    try:
        upgrade(url)
        settings = Settings(kafka_bootstrap_servers=f"127.0.0.1:{port}", database_url=url, order_topic_partitions=8)
        ensure_topics(settings)
        sellers = parent_end.recv()
        endpoint = f"http://127.0.0.1:{sandbox_port}"
        credentials = {
            f"mem:{s['seller_id']}": {k2: s[k2] for k2 in ("client_id", "client_secret", "refresh_token")}
            for s in sellers
        }
        integration = clock.now() - timedelta(minutes=3)  # the first windows can be read at once
        print(f"setup done in {time.time() - clock.origin_wall:.0f}s", file=sys.stderr)
        stores = [
            StoreConfig(
                store_id=f"bench-{i:04d}",
                name=f"Bench {i}",
                merchant_id=i + 1,
                seller_id=s["seller_id"],
                marketplace_id=s["marketplace_id"],
                spapi_endpoint=endpoint,
                lwa_credentials_ref=f"mem:{s['seller_id']}",
                poll_interval_seconds=max(1, round(POLL_INTERVAL_AMAZON_S / k)),
                integration_time=integration,
                settings=OrderSettings(initial_import="none"),
            )
            for i, s in enumerate(sellers)
        ]
        baseline_kb = RssSampler.current_kb()
        rss.start()

        async def run_poller() -> tuple[float, datetime]:
            asyncio.get_running_loop().set_default_executor(concurrent.futures.ThreadPoolExecutor(8))
            client = HttpOrdersClient(
                lwa_token_url=f"{endpoint}/auth/o2/token",
                limits=RateLimits(rate_scale=k),
                policy=replace(SPAPI_CALL, base_s=10.0 / k, cap_s=5.0),
                resolver=credentials.__getitem__,
                clock=clock.now,
                use_date_header=False,
            )
            poller = Poller(
                client=client,
                state=PollerState(url),
                publisher=MeasuringPublisher(EventPublisher(make_producer(settings)), clock, rec),
                clock=clock.now,
            )
            scheduler = StoreScheduler(poller)
            t0 = clock.now()
            scheduler.update({s.store_id: s for s in stores})
            await asyncio.sleep(args.duration)
            await scheduler.stop()
            t1 = clock.now()
            await client.aclose()
            poller.publisher.producer.close(10)
            return (t1 - t0).total_seconds(), t1

        if os.environ.get("BENCH_PROFILE"):
            import cProfile
            import pstats

            prof = cProfile.Profile()
            amazon_seconds, end = prof.runcall(asyncio.run, run_poller())
            pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(40)
        else:
            amazon_seconds, end = asyncio.run(run_poller())
        print(f"polling done at {time.time() - clock.origin_wall:.0f}s", file=sys.stderr)
        rss.stop.set()
        parent_end.send("stop")
        counts, finals = parent_end.recv() if parent_end.poll(15) else ({"created": [], "transitions": []}, [])
    finally:
        child.join(10)
        if child.is_alive():
            child.terminate()
        get_engine.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        broker.stop()

    hours = amazon_seconds / 3600
    calls = {
        o: sum(metrics.SPAPI_CALLS.labels(s.store_id, "searchOrders", o)._value.get() for s in stores)
        for o in ("ok", "throttled", "error")
    }
    rate, burst = DEFAULT_RATES["searchOrders"]
    bound_calls = args.stores * (rate * amazon_seconds + burst)
    bound_per_hour = args.stores * rate * 3600 * PAGE
    synced = len(rec.event_ids)
    print(
        f"stores: {args.stores}, compression: {k:g}x, real: {args.duration:.0f}s = "
        f"{amazon_seconds / 60:.1f} Amazon min; stores with >= 1 completed window: {len(rec.windows)}, "
        f"windows completed: {sum(rec.windows.values())}"
    )
    changes = counts["created"] + counts["transitions"]
    settled = end.timestamp() - 150 - POLL_INTERVAL_AMAZON_S  # visible to searches + one interval ago
    eligible = sum(t <= settled for t in changes)
    print(
        f"workload (sandbox): {len(counts['created'])} orders created, {len(counts['transitions'])} "
        f"transitions; {eligible} of these changes made >= {150 + POLL_INTERVAL_AMAZON_S}s (Amazon) before the end"
    )
    store_of = {st.seller_id: st.store_id for st in stores}
    due = [(store_of[seller], oid, ts) for seller, oid, ts in finals if ts <= settled]
    missing = [d for d in due if d not in rec.published]
    print(
        f"orders whose final state was settled >= {150 + POLL_INTERVAL_AMAZON_S}s (Amazon) before the end: "
        f"{len(due)}; final state published: {len(due) - len(missing)}; missing: {len(missing)}"
    )
    print(
        f"poll throughput: {sum(rec.windows.values()) / args.duration:.1f} windows/s achieved, "
        f"{args.stores * k / POLL_INTERVAL_AMAZON_S:.1f}/s needed for every store every {POLL_INTERVAL_AMAZON_S}s "
        f"(Amazon); uncompressed, {args.stores} stores need {args.stores / POLL_INTERVAL_AMAZON_S:.1f}/s"
    )
    print(
        f"order changes synchronised: {synced} = {synced / hours:,.0f}/hour (Amazon time, incl. warm-up); "
        f"{sum(t <= settled for t in rec.updated)} of them made >= {150 + POLL_INTERVAL_AMAZON_S}s before the end "
        f"(several changes of one order between two polls are one fact)"
    )
    print(
        f"rate-limit bound: {bound_per_hour:,.0f} order changes/hour sustained "
        f"({args.stores} stores x {rate * 3600:.2f} searchOrders/h x {PAGE} orders/page); "
        f"searchOrders used: {calls['ok']:.0f} ok of {bound_calls:.0f} allowed in this run, "
        f"{calls['throttled']:.0f} throttled, {calls['error']:.0f} errors"
    )
    print(
        f"delay Amazon change -> acknowledged event (Amazon time): p50 {pct(rec.delays, 50):.0f}s, "
        f"p99 {pct(rec.delays, 99):.0f}s, max {max(rec.delays, default=float('nan')):.0f}s "
        f"(floor: 150s two-minute rule + margin, plus up to one {POLL_INTERVAL_AMAZON_S}s poll interval)"
    )
    peak = max(rss.peak_kb, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    print(f"poller process peak RSS: {peak / 1024:.0f} MiB ({baseline_kb / 1024:.0f} MiB before polling)")


if __name__ == "__main__":
    main()
