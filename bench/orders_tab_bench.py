"""Orders-tab benchmark: grid API latency over a million orders, and projection replay speed.

    .venv/bin/python bench/orders_tab_bench.py [--orders 1000000] [--stores 50] [--requests 30]

Creates a throw-away PostgreSQL database (TEST_PG_ADMIN_URL, default the local server), loads
the orders with COPY (indexes built afterwards), then times ``GET /api/orders`` in-process for
the common filters and sorts (target p95 < 100 ms) and the apply path of the projector
(decode → fold → batched upserts, target ≥ 20,000 events/s)."""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text  # noqa: E402

from schemas import encode  # noqa: E402
from services.common.db import get_engine, upgrade  # noqa: E402
from services.common.settings import Settings  # noqa: E402
from services.orders_tab.apply import Batch  # noqa: E402
from services.orders_tab.decoding import decode_used  # noqa: E402
from services.orders_tab.models import BUYER_TRGM_INDEX, BUYER_TRGM_INDEX_SQL, OrderRow  # noqa: E402
from services.orders_tab.store import drop_secondary_indexes, truncate, write_batch  # noqa: E402
from tests.harness import PG_ADMIN_URL  # noqa: E402
from tests.orders_tab import sample  # noqa: E402

ADMIN_URL = PG_ADMIN_URL
TOKEN = "bench-token-0123456789"
ACTIONS = (
    "Order imported from Amazon.",
    "Status updated to Shipped.",
    "Inventory reserved.",
    "Cannot create sales order: product is out of stock.",
    "Status updated to completed.",
)


def _sql_array(values: tuple[str, ...] | list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


GENERATE = """
WITH g AS (
  SELECT i, i % :stores AS s, random() AS r_status, random() AS r_m, random() AS r_prime, random() AS r_ch,
         floor(random() * 1e7)::int AS suffix, (floor(random() * 4) + 1)::int AS qty,
         timestamptz '2025-01-01 00:00:00+00' + random() * interval '365 days' AS pd,
         round((5 + random() * 495)::numeric, 2) AS total, floor(random() * 100)::int AS nm,
         floor(random() * 5)::int AS act
  FROM generate_series(0, :n - 1) AS i
), h AS (
  SELECT g.*,
    CASE WHEN r_status < 0.05 THEN 'Pending' WHEN r_status < 0.25 THEN 'Unshipped'
         WHEN r_status < 0.30 THEN 'Partially Shipped' WHEN r_status < 0.80 THEN 'Shipped'
         WHEN r_status < 0.88 THEN 'Canceled' ELSE 'Completed' END AS st,
    CASE WHEN r_m < 0.70 THEN 'created' WHEN r_m < 0.73 THEN 'failed' WHEN r_m < 0.90 THEN 'none'
         ELSE 'complete' END AS ms,
    lpad((100 + s)::text, 3, '0') || '-' || lpad(i::text, 7, '0') || '-' || lpad(suffix::text, 7, '0') AS oid
  FROM g
)
INSERT INTO orders_tab_orders (store_id, amazon_order_id, version, order_id, merchant_id, on_tab, status,
  amazon_status, fulfillment_channel, is_prime, is_business, buyer_name, buyer_email, total_amount,
  total_currency, items_shipped, items_unshipped, reserved, purchase_date, latest_ship_date, last_updated,
  magento_state, magento_order_number, magento_order_id, last_action, items)
SELECT 'store-' || lpad(s::text, 2, '0'), oid, 1 + i % 6, 'o-' || i, s + 1, st <> 'Pending', st,
  CASE st WHEN 'Pending' THEN 'PENDING' WHEN 'Unshipped' THEN 'UNSHIPPED' WHEN 'Partially Shipped'
    THEN 'PARTIALLY_SHIPPED' WHEN 'Canceled' THEN 'CANCELED' ELSE 'SHIPPED' END,
  CASE WHEN r_ch < 0.5 THEN 'MERCHANT' ELSE 'AMAZON' END, r_prime < 0.3, false,
  ({first})[1 + nm % 10] || ' ' || ({last})[1 + nm / 10], oid || '@marketplace.amazon.com', total, 'USD',
  CASE WHEN st IN ('Shipped', 'Completed') THEN qty ELSE 0 END,
  CASE WHEN st IN ('Shipped', 'Completed') THEN 0 ELSE qty END,
  st = 'Pending' AND r_m < 0.7, pd, pd + interval '2 days', pd, ms,
  CASE WHEN ms IN ('created', 'complete') THEN (100000000 + i)::text END,
  CASE WHEN ms IN ('created', 'complete') THEN i + 1 END,
  ({actions})[1 + act],
  jsonb_build_array(jsonb_build_object('order_item_id', oid || '-1',
    'sku', 'SKU-' || lpad((i % 5000)::text, 5, '0'),
    'quantity_ordered', qty, 'quantity_shipped', CASE WHEN st IN ('Shipped', 'Completed') THEN qty ELSE 0 END,
    'unit_price', jsonb_build_object('amount', total::text, 'currency', 'USD')))
FROM h
"""


def load(url: str, n: int, stores: int) -> float:
    """Generate the orders inside PostgreSQL (INSERT … SELECT generate_series), indexes built after."""
    started = time.perf_counter()
    engine = get_engine(url)
    table = OrderRow.__table__
    sql = GENERATE.format(first=_sql_array(sample.FIRST), last=_sql_array(sample.LAST), actions=_sql_array(ACTIONS))
    with engine.begin() as conn:
        for name in [idx.name for idx in table.indexes] + [BUYER_TRGM_INDEX]:
            conn.execute(text(f"DROP INDEX IF EXISTS {name}"))
        for s in range(stores):
            conn.execute(
                text(
                    "INSERT INTO orders_tab_stores (store_id, name, merchant_id, marketplace_id, "
                    "magento_store_code, enabled, last_poll_at) VALUES (:s, :n, :m, 'ATVPDKIKX0DER', "
                    "'default', true, now())"
                ),
                {"s": f"store-{s:02d}", "n": f"Store {s:02d}", "m": s + 1},
            )
        conn.execute(text(sql), {"n": n, "stores": stores})
    print(f"  {n:,} orders generated in {time.perf_counter() - started:.0f} s", flush=True)
    t_idx = time.perf_counter()
    with engine.begin() as conn:
        for idx in table.indexes:
            idx.create(conn)
        conn.execute(text(BUYER_TRGM_INDEX_SQL))
    print(f"  indexes built in {time.perf_counter() - t_idx:.0f} s", flush=True)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE orders_tab_orders"))
    return time.perf_counter() - started


SCENARIOS: list[tuple[str, dict[str, object]]] = [
    ("default view (newest first)", {}),
    ("one store", {"store": "store-07"}),
    ("status Unshipped", {"status": "Unshipped"}),
    ("store + status", {"store": "store-07", "status": "Unshipped"}),
    ("Pending only", {"status": "Pending"}),
    ("purchase-date week", {"purchased_from": "2025-06-01", "purchased_to": "2025-06-08"}),
    ("order-number prefix", {"amazon_order_id": "107-00001"}),
    ("buyer name contains", {"buyer_name": "hopper"}),
    ("total range, sort total", {"total_min": 100, "total_max": 200, "sort": "total", "direction": "asc"}),
    ("Amazon-fulfilled + Prime", {"fulfillment_channel": "AMAZON", "is_prime": "true"}),
    ("Magento failed", {"magento_state": "failed"}),
    ("reserved", {"reserved": "true", "status": "Pending"}),
    ("sort buyer name", {"sort": "buyer_name", "direction": "asc"}),
    ("sort latest ship date", {"sort": "latest_ship_date"}),
    ("sort last action", {"sort": "last_action"}),
    ("page 50, 50 rows", {"page": 50}),
    ("200 rows + optional cols", {"page_size": 200, "columns": ["order_id", "merchant_id", "is_prime"]}),
]


def _p(times: list[float], q: float) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, max(0, int(round(q * len(times))) - 1))]


def latency(url: str, requests: int) -> list[tuple[str, float, float, float, int]]:
    """Per scenario: p50/p95 of the whole HTTP request (ASGI, in-process) and p95 of the
    database part alone (grid query + count)."""
    from fastapi.testclient import TestClient

    from services.orders_tab import query
    from services.orders_tab.params import grid_query
    from services.orders_tab.web import create_app

    os.environ["BENCH_ORDERS_TAB_TOKEN"] = TOKEN
    app = create_app(Settings(database_url=url, web_admin_token_ref="env:BENCH_ORDERS_TAB_TOKEN"))
    engine = get_engine(url)
    results = []
    with TestClient(app) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        for name, params in SCENARIOS:
            http: list[float] = []
            db: list[float] = []
            total = 0
            q = client.get("/api/orders", params=params)  # type: ignore[arg-type]  # warm-up
            assert q.status_code == 200, q.text
            args = {
                k: ([v] if k in ("store", "status", "columns", "magento_state") and not isinstance(v, list) else v)
                for k, v in params.items()
            }
            grid_q = grid_query(**_typed(args))
            for _ in range(requests):
                t = time.perf_counter()
                r = client.get("/api/orders", params=params)  # type: ignore[arg-type]
                http.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.text
                total = r.json()["total"]
                t = time.perf_counter()
                with engine.connect() as conn:
                    query.grid(conn, grid_q)
                db.append((time.perf_counter() - t) * 1000)
            results.append((name, statistics.median(http), _p(http, 0.95), _p(db, 0.95), total))
    return results


def _typed(args: dict[str, object]) -> dict[str, object]:
    """Query-string values as the parameter types the API would parse them into."""
    from decimal import Decimal

    from schemas.types import FulfillmentChannel, MagentoState, TabStatus
    from services.orders_tab.query import Direction, OptionalColumn, SortKey

    conv: dict[str, object] = {
        "status": lambda v: [TabStatus(x) for x in v],
        "magento_state": lambda v: [MagentoState(x) for x in v],
        "columns": lambda v: [OptionalColumn(x) for x in v],
        "sort": SortKey,
        "direction": Direction,
        "fulfillment_channel": FulfillmentChannel,
        "total_min": lambda v: Decimal(str(v)),
        "total_max": lambda v: Decimal(str(v)),
        "is_prime": lambda v: v == "true",
        "reserved": lambda v: v == "true",
        "purchased_from": lambda v: datetime.fromisoformat(str(v)),
        "purchased_to": lambda v: datetime.fromisoformat(str(v)),
    }
    return {k: conv[k](v) if k in conv else v for k, v in args.items()}  # type: ignore[operator]


def replay(url: str, orders: int) -> tuple[int, float]:
    """Apply path throughput: bytes → decode → fold → upsert batches of 5,000, commit each."""
    rng = random.Random(3)
    raw: list[bytes] = []
    for n in range(orders):
        v = sample.random_view(rng, 60 + n % 10, n)
        for version in (1, 2):
            raw.append(encode(sample.state_event(v.model_copy(update={"version": version}))))
        raw.append(encode(sample.log_event(v.store_id, v.amazon_order_id, 1, "Order imported from Amazon.")))
    engine = get_engine(url)
    started = time.perf_counter()
    for start in range(0, len(raw), 5000):
        batch = Batch()
        for offset, value in enumerate(raw[start : start + 5000], start):
            event = decode_used(value)
            if event is not None:
                batch.add(event)
            batch.consumed("bench", 0, offset)
        with engine.begin() as conn:
            write_batch(conn, batch)
    return len(raw), time.perf_counter() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--stores", type=int, default=50)
    ap.add_argument("--requests", type=int, default=30, help="timed requests per scenario")
    ap.add_argument("--replay-orders", type=int, default=20_000, help="orders for the replay run (3 events each)")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards (and skip the replay)")
    ap.add_argument("--database", help="reuse a database kept by --keep: skip the load")
    args = ap.parse_args()

    name = args.database or f"bench_orders_tab_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    if not args.database:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        if args.database:
            print(f"reusing the orders loaded in {name}")
        else:
            upgrade(url)
            print(f"loading {args.orders:,} orders across {args.stores} stores into {name} …", flush=True)
            seconds = load(url, args.orders, args.stores)
            print(f"loaded in {seconds:.0f} s\n")
        print(f"GET /api/orders latency ({args.requests} requests each, in-process ASGI, page of 50):")
        print(f"  {'scenario':30} {'p50 ms':>8} {'p95 ms':>8} {'db p95':>8} {'total':>10}")
        worst = 0.0
        for scenario, p50, p95, db95, total in latency(url, args.requests):
            worst = max(worst, p95)
            flag = "" if p95 < 100 else "  (over 100 ms)"
            print(f"  {scenario:30} {p50:8.1f} {p95:8.1f} {db95:8.1f} {total:>10,}{flag}")
        print(f"  worst p95: {worst:.1f} ms (target < 100 ms); load average now {os.getloadavg()[0]:.1f}\n")
        if args.keep:
            print(f"kept {name}: rerun with --database {name}")
            return
        events, secs = replay(url, args.replay_orders)
        print(
            f"replay, live projection (into the {args.orders:,}-order table, all indexes): {events:,} events "
            f"in {secs:.1f} s = {events / secs:,.0f} events/s"
        )
        with get_engine(url).begin() as conn:
            truncate(conn)
            drop_secondary_indexes(conn)
        events, secs = replay(url, args.replay_orders)
        print(
            f"replay, rebuild mode (empty tables, secondary indexes built afterwards): {events:,} events "
            f"in {secs:.1f} s = {events / secs:,.0f} events/s (target ≥ 20,000); "
            f"load average {os.getloadavg()[0]:.1f}"
        )
    finally:
        get_engine.cache_clear()
        if not args.keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
