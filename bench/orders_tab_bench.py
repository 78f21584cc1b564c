"""Orders-tab benchmark: grid API latency on the first page and on page 1,000 (keyset), a streamed
CSV export of a million rows, and projection replay speed.

    .venv/bin/python bench/orders_tab_bench.py [--orders 1000000] [--stores 50] [--requests 30]
        [--export-rows 1000000] [--keep | --database NAME]

Creates a throw-away PostgreSQL database (TEST_PG_ADMIN_URL, default the local server), generates
the orders inside PostgreSQL (INSERT … SELECT generate_series, a million per transaction, indexes
built afterwards), then, in-process through the ASGI app:

* times ``GET /api/orders`` for the common filters and sorts, on the first page and on page 1,000
  reached by keyset (``after``), target p95 < 100 ms;
* streams ``GET /api/orders/export`` (at least ``--export-rows`` rows) chunk by chunk and reports
  rows/s and the process's peak RSS growth against the size of the CSV (bounded memory);
* times the apply path of the projector (decode → fold → batched upserts, target ≥ 20,000 events/s).

``--keep`` keeps the database (and skips the replay); ``--database NAME`` reuses it without loading."""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
import sys
import threading
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Engine, Table, create_engine, text  # noqa: E402

from schemas import encode  # noqa: E402
from services.common.db import get_engine, upgrade  # noqa: E402
from services.common.settings import Settings  # noqa: E402
from services.orders_tab.apply import Batch  # noqa: E402
from services.orders_tab.decoding import decode_used  # noqa: E402
from services.orders_tab.models import BUYER_TRGM_INDEX, BUYER_TRGM_INDEX_SQL, OrderRow  # noqa: E402
from services.orders_tab.query import GridQuery  # noqa: E402
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
  FROM generate_series(:lo, :hi - 1) AS i
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


LOAD_CHUNK = 1_000_000  # orders per INSERT … SELECT transaction (one progress line each)


def load(url: str, n: int, stores: int) -> float:
    """Generate the orders inside PostgreSQL (INSERT … SELECT generate_series, LOAD_CHUNK orders per
    transaction, a progress line each), then build the indexes (a line each) and VACUUM ANALYZE."""
    started = time.perf_counter()
    engine = get_engine(url)
    table = cast(Table, OrderRow.__table__)
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
    for lo in range(0, n, LOAD_CHUNK):
        hi = min(n, lo + LOAD_CHUNK)
        with engine.begin() as conn:
            conn.execute(text(sql), {"lo": lo, "hi": hi, "stores": stores})
        elapsed = time.perf_counter() - started
        print(f"  {hi:>12,} / {n:,} orders generated, {elapsed:.0f} s ({hi / elapsed:,.0f} orders/s)", flush=True)
    t_idx = time.perf_counter()
    indexes = list(table.indexes)
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))  # sorts in memory: faster builds
        for i, idx in enumerate(indexes, 1):
            t = time.perf_counter()
            idx.create(conn)
            print(f"  index {i}/{len(indexes) + 1} {idx.name} built in {time.perf_counter() - t:.1f} s", flush=True)
        t = time.perf_counter()
        conn.execute(text(BUYER_TRGM_INDEX_SQL))
        print(f"  index {len(indexes) + 1}/{len(indexes) + 1} {BUYER_TRGM_INDEX} built in "
              f"{time.perf_counter() - t:.1f} s", flush=True)
    print(f"  indexes built in {time.perf_counter() - t_idx:.0f} s; VACUUM ANALYZE …", flush=True)
    t = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE orders_tab_orders"))
    print(f"  VACUUM ANALYZE in {time.perf_counter() - t:.0f} s", flush=True)
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
    ("page 50 by offset", {"page": 50}),
    ("200 rows + optional cols", {"page_size": 200, "columns": ["order_id", "merchant_id", "is_prime"]}),
]


def _p(times: list[float], q: float) -> float:
    times = sorted(times)
    return times[min(len(times) - 1, max(0, int(round(q * len(times))) - 1))]


DEEP_PAGE = 1_000  # the deep page timed by keyset
TARGET_MS = 100.0


@dataclass
class Timing:
    """p50/p95 of the whole HTTP request (ASGI, in-process) and p95 of the database part alone
    (``query.grid``: the page and its count), in ms."""

    p50: float
    p95: float
    db95: float


@dataclass
class ScenarioResult:
    name: str
    first: Timing
    deep: Timing | None  # page 1,000 by keyset; None: the filters match fewer than 1,000 pages
    total: int
    total_exact: bool


def _timed(client: Any, engine: Engine, params: dict[str, object], q: GridQuery, requests: int) -> Timing:
    """One warm-up, then ``requests`` timed ``GET /api/orders`` and as many ``query.grid`` alone."""
    from services.orders_tab import query

    r = client.get("/api/orders", params=params)  # warm-up
    assert r.status_code == 200, r.text
    http: list[float] = []
    db: list[float] = []
    for _ in range(requests):
        t = time.perf_counter()
        r = client.get("/api/orders", params=params)
        http.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.text
        t = time.perf_counter()
        with engine.connect() as conn:
            query.grid(conn, q)
        db.append((time.perf_counter() - t) * 1000)
    return Timing(statistics.median(http), _p(http, 0.95), _p(db, 0.95))


def _app(url: str) -> Any:
    from services.orders_tab.web import create_app

    os.environ["BENCH_ORDERS_TAB_TOKEN"] = TOKEN
    return create_app(Settings(database_url=url, web_admin_token_ref="env:BENCH_ORDERS_TAB_TOKEN"))


def latency(url: str, requests: int) -> list[ScenarioResult]:
    """Per scenario: the first page, then page 1,000 by keyset. The keyset of page 999's last row is
    read once, by ``query.grid`` on page 999 (one OFFSET query: its ``next_after`` is that row's
    ``keyset_values``), encoded as the API's ``after`` cursor; page 1,000 is then requested like the
    first page, and checked once against page 1,000 by offset."""
    from fastapi.testclient import TestClient

    from services.orders_tab import query
    from services.orders_tab.params import grid_query

    engine = get_engine(url)
    results = []
    with TestClient(_app(url)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        for name, params in SCENARIOS:
            args = {
                k: ([v] if k in ("store", "status", "columns", "magento_state") and not isinstance(v, list) else v)
                for k, v in params.items()
            }
            grid_q = grid_query(**_typed(args))  # type: ignore[arg-type]
            first = _timed(client, engine, params, grid_q, requests)
            body = client.get("/api/orders", params=params).json()  # type: ignore[arg-type]
            with engine.connect() as conn:
                keyset = query.grid(conn, replace(grid_q, page=DEEP_PAGE - 1)).next_after
            deep = None
            if keyset is not None:
                deep_q = replace(grid_q, page=1, after=keyset)
                deep_params = {k: v for k, v in params.items() if k != "page"}
                deep_params["after"] = query.encode_cursor(grid_q, keyset)
                with engine.connect() as conn:
                    by_offset = query.grid(conn, replace(grid_q, page=DEEP_PAGE)).rows
                got = client.get("/api/orders", params=deep_params).json()["items"]  # type: ignore[arg-type]
                assert [(r["store_id"], r["amazon_order_id"]) for r in got] == [
                    (r["store_id"], r["amazon_order_id"]) for r in by_offset
                ], f"{name}: page {DEEP_PAGE} by keyset differs from page {DEEP_PAGE} by offset"
                deep = _timed(client, engine, deep_params, deep_q, requests)
            results.append(ScenarioResult(name, first, deep, body["total"], body["total_exact"]))
    return results


def print_latency(results: list[ScenarioResult], requests: int) -> bool:
    """The table, and the PASS/FAIL line against p95 < 100 ms; True when every p95 is under it."""
    print(f"GET /api/orders latency, ms ({requests} requests each, in-process ASGI, pages of 50 rows unless "
          f"said; db = query.grid alone):")
    print(f"  {'':30} {'first page':^24}   {f'page {DEEP_PAGE:,} (keyset)':^24}   {'total':>16}")
    print(f"  {'scenario':30} {'p50':>7} {'p95':>7} {'db p95':>8}   {'p50':>7} {'p95':>7} {'db p95':>8}   "
          f"{'(about = estimate)':>16}")
    worst, where, over = 0.0, "", []
    for r in results:
        cells = f"{r.first.p50:7.1f} {r.first.p95:7.1f} {r.first.db95:8.1f}"
        if r.deep is None:
            cells += f"   {f'fewer than {DEEP_PAGE:,} pages':<24}"
        else:
            cells += f"   {r.deep.p50:7.1f} {r.deep.p95:7.1f} {r.deep.db95:8.1f}"
        total = f"{r.total:,}" if r.total_exact else f"about {r.total:,}"
        flags = [f"first page {r.first.p95:.1f}"] if r.first.p95 >= TARGET_MS else []
        if r.deep is not None and r.deep.p95 >= TARGET_MS:
            flags.append(f"page {DEEP_PAGE:,} {r.deep.p95:.1f}")
        flag = f"  (over {TARGET_MS:.0f} ms: {', '.join(flags)})" if flags else ""
        over += [f"{r.name}: {f}" for f in flags]
        print(f"  {r.name:30} {cells}   {total:>16}{flag}")
        for label, timing in (("first page", r.first), (f"page {DEEP_PAGE:,}", r.deep)):
            if timing is not None and timing.p95 > worst:
                worst, where = timing.p95, f"{r.name}, {label}"
    deep = sum(r.deep is not None for r in results)
    ok = not over
    print(f"  {'PASS' if ok else 'FAIL'}: target p95 < {TARGET_MS:.0f} ms on the first page of all "
          f"{len(results)} scenarios and on page {DEEP_PAGE:,} (keyset) of the {deep} with {DEEP_PAGE:,} pages or more"
          + ("" if ok else f"; over: {'; '.join(over)}"))
    print(f"  worst p95 {worst:.1f} ms ({where}); load average now {os.getloadavg()[0]:.1f}\n")
    return ok


def _rss() -> int:
    """The process's resident set now, bytes (Linux /proc; elsewhere its peak so far)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


@dataclass
class ExportResult:
    rows: int
    seconds: float
    csv_bytes: int
    chunks: int
    largest_chunk: int
    rss_growth: int  # peak resident set during the export minus before it, bytes (sampled)
    maxrss_growth: int  # getrusage's ru_maxrss after minus before, bytes
    filter: str


def export(url: str, rows_wanted: int) -> ExportResult:
    """Stream ``GET /api/orders/export`` in-process and consume it chunk by chunk. The filter is the
    default view from the purchase date of its ``rows_wanted``-th newest order (read once by
    ``query.grid`` at that offset, page size 1), so at least ``rows_wanted`` rows are exported; the
    whole default view when it has fewer."""
    from fastapi.testclient import TestClient

    from services.orders_tab import query

    with get_engine(url).connect() as conn:
        nth = query.grid(conn, GridQuery(page=rows_wanted, page_size=1)).rows
    params: dict[str, str] = {}
    described = "the whole default view (it has fewer rows than asked for)"
    if nth:
        since = query.utc(nth[0]["purchase_date"])
        assert since is not None
        params["purchased_from"] = since.isoformat()
        described = f"default view purchased from {since.isoformat()}"
    with TestClient(_app(url)) as client:
        client.headers["Authorization"] = f"Bearer {TOKEN}"
        gc.collect()
        before = _rss()
        maxrss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = before
        done = threading.Event()

        def sample() -> None:
            nonlocal peak
            while not done.wait(0.02):
                peak = max(peak, _rss())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        size = lines = chunks = largest = 0
        started = time.perf_counter()
        try:
            with client.stream("GET", "/api/orders/export", params=params) as r:
                assert r.status_code == 200, r.read()
                for chunk in r.iter_bytes():
                    size += len(chunk)
                    lines += chunk.count(b"\n")
                    chunks += 1
                    largest = max(largest, len(chunk))
            seconds = time.perf_counter() - started
        finally:
            done.set()
            sampler.join()
        peak = max(peak, _rss())
        maxrss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return ExportResult(rows=lines - 1, seconds=seconds, csv_bytes=size, chunks=chunks, largest_chunk=largest,
                        rss_growth=peak - before, maxrss_growth=(maxrss_after - maxrss_before) * 1024,
                        filter=described)


def print_export(e: ExportResult, rows_wanted: int) -> None:
    mb = 1024 * 1024
    print(f"CSV export, GET /api/orders/export streamed in-process and read chunk by chunk "
          f"(--export-rows {rows_wanted:,}; {e.filter}):")
    print(f"  {e.rows:,} rows in {e.seconds:.1f} s = {e.rows / e.seconds:,.0f} rows/s; CSV {e.csv_bytes / mb:,.1f} MB "
          f"in {e.chunks:,} chunks (largest {e.largest_chunk / 1024:,.0f} KiB)")
    ratio = f"the CSV is {e.csv_bytes / e.rss_growth:,.1f}× that" if e.rss_growth > 0 else "no growth"
    print(f"  peak RSS growth during the export {e.rss_growth / mb:,.1f} MB for a {e.csv_bytes / mb:,.1f} MB CSV "
          f"({ratio}; RSS sampled every 20 ms, server and client both in this process; ru_maxrss, the "
          f"process's lifetime peak, grew {e.maxrss_growth / mb:,.1f} MB)")
    print(f"  load average now {os.getloadavg()[0]:.1f}\n")


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
    ap.add_argument("--export-rows", type=int, default=1_000_000,
                    help="rows to export as CSV at least (the default view's newest); 0 skips the export")
    ap.add_argument("--replay-orders", type=int, default=20_000, help="orders for the replay run (3 events each)")
    ap.add_argument("--keep", action="store_true", help="keep the database afterwards (and skip the replay)")
    ap.add_argument("--database", help="reuse a database kept by --keep: skip the load (with --keep again to keep "
                    "it; without, the replay runs and the database is dropped)")
    args = ap.parse_args()

    name = args.database or f"bench_orders_tab_{uuid.uuid4().hex[:8]}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    if not args.database:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        if args.database:
            with get_engine(url).connect() as conn:
                args.orders = conn.execute(text("SELECT count(*) FROM orders_tab_orders")).scalar_one()
            then = "kept afterwards" if args.keep else "dropped afterwards (--keep keeps it)"
            print(f"reusing the {args.orders:,} orders loaded in {name}, {then}\n")
        else:
            upgrade(url)
            print(f"loading {args.orders:,} orders across {args.stores} stores into {name} …", flush=True)
            seconds = load(url, args.orders, args.stores)
            print(f"loaded in {seconds:.0f} s\n")
        print_latency(latency(url, args.requests), args.requests)
        if args.export_rows > 0:
            print_export(export(url, args.export_rows), args.export_rows)
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
