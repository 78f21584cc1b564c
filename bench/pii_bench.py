"""Cost of sealing buyer PII (issue 20): each order event's path with encryption off and on.

In process, no broker: the same N orders (with buyer name, email, address, gift message) go through

1. poller:    fact built and encoded (off) vs fact sealed with the order's data key, created in the
              key store, then encoded (on) — the key store is the database of ``--db-url``;
2. processor: the fact decoded (v3 in the clear vs v4 sealed: the processor never opens it);
3. writer:    the command's order decoded and turned into the Magento entity (off) vs decoded,
              opened and turned into the entity (on): with each order's key read from the key store
              as the writer does today (one query per order), and with a batch's keys read together.

Prints µs per order and the cost of encryption in percent (target: ≤ 10 % for the processor and the
writer). These are the CPU paths alone, so the percentages are upper bounds: the services' real work
per order (broker round trips, the writer's ledger transactions and Magento calls, tens of ms) is not
in the "off" column. The processor only decodes; the writer's cost is opening ~7 fields (AES-GCM and
the sealed values' parsing, ~60–100 µs) plus one key-store query per order unless a batch's keys are
read together.

    .venv/bin/python bench/pii_bench.py [--orders 2000] [--db-url sqlite:///…]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from schemas.events.lifecycle import MagentoTarget  # noqa: E402
from schemas.events.poller import (  # noqa: E402
    AmazonOrderChangedDataV3,
    AmazonOrderChangedV3,
    DetailedAmazonOrder,
    DetailedOrderItem,
    GiftOption,
)
from schemas.registry import decode, encode  # noqa: E402
from schemas.types import Address, AmazonStatus, FulfillmentChannel, Money, OrderSettings  # noqa: E402
from services.common.db import upgrade  # noqa: E402
from services.magento_writer.payload import OrderOptions, build_order_entity  # noqa: E402
from services.pii import access  # noqa: E402
from services.pii.kek import KeyRing, new_kek_text  # noqa: E402
from services.pii.keys import Opener, Sealer  # noqa: E402
from services.pii.store import KeyStore  # noqa: E402

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def orders(n: int, store: str) -> list[AmazonOrderChangedV3]:
    out = []
    for i in range(n):
        oid = f"114-{i:07d}-{i % 9999:07d}"
        order = DetailedAmazonOrder(
            amazon_order_id=oid, marketplace_id="ATVPDKIKX0DER", status=AmazonStatus.UNSHIPPED,
            fulfillment_channel=FulfillmentChannel.MERCHANT, purchase_date=T0, last_updated=T0 + timedelta(seconds=i),
            order_total=Money(amount=Decimal("42.50"), currency="USD"),
            shipping_total=Money(amount=Decimal("4.99"), currency="USD"),
            buyer_name=f"Buyer Number{i}", buyer_email=f"b{i:08d}@marketplace.amazon.com",
            ship_to=Address(name=f"Buyer Number{i}", lines=(f"{i} Main Street", "Apt 4"), city="Seattle", region="WA",
                            postal_code="98109", country_code="US"),
            items=tuple(DetailedOrderItem(order_item_id=f"{i}-{k}", sku=f"SKU-{k}", title="A widget of some kind",
                                          quantity_ordered=1, unit_price=Money(amount=Decimal("18.75"), currency="USD"),
                                          gift=GiftOption(message="Enjoy!") if k == 0 else None)
                        for k in range(2)))
        data = AmazonOrderChangedDataV3(store_id=store, order=order, observed_at=T0, changes=("new",))
        out.append(AmazonOrderChangedV3.build(key=f"{store}:{oid}", occurred_at=order.last_updated, producer="poller",
                                              data=data, identity=(1, i)))
    return out


def timed(fn: Callable[[], object], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--orders", type=int, default=2000)
    ap.add_argument("--db-url", default="")
    args = ap.parse_args()
    n = args.orders
    tmp = tempfile.mkdtemp(prefix="pii-bench-")
    url = args.db_url or f"sqlite:///{tmp}/keys.db"
    upgrade(url)
    keys = KeyStore(url, KeyRing.parse({"active": "1", "keys": {"1": new_kek_text()}}))
    target = MagentoTarget(store_id="bench", merchant_id=1, magento_store_code="default", settings=OrderSettings())
    options = OrderOptions("checkmo", "flatrate_flatrate")
    results: list[tuple[str, float, float]] = []

    # 1. poller: the first sighting creates each order's key (fresh orders each round)
    rounds = iter(range(100))

    def poller_on() -> None:
        sealer = Sealer(keys)
        page = orders(n, f"bench{next(rounds)}")
        for start in range(0, n, 100):  # as the poller does: a page of 100 orders at a time
            for e in sealer.seal_facts(page[start:start + 100]):
                encode(e)

    base = orders(n, "bench")
    results.append(("poller (seal + key create)",
                    timed(lambda: [encode(e) for e in orders(n, "off")]) / n, timed(poller_on) / n))

    clear = [encode(e) for e in base]
    sealed_events = Sealer(keys).seal_facts(base)
    sealed = [encode(e) for e in sealed_events]
    results.append(("processor (decode)", timed(lambda: [decode(r) for r in clear]) / n,
                    timed(lambda: [decode(r) for r in sealed]) / n))

    def writer_off() -> None:
        for raw in clear:
            build_order_entity(decode(raw).data.order, target, options)  # type: ignore[attr-defined]

    def writer_on(prefetch: bool) -> None:
        opener = Opener(keys)  # the writer's: build_order_entity opens the order with it
        access.process_opener = lambda: opener  # type: ignore[assignment]
        facts = [decode(raw) for raw in sealed]
        if prefetch:
            opener.prefetch([f.data.order.buyer_name for f in facts])  # type: ignore[attr-defined]
        for f in facts:
            build_order_entity(f.data.order, target, options)  # type: ignore[attr-defined]

    off = timed(writer_off) / n
    results.append(("writer, key read per order", off, timed(lambda: writer_on(False)) / n))
    results.append(("writer, keys read per batch", off, timed(lambda: writer_on(True)) / n))

    size_off, size_on = sum(map(len, clear)) / n, sum(map(len, sealed)) / n
    print(f"{n} orders; key store {url.split('://')[0]}; event size {size_off:.0f} → {size_on:.0f} bytes "
          f"(+{(size_on / size_off - 1) * 100:.0f} %)")
    print(f"{'path':34} {'off µs':>9} {'on µs':>9} {'cost':>8}")
    for name, off, on in results:
        print(f"{name:34} {off * 1e6:9.1f} {on * 1e6:9.1f} {(on / off - 1) * 100:7.1f} %")


if __name__ == "__main__":
    main()
