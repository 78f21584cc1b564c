"""Replay benchmark: rebuild the Orders-tab projection from a million lifecycle events.

    .venv/bin/python bench/replay_bench.py            # quick: 100,000 events, 10,000 orders
    .venv/bin/python bench/replay_bench.py --full     # 1,000,000 events, 100,000 orders

Starts its own broker (--broker kafka|tansu) and a throw-away PostgreSQL database (TEST_PG_ADMIN_URL,
default the local server; ``--sqlite`` for a SQLite file instead), pre-produces the projector's
input topics with a batching producer (per order: five ``order.state.changed`` versions and
five ``order.log.appended`` entries, as the order processor emits them, across ``--stores``
stores; plus the stores' ``store.configured`` and ``store.poll.completed`` facts), then runs the
rebuild (``sales-channel replay --service orders_tab``: empty tables, drop secondary indexes,
apply from the earliest offsets until caught up with the exact end offsets, build the indexes)
in a fresh child process. Prints events/s, per-batch p50/p95/p99 and the child's peak RSS, then
checks the rebuilt rows (one row per order at its last version, every log entry, every store).
Target: ≥ 20,000 events/s."""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kafka import KafkaProducer  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench._broker import add_broker_argument, start_bench_broker  # noqa: E402
from schemas import encode  # noqa: E402
from schemas.topics import ORDER_VIEW, POLLER_SYNC, STORES  # noqa: E402
from schemas.types import MagentoState, TabStatus  # noqa: E402
from services.common.kafka import make_producer  # noqa: E402
from services.common.settings import Settings  # noqa: E402
from services.common.topic_admin import ensure_topics  # noqa: E402
from tests.harness import PG_ADMIN_URL  # noqa: E402
from tests.orders_tab import sample  # noqa: E402

ADMIN_URL = PG_ADMIN_URL
EVENTS_PER_ORDER = 10
STEPS: tuple[tuple[TabStatus, MagentoState, bool, str], ...] = (
    # (tab status, Magento state, reserved, log message) per version, as the order processor emits them
    (TabStatus.PENDING, MagentoState.NONE, False, "Order imported from Amazon."),
    (TabStatus.PENDING, MagentoState.NONE, True, "Inventory reserved."),
    (TabStatus.UNSHIPPED, MagentoState.NONE, False, "Status updated to Unshipped."),
    (TabStatus.UNSHIPPED, MagentoState.CREATED, False, "Magento order {number} was created."),
    (TabStatus.SHIPPED, MagentoState.CREATED, False, "Status updated to Shipped."),
)


def order_events(rng: random.Random, n: int, stores: int) -> list[list[tuple[str, bytes, bytes]]]:
    """Per lifecycle step of order ``n``: its (topic, key, value) records (a log entry, then the view)."""
    base = sample.random_view(rng, n % stores, n, stores)
    number = f"{100000000 + n}"
    steps = []
    for version, (status, magento, reserved, message) in enumerate(STEPS, 1):
        at = base.purchase_date + timedelta(minutes=version)
        qty = base.items[0].quantity_ordered
        shipped = qty if status == TabStatus.SHIPPED else 0
        text_ = message.format(number=number)
        view = base.model_copy(update={
            "version": version, "status": status, "on_tab": status != TabStatus.PENDING,
            "amazon_status": sample.STATUS_OF[status], "reserved": reserved, "magento_state": magento,
            "magento_order_number": number if magento == MagentoState.CREATED else None,
            "magento_order_id": n + 1 if magento == MagentoState.CREATED else None,
            "items_shipped": shipped, "items_unshipped": qty - shipped, "last_updated": at, "last_action": text_,
            "items": (base.items[0].model_copy(update={"quantity_shipped": shipped}),),
        })
        log_ev = sample.log_event(base.store_id, base.amazon_order_id, version, text_, at)
        state_ev = sample.state_event(view)
        steps.append([(ORDER_VIEW, log_ev.key.encode(), encode(log_ev)),
                      (ORDER_VIEW, state_ev.key.encode(), encode(state_ev))])
    return steps


def produce(settings: Settings, orders: int, stores: int, polls: int) -> int:
    """Pre-produce every input record with a batching producer; returns how many were sent.
    Orders start one after the other and each goes through its steps while 2,000 other orders
    start (~20,000 records), so one order's facts are spread over the topic as in a live run (a rebuild
    batch rarely holds two versions of one order: no flattering coalescing)."""
    producer: KafkaProducer = make_producer(settings, acks=1, linger_ms=20, batch_size=512 * 1024,
                                            max_in_flight_requests_per_connection=1)
    sent = 0
    for s in range(stores):
        ev = sample.store_event(f"store-{s:02d}", f"Store {s:02d}", s + 1)
        producer.send(STORES, key=ev.key.encode(), value=encode(ev))
        for p in range(polls):
            pe = sample.poll_event(ev.key, sample.EPOCH + timedelta(minutes=p))
            producer.send(POLLER_SYNC, key=pe.key.encode(), value=encode(pe))
        sent += 1 + polls
    rng = random.Random(8)
    started = time.monotonic()
    lag = min(2_000, max(orders // 5, 1))  # an order's next step comes ``lag`` orders later, as live
    pending: dict[int, list[list[tuple[str, bytes, bytes]]]] = {}
    produced = 0
    for t in range(orders + (len(STEPS) - 1) * lag):
        for step in range(len(STEPS)):
            n = t - step * lag
            if not 0 <= n < orders:
                continue
            if step == 0:
                pending[n] = order_events(rng, n, stores)
            for topic, key, value in pending[n][step]:
                producer.send(topic, key=key, value=value)
            produced += 2
            if step == len(STEPS) - 1:
                del pending[n]
            if produced % 100_000 == 0:
                rate = produced / max(time.monotonic() - started, 1e-9)
                print(f"  produced {produced:,} order events ({rate:,.0f}/s)", flush=True)
    sent += produced
    producer.flush()
    producer.close()
    return sent


def child(settings_json: str, pure_python_crc: bool) -> None:
    """Run in a fresh process: the rebuild exactly as ``sales-channel replay --service orders_tab``."""
    from services.orders_tab.rebuild import rebuild

    if pure_python_crc:  # what a deployment without the ``crc32c`` package gets
        from kafka.record import default_records, util

        default_records.calc_crc32c = util.crc32c_py  # type: ignore[attr-defined]
    settings = Settings.model_validate_json(settings_json)
    started = time.monotonic()
    stats = rebuild(settings)
    wall = time.monotonic() - started
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"records": stats.records, "applied": stats.applied, "poison": stats.poison,
                      "batches": stats.batches, "apply_seconds": stats.seconds, "wall_seconds": wall,
                      "batch_seconds": list(stats.batch_seconds), "peak_rss_mb": rss}))


def _crc_implementation() -> str:
    """kafka-python checks every batch's CRC-32C, in C with the ``crc32c`` package, else in Python (slow)."""
    from kafka.record import util

    return "C (crc32c package)" if util.crc32c_c is not None else "pure Python (pip install crc32c: ~3x faster)"


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(q * len(ordered))) - 1))] if ordered else float("nan")


def check(url: str, orders: int, stores: int) -> list[str]:
    """What the rebuilt tables should hold; returns the differences."""
    engine = create_engine(url)
    problems = []
    with engine.connect() as conn:
        got = conn.execute(text("SELECT count(*), min(version), max(version) FROM orders_tab_orders")).one()
        if tuple(got) != (orders, len(STEPS), len(STEPS)):
            problems.append(f"orders (count, min version, max version) = {tuple(got)}, expected "
                            f"{(orders, len(STEPS), len(STEPS))}")
        log_rows = conn.execute(text("SELECT count(*) FROM orders_tab_order_log")).scalar_one()
        if log_rows != orders * len(STEPS):
            problems.append(f"{log_rows} log entries, expected {orders * len(STEPS)}")
        polled = conn.execute(text("SELECT count(*) FROM orders_tab_stores WHERE last_poll_at IS NOT NULL "
                                   "AND name IS NOT NULL")).scalar_one()
        if polled != stores:
            problems.append(f"{polled} configured and polled stores, expected {stores}")
        shipped = conn.execute(text("SELECT count(*) FROM orders_tab_orders WHERE status = 'Shipped' "
                                    "AND last_action = 'Status updated to Shipped.'")).scalar_one()
        if shipped != orders:
            problems.append(f"{shipped} orders at their last state, expected {orders}")
    engine.dispose()
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=100_000, help="order lifecycle events (10 per order)")
    ap.add_argument("--full", action="store_true", help="1,000,000 events (100,000 orders)")
    ap.add_argument("--stores", type=int, default=20)
    ap.add_argument("--polls", type=int, default=50, help="store.poll.completed facts per store")
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--sqlite", action="store_true", help="rebuild into a SQLite file instead of PostgreSQL")
    ap.add_argument("--profile", metavar="FILE", help="run the rebuild under py-spy, collapsed stacks to FILE")
    ap.add_argument("--pure-python-crc", action="store_true",
                    help="rebuild with kafka-python's pure-Python CRC-32C, as without the crc32c package")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    add_broker_argument(ap)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.pure_python_crc)
        return
    if args.full:
        args.events = 1_000_000
    orders = max(args.events // EVENTS_PER_ORDER, 1)

    from services.common.db import upgrade

    data_dir = Path(tempfile.mkdtemp(prefix="replay-bench-"))
    broker = start_bench_broker(args.broker, data_dir / "broker")
    port = broker.nodes[0].port
    name = f"bench_replay_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    if args.sqlite:
        url = f"sqlite:///{data_dir / 'orders_tab.db'}"
    else:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    settings = Settings(kafka_bootstrap_servers=f"127.0.0.1:{port}", database_url=url,
                        order_topic_partitions=args.partitions, data_dir=data_dir, log_format="console")
    try:
        upgrade(url)
        ensure_topics(settings)
        print(f"pre-producing {orders * EVENTS_PER_ORDER:,} lifecycle events for {orders:,} orders across "
              f"{args.stores} stores ({args.partitions} partitions) …", flush=True)
        started = time.monotonic()
        total = produce(settings, orders, args.stores, args.polls)
        print(f"pre-produced {total:,} records in {time.monotonic() - started:.1f} s", flush=True)

        print(f"rebuilding the Orders tab ({'SQLite' if args.sqlite else 'PostgreSQL'}) in a child process …",
              flush=True)
        command = [sys.executable, __file__, "--child", settings.model_dump_json()]
        if args.pure_python_crc:
            command.append("--pure-python-crc")
        if args.profile:
            spy = str(Path(sys.executable).with_name("py-spy"))
            command = [spy, "record", "--format", "raw", "--rate", "200", "-o", args.profile, "--", *command]
        proc = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
        result = json.loads(next(line for line in proc.stdout.splitlines() if line.startswith('{"records"')))
        records, apply_s, wall_s = result["records"], result["apply_seconds"], result["wall_seconds"]
        batches = [b * 1000 for b in result["batch_seconds"]]
        print(f"rebuild: {records:,} records ({result['applied']:,} applied, {result['poison']} poison) in "
              f"{result['batches']} batches")
        print(f"  consume+apply until caught up: {apply_s:.1f} s = {records / apply_s:,.0f} events/s")
        print(f"  end to end (truncate, drop indexes, apply, build indexes): {wall_s:.1f} s = "
              f"{records / wall_s:,.0f} events/s (target ≥ 20,000)")
        print(f"  write transaction per batch (≤ 20,000 records): p50 {_p(batches, 0.5):.0f} ms, "
              f"p95 {_p(batches, 0.95):.0f} ms, p99 {_p(batches, 0.99):.0f} ms, max {max(batches, default=0):.0f} ms")
        print(f"  peak RSS of the rebuilding process: {result['peak_rss_mb']:.0f} MB; "
              f"load average {os.getloadavg()[0]:.1f}; record CRC-32C check: "
              f"{'pure Python (forced)' if args.pure_python_crc else _crc_implementation()}")
        problems = check(url, orders, args.stores)
        print("rebuilt projection: " + ("as expected" if not problems else "WRONG\n  " + "\n  ".join(problems)))
        if problems:
            raise SystemExit(1)
    finally:
        from services.common.db import get_engine

        get_engine.cache_clear()
        broker.stop()
        if not args.sqlite:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        subprocess.run(["rm", "-rf", str(data_dir)], check=False)


if __name__ == "__main__":
    main()
