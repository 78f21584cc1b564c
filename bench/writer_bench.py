"""Magento writer throughput and latency against the stand-in with added latency.

Starts a broker (--broker kafka|tansu; or uses KAFKA_BOOTSTRAP_SERVERS), a fresh PostgreSQL
database (TEST_PG_ADMIN_URL),
the Magento stand-in in its own process with ``--latency-ms`` per call, and ``sales-channel
magento-writer`` with WRITER_CONCURRENCY in flight. Then:

1. burst: N order commands published at once → orders created per second vs the bound
   (in-flight limit ÷ latency);
2. paced: commands at half the measured rate → p50/p99 command-to-result latency.

``--pii sealed`` (the default, as production runs) seals each command's buyer data under the
order's data key in the key store, as the poller does, so the writer opens it (issue 20);
``--pii clear`` sends it in the clear: the two runs give the cost of encryption.

    .venv/bin/python bench/writer_bench.py [--orders 1500] [--concurrency 32] [--latency-ms 100] [--stand-in-http h11]
        [--pii sealed|clear]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("TOPIC_PREFIX", f"bench-{uuid.uuid4().hex[:6]}")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from kafka import KafkaConsumer, TopicPartition  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench._broker import add_broker_argument, start_bench_broker  # noqa: E402
from schemas import decode  # noqa: E402
from schemas.events.lifecycle import MagentoOrderRequestedV1  # noqa: E402
from schemas.events.magento import MagentoOrderCreatedV1  # noqa: E402
from schemas.events.poller import DetailedAmazonOrder  # noqa: E402
from schemas.topics import MAGENTO_RESULTS, ORDER_COMMANDS  # noqa: E402
from services.common.db import upgrade  # noqa: E402
from services.common.kafka import make_producer, publish  # noqa: E402
from services.common.settings import Settings  # noqa: E402
from services.common.topic_admin import ensure_topics  # noqa: E402
from services.devbroker import free_port  # noqa: E402
from services.pii import fields  # noqa: E402
from services.pii.crypto import seal  # noqa: E402
from services.pii.kek import KeyRing, new_kek_text  # noqa: E402
from services.pii.store import KeyStore, kid_for  # noqa: E402
from tests.harness import (  # noqa: E402
    PG_ADMIN_URL,  # noqa: E402
    ServiceProcess,
    group_timings,
    settings_env,
)
from tests.magento_writer.factories import amazon_order, order_requested  # noqa: E402

SKUS = [f"BENCH-{i}" for i in range(8)]


class Results:
    def __init__(self, settings: Settings) -> None:
        self.consumer = KafkaConsumer(
            bootstrap_servers=settings.kafka_bootstrap_servers,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            fetch_max_wait_ms=20,  # the reader must not add latency: a long fetch wait here cost ~100 ms
        )
        parts: set[int] = set()
        while not parts:
            parts = self.consumer.partitions_for_topic(MAGENTO_RESULTS) or set()
            time.sleep(0.1)
        self.consumer.assign([TopicPartition(MAGENTO_RESULTS, p) for p in sorted(parts)])
        self.seen: dict[str, float] = {}
        self.failed = 0

    def pump(self, timeout_ms: int = 100) -> None:
        for records in self.consumer.poll(timeout_ms).values():
            now = time.monotonic()
            for r in records:
                event = decode(r.value)
                if isinstance(event, MagentoOrderCreatedV1):
                    self.seen.setdefault(event.key, now)
                else:
                    self.failed += 1
                    self.seen.setdefault(event.key, now)

    def wait(self, keys: list[str], timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self.pump()
            if all(k in self.seen for k in keys):
                return True
        return False


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc; 0.0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def start_stand_in(port: int, latency_ms: float, http: str | None = None) -> tuple[subprocess.Popen[bytes], str, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox.magento.server", "127.0.0.1", str(port), *([http] if http else [])],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(f"{url}/_sandbox/orders/count", params={"ext_order_id": "x"}, timeout=1)
            break
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    for sku in SKUS:
        httpx.post(f"{url}/_sandbox/products", json={"sku": sku, "qty": 10_000_000, "price": 9.99}).raise_for_status()
    keys = httpx.post(f"{url}/_sandbox/integrations", json={"name": "bench"}).json()
    secret = json.dumps(
        {k: keys[k] for k in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")}
    )
    httpx.post(f"{url}/_sandbox/latency", json={"ms": latency_ms, "route": "*"}).raise_for_status()
    return proc, url, secret


def writer_metrics(port: int) -> dict[tuple[str, str], float]:
    """Sums and counts of the writer's Magento call and command duration histograms."""
    body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    sums: dict[tuple[str, str], float] = {}
    for line in body.splitlines():
        if not line.startswith(
            ("sales_channel_writer_magento_call_duration_seconds_", "sales_channel_writer_command_duration_seconds_")
        ):
            continue
        name, value = line.rsplit(" ", 1)
        base, _, labels = name.partition("{")
        if base.endswith(("_sum", "_count")):
            sums[(base, labels)] = float(value)
    return sums


def print_writer_metrics(title: str, after: dict[tuple[str, str], float], before: dict[tuple[str, str], float]) -> None:
    """Where the writer's time went between two snapshots: mean Magento call duration per route,
    mean command duration (received → result acknowledged, queueing included)."""
    print(title)
    for (base, labels), value in sorted(after.items()):
        if not base.endswith("_sum"):
            continue
        count_key = (base[:-4] + "_count", labels)
        count = after.get(count_key, 0) - before.get(count_key, 0)
        if count:
            what = base[:-4].replace("sales_channel_writer_", "")
            mean = (value - before.get((base, labels), 0.0)) / count
            print(f"  {what}{{{labels}: {count:.0f} x {mean * 1000:.0f} ms mean")


def measure_ceiling(url: str, secret: str, concurrency: int, seconds: float) -> float:
    """Creates per second the stand-in itself sustains at this many in flight, with no writer:
    what any client could reach on this machine (the stand-in's own CPU caps it below the bound)."""
    from concurrent.futures import ThreadPoolExecutor

    from services.magento_writer.magento.auth import auth_from_secret
    from services.magento_writer.magento.client import MagentoClient
    from services.magento_writer.payload import OrderOptions, build_order_entity
    from tests.magento_writer.factories import target

    client = MagentoClient(url, auth_from_secret(json.loads(secret)), max_connections=concurrency)
    tgt = target("bench-ceiling", prefix_general="C")
    deadline = time.monotonic() + seconds

    def worker(_: int) -> int:
        done = 0
        while time.monotonic() < deadline:
            order = amazon_order(items=((SKUS[0], 1, "9.99"),))
            entity = build_order_entity(
                order, tgt, OrderOptions("checkmo", "flatrate_flatrate", 1, "C" + order.amazon_order_id)
            )
            client.create_order("default", entity)
            done += 1
        return done

    started = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        total = sum(pool.map(worker, range(concurrency)))
    client.close()
    return total / (time.monotonic() - started)


def commands(n: int, store: str, keys: KeyStore | None) -> list[MagentoOrderRequestedV1]:
    """``n`` order commands; with ``keys``, their buyer data sealed under each order's data key."""
    # As the poller publishes them since issue 17: detailed orders (v2 commands), a delivery phone too.
    orders = [DetailedAmazonOrder.model_validate({**amazon_order(items=((SKUS[i % len(SKUS)], 1, "9.99"),))
                                                  .model_dump(), "delivery_phone": "+1 206 555 0100"})
              for i in range(n)]
    if keys is not None:
        kids = [kid_for(store, o.amazon_order_id) for o in orders]
        data_keys = keys.data_keys_created(kids, datetime.now(UTC))
        sealed = []
        for o, kid in zip(orders, kids, strict=True):
            data_key = data_keys[kid]
            assert data_key is not None  # None only for an order whose PII was erased: these are new
            sealed.append(fields.transform(fields.minimised(o), functools.partial(seal, data_key, kid)))
        orders = sealed
    return [order_requested(store, o) for o in orders]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=1500)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--paced-seconds", type=float, default=10.0)
    parser.add_argument("--stand-in-http", choices=("httptools", "h11"), default=None,
                        help="the stand-in's HTTP parser (default: httptools when installed)")
    parser.add_argument("--pii", choices=("sealed", "clear"), default="sealed",
                        help="buyer data in the commands sealed (as the poller publishes it) or in the clear")
    add_broker_argument(parser)
    args = parser.parse_args()

    broker = None
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    if not bootstrap:
        broker = start_bench_broker(args.broker)
        bootstrap = broker.bootstrap
    db = f"sc_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{db}"'))
    db_url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{db}"
    magento, writer = None, None
    try:
        upgrade(db_url)
        magento, url, secret = start_stand_in(free_port(), args.latency_ms, args.stand_in_http)
        settings = Settings(
            kafka_bootstrap_servers=bootstrap,
            database_url=db_url,
            magento_base_url=url,
            writer_concurrency=args.concurrency,
            order_topic_partitions=8,
            **group_timings(),
        )
        ensure_topics(settings)
        metrics_port = free_port()
        env = {
            **settings_env(settings),
            "METRICS_PORT": str(metrics_port),
            "MAGENTO_AUTH": secret,
            "WRITER_CONCURRENCY": str(args.concurrency),
            "TOPIC_PREFIX": os.environ["TOPIC_PREFIX"],
            "LOG_LEVEL": "WARNING",
        }
        keys = None
        if args.pii == "sealed":
            ring = {"active": "1", "keys": {"1": new_kek_text()}}
            env["PII_KEK"] = json.dumps(ring)
            env["PII_KEK_REF"] = "env:PII_KEK"
            keys = KeyStore(db_url, KeyRing.parse(ring))
        writer = ServiceProcess("writer-bench", ["magento-writer"], env).start()
        producer = make_producer(settings, linger_ms=20)
        results = Results(settings)

        warm = commands(args.concurrency, "bench-warm", keys)
        for c in warm:
            publish(producer, ORDER_COMMANDS, c)
        producer.flush()
        if not results.wait([c.key for c in warm], 90):
            raise SystemExit(f"writer did not answer the warm-up; see {writer.log_path}")

        warm_metrics = writer_metrics(metrics_port)
        burst = commands(args.orders, "bench-burst", keys)
        assert writer.proc is not None
        pids = {"writer": writer.proc.pid, "stand-in": magento.pid,
                **({"broker": broker.pids()[0]} if broker else {})}
        cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
        started = time.monotonic()
        for c in burst:
            publish(producer, ORDER_COMMANDS, c)
        producer.flush()
        done = results.wait([c.key for c in burst], 90)
        finished = max(results.seen.get(c.key, time.monotonic()) for c in burst)
        rate = sum(1 for c in burst if c.key in results.seen) / (finished - started)
        bound = args.concurrency / (args.latency_ms / 1000.0)
        burst_cpu = {name: cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}

        burst_metrics = writer_metrics(metrics_port)
        paced_rate = max(rate / 2, 1.0)
        paced = commands(int(paced_rate * args.paced_seconds), "bench-paced", keys)
        sent: dict[str, float] = {}
        t0 = time.monotonic()
        for i, c in enumerate(paced):
            while time.monotonic() < t0 + i / paced_rate:
                results.pump(5)
            publish(producer, ORDER_COMMANDS, c)
            producer.flush()
            sent[c.key] = time.monotonic()
        results.wait(list(sent), 60)
        latencies = [results.seen[k] - t for k, t in sent.items() if k in results.seen]

        print(
            f"orders: {args.orders} burst, in flight {args.concurrency}, Magento latency {args.latency_ms:.0f} ms, "
            f"buyer data {args.pii}"
            f"{'' if done else ' (INCOMPLETE)'}"
        )
        print(f"created/s: {rate:.1f}  bound: {bound:.1f}  ratio: {rate / bound:.0%}  (target >= 80%)")
        print(
            f"paced at {paced_rate:.0f}/s: command-to-result p50 {percentile(latencies, 0.5) * 1000:.0f} ms, "
            f"p99 {percentile(latencies, 0.99) * 1000:.0f} ms over {len(latencies)} commands"
        )
        print(f"failed results: {results.failed}")
        print(
            "burst CPU per order: "
            + ", ".join(f"{name} {cpu * 1000 / args.orders:.2f} ms" for name, cpu in burst_cpu.items())
            + f"  (machine load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)"
        )
        print_writer_metrics("burst:", burst_metrics, warm_metrics)
        print_writer_metrics("paced:", writer_metrics(metrics_port), burst_metrics)
        writer.stop()
        ceiling = measure_ceiling(url, secret, args.concurrency, 5.0)
        print(
            f"stand-in alone at {args.concurrency} in flight (no writer): {ceiling:.1f} creates/s "
            f"-> writer reached {rate / min(ceiling, bound):.0%} of min(bound, stand-in ceiling)"
        )
    finally:
        if writer:
            writer.stop()
        if magento:
            magento.terminate()
            magento.wait(10)
        if broker:
            broker.stop()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
