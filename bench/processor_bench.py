"""Order-processor benchmark on a real broker (its own Apache Kafka, or Tansu
with --broker tansu) with the processor as a real process.

1. Pre-produces ``--events`` Amazon status facts for ``--orders`` orders (default: a quick run;
   ``--full`` = 1,000,000 events for 100,000 orders), then starts the processor and measures the
   sustained rate at which it turns them into Orders-tab views (one view per fact), capped at
   ``--duration`` seconds.
2. Publishes fresh facts at a fixed ``--rate`` (1,000/s) for ``--latency-seconds`` and reports the
   p50/p99 delay from publish to the view they caused (matched by causation id).
3. Prints the processor's peak RSS.

Facts carry a buyer's name, email and address. ``--pii sealed`` (the default, as the poller
publishes them) seals them (``amazon.order.changed`` v4, a data key per order); ``--pii clear``
publishes them in the clear (v1): the two runs give the cost of encryption to the processor, which
carries sealed values without opening them (issue 20).

    .venv/bin/python bench/processor_bench.py                 # quick, < ~2 minutes
    .venv/bin/python bench/processor_bench.py --full --duration 900
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition  # noqa: E402
from kafka.errors import CoordinatorLoadInProgressError, CoordinatorNotAvailableError  # noqa: E402

from bench._broker import add_broker_argument, start_bench_broker  # noqa: E402
from schemas import encode  # noqa: E402
from schemas.events.poller import AmazonOrderChangedData, AmazonOrderChangedV1, order_changed_v3  # noqa: E402
from schemas.topics import AMAZON_ORDERS, ORDER_VIEW, STORES  # noqa: E402
from schemas.types import (  # noqa: E402
    Address,
    AmazonOrder,
    AmazonStatus,
    FulfillmentChannel,
    Money,
    OrderItem,
    OrderSettings,
    StoreConfig,
)
from services.common.kafka import end_offsets, make_producer, publish_sync  # noqa: E402
from services.common.settings import Settings  # noqa: E402
from services.common.topic_admin import ensure_topics  # noqa: E402
from services.order_processor.app import APP_ID  # noqa: E402
from services.pii.crypto import new_data_key  # noqa: E402
from services.pii.keys import Sealer  # noqa: E402
from services.stores.registry import configured_event  # noqa: E402
from tests.harness import ServiceProcess, group_timings, settings_env  # noqa: E402

STORE = "bench"
BASE = datetime(2026, 1, 1, tzinfo=UTC)
STATUSES = (AmazonStatus.PENDING, AmazonStatus.UNSHIPPED, AmazonStatus.PARTIALLY_SHIPPED)


_DATA_KEYS: dict[str, bytes] = {}


def sealed(event: AmazonOrderChangedV1) -> AmazonOrderChangedV1:
    """``event`` as the poller publishes it: buyer data sealed under the order's data key."""
    key = _DATA_KEYS.setdefault(event.key, new_data_key())
    return Sealer.sealed_fact(order_changed_v3(event), event.key, key)


def fact(order_no: int, step: int) -> AmazonOrderChangedV1:
    """The ``step``-th change of an order: Pending, Unshipped, then partial shipments and
    other changes, finally Shipped. Each fact is newer than the last (``last_updated``)."""
    amazon_order_id = f"900-{order_no:07d}-0000001"
    key = f"{STORE}:{amazon_order_id}"
    at = BASE + timedelta(hours=1, seconds=step * 60 + order_no % 60)
    status = STATUSES[step] if step < len(STATUSES) else AmazonStatus.PARTIALLY_SHIPPED
    order = AmazonOrder(
        amazon_order_id=amazon_order_id,
        marketplace_id="ATVPDKIKX0DER",
        status=status,
        fulfillment_channel=FulfillmentChannel.MERCHANT,
        purchase_date=BASE + timedelta(hours=1),
        last_updated=at,
        order_total=Money(amount=Decimal("25.00"), currency="USD"),
        buyer_name=f"Bench Buyer {order_no}",
        buyer_email=f"buyer{order_no}@marketplace.amazon.com",
        ship_to=Address(name=f"Bench Buyer {order_no}", lines=(f"{order_no} Main Street", "Apt 4"),
                        city="Seattle", region="WA", postal_code="98101", country_code="US"),
        items=(
            OrderItem(
                order_item_id="1", sku=f"SKU-{order_no % 500}", quantity_ordered=100, quantity_shipped=min(step, 99)
            ),
        ),
    )
    data = AmazonOrderChangedData(
        store_id=STORE, order=order, changes=("status",) if step < 3 else ("items",), observed_at=at
    )
    return AmazonOrderChangedV1.build(
        key=key, occurred_at=at, producer="bench", data=data, identity=(at.isoformat(), status.value, step)
    )


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(seconds: list[float]) -> str:
    """p50 and p99 of sorted durations, in ms."""
    p99 = seconds[min(len(seconds) - 1, int(len(seconds) * 0.99))]
    return f"p50 {statistics.median(seconds) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def committed_total(admin: KafkaAdminClient, topic: str) -> int:
    """Input records the processor group has committed: it commits only records whose outputs
    and states the broker has acknowledged, so this is work done, read without a second reader
    of the outputs competing with the processor for the CPU."""
    try:
        offsets = admin.list_group_offsets({APP_ID: None}).get(APP_ID, {})
    except (CoordinatorNotAvailableError, CoordinatorLoadInProgressError):
        return 0  # a fresh broker is still creating its offsets topic: nothing committed yet
    return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset > 0)


class LifecycleCounter(threading.Thread):
    """Reads the order-view topic from its current end and records the arrival time of each view
    per causation id (the latency phase)."""

    def __init__(self, settings: Settings, partitions: int) -> None:
        super().__init__(daemon=True)
        self.consumer = KafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False, auto_offset_reset="earliest",
            fetch_max_wait_ms=10,  # the reader must not add latency (tansu-notes #12)
        )
        parts = [TopicPartition(ORDER_VIEW, p) for p in range(partitions)]
        self.consumer.assign(parts)
        for tp, end in end_offsets(settings, parts).items():
            self.consumer.seek(tp, end)
        self.arrivals: dict[str, float] = {}
        self.emitted: dict[str, float] = {}  # causation id -> the view's CreateTime (epoch s), set by the processor
        self.track = False
        self.stop = False

    def run(self) -> None:
        while not self.stop:
            for records in self.consumer.poll(200, max_records=5000).values():
                now = time.monotonic()
                for r in records:
                    if b'"order.state.changed"' not in r.value[:120]:
                        continue
                    if self.track:
                        cause = json.loads(r.value).get("causation_id")
                        self.arrivals.setdefault(cause, now)
                        self.emitted.setdefault(cause, r.timestamp / 1000)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--orders", type=int, default=1_000)
    ap.add_argument("--full", action="store_true", help="1,000,000 events for 100,000 orders")
    ap.add_argument("--duration", type=float, default=45.0, help="cap on the throughput phase (s)")
    ap.add_argument("--rate", type=int, default=1_000, help="events/s in the latency phase")
    ap.add_argument("--latency-seconds", type=float, default=10.0)
    ap.add_argument("--pii", choices=("sealed", "clear"), default="sealed",
                    help="buyer data in the facts sealed (v4, as the poller publishes them) or in the clear (v1)")
    ap.add_argument("--partitions", type=int, default=8)
    ap.add_argument("--workers", type=int, default=1, help="processor worker processes (one consumer group)")
    ap.add_argument("--store", default="memory://",
                    help="Faust table store, e.g. rocksdb:// (needs rocksdict) to check memory does not grow")
    add_broker_argument(ap)
    args = ap.parse_args()
    if args.full:
        args.events, args.orders = 1_000_000, 100_000
    steps = max(args.events // args.orders, 1)
    publishable = sealed if args.pii == "sealed" else (lambda event: event)

    broker = start_bench_broker(args.broker)
    port = broker.nodes[0].port
    data_dir = Path(tempfile.mkdtemp(prefix="processor-bench-"))
    settings = Settings(
        kafka_bootstrap_servers=f"127.0.0.1:{port}",
        order_topic_partitions=args.partitions,
        data_dir=data_dir,
        faust_store=args.store,
        log_format="console",
        **group_timings(),
    )
    procs: list[ServiceProcess] = []
    try:
        ensure_topics(settings)
        config = StoreConfig(
            store_id=STORE,
            name="Bench",
            merchant_id=1,
            seller_id="S",
            marketplace_id="M",
            spapi_endpoint="http://127.0.0.1:1",
            lwa_credentials_ref="env:X",
            integration_time=BASE,
            settings=OrderSettings(import_orders=False),
        )
        # Live facts one record per batch: Tansu 0.6.0 stalls fetches positioned inside a batch
        # (tansu-notes #4). The backlog in large batches, as a poller catching up sends it: Tansu
        # slows down with the number of batches in a partition (tansu-notes #13).
        producer = make_producer(settings, batch_size=1, linger_ms=2, acks=1, max_in_flight_requests_per_connection=5)
        publish_sync(producer, STORES, [configured_event(config, "integrated", BASE)])
        backlog = make_producer(settings, batch_size=256 * 1024, linger_ms=20, acks=1)
        started = time.monotonic()
        total = steps * args.orders
        for step in range(steps):
            for n in range(args.orders):
                event = publishable(fact(n, step))
                backlog.send(AMAZON_ORDERS, key=event.key.encode(), value=encode(event))
            if steps > 1:
                print(f"  pre-producing: {(step + 1) * args.orders:,} of {total:,} events "
                      f"({time.monotonic() - started:.0f}s)", flush=True)
        backlog.flush()
        backlog.close()
        print(f"pre-produced {total:,} events for {args.orders:,} orders (buyer data {args.pii}) in "
              f"{time.monotonic() - started:.1f}s")

        procs = [
            ServiceProcess(f"processor-bench-{n}", ["order-processor"],
                           settings_env(settings.model_copy(update={"worker_index": n}))).start()
            for n in range(args.workers)
        ]
        admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
        deadline = time.monotonic() + args.duration + 60  # + startup
        first: tuple[float, int] | None = None  # (time, committed) at the first commit
        done, last_at, next_report = 0, 0.0, 0.25
        while done < total and time.monotonic() < deadline and all(p.alive() for p in procs):
            time.sleep(0.5)
            committed = committed_total(admin, AMAZON_ORDERS)
            now = time.monotonic()
            if committed > done:
                done, last_at = committed, now
                first = first or (now, committed)
            while done >= next_report * total:  # memory as the orders' states accumulate
                rss = ", ".join(f"{rss_mb(p.proc.pid):.0f}" for p in procs if p.proc is not None and p.alive())
                print(f"  {done:,} events folded: processor RSS {rss} MB")
                next_report += 0.25
            if first and now - first[0] > args.duration:
                break
        if first is None or last_at <= first[0]:
            print(f"throughput: {done:,}/{total:,} events committed; too few commits to measure a rate")
        else:
            print(f"throughput: {done:,}/{total:,} events folded and committed; {done - first[1]:,} in "
                  f"{last_at - first[0]:.1f}s after the first commit = {(done - first[1]) / (last_at - first[0]):,.0f} "
                  f"events/s")
        admin.close()
        counter = LifecycleCounter(settings, args.partitions)
        counter.start()

        # Latency at a fixed rate, after the backlog (or what is left of it) is behind us.
        if done < total:
            print("backlog not drained within --duration: latency below includes the remaining backlog")
        counter.track = True
        sent_at: dict[str, float] = {}
        sent_wall: dict[str, float] = {}
        n_latency = int(args.rate * args.latency_seconds)
        t0 = time.monotonic()
        for i in range(n_latency):
            event = publishable(fact(i % args.orders, steps + i // args.orders))
            target = t0 + i / args.rate
            delay = target - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sent_at[event.event_id] = time.monotonic()
            sent_wall[event.event_id] = time.time()
            producer.send(AMAZON_ORDERS, key=event.key.encode(), value=encode(event))
        producer.flush()
        wait_until = time.monotonic() + 20
        while time.monotonic() < wait_until and sum(1 for e in sent_at if e in counter.arrivals) < len(sent_at):
            time.sleep(0.25)
        latencies = sorted(counter.arrivals[e] - t for e, t in sent_at.items() if e in counter.arrivals)
        if latencies:
            print(f"latency at {args.rate}/s: {len(latencies):,}/{len(sent_at):,} delivered, {percentiles(latencies)}")
            # The same split at the processor's send (the view's CreateTime): what remains is the
            # reader's own fetch of the order-view topic from the broker.
            inside = sorted(counter.emitted[e] - t for e, t in sent_wall.items() if e in counter.emitted)
            print(f"  of which publish -> view sent by the processor: {percentiles(inside)}")
            # Right after a large backlog the first seconds also carry its tail (RocksDB compacting
            # what the backlog wrote, the broker's grown topics): each half on its own.
            order = list(sent_at)
            for name, part in (("first", order[: len(order) // 2]), ("second", order[len(order) // 2:])):
                half = sorted(counter.arrivals[e] - sent_at[e] for e in part if e in counter.arrivals)
                if half:
                    print(f"  {name} half ({args.latency_seconds / 2:.0f} s): {percentiles(half)}")
        else:
            print("latency: no view arrived")
        for n, proc in enumerate(procs):
            if proc.proc is not None and proc.alive():
                print(f"processor {n + 1}/{len(procs)} peak RSS: {peak_rss_mb(proc.proc.pid):.0f} MB "
                      f"(table store {args.store}, {args.orders:,} orders in all)")
        counter.stop = True
        producer.close()
    finally:
        for proc in procs:
            proc.stop()
        broker.stop()
        os.system(f"rm -rf {data_dir}")  # noqa: S605


if __name__ == "__main__":
    main()
