"""A steady order workload for the failure tests (rebalance, broker failure): orders created and
moved on in waves while the test disturbs the pipeline, each with the final state it must reach,
and the checks that nothing was lost, duplicated or moved backwards."""

from __future__ import annotations

import threading
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import text

from schemas.events.lifecycle import OrderStateChangedV1
from schemas.topics import ORDER_VIEW
from services.common.db import get_engine
from services.common.settings import Settings
from tests.e2e.pipeline import Pipeline
from tests.harness import TopicReader, wait_until

Flow = Literal["unshipped", "canceled", "pending"]
FLOWS: tuple[Flow, ...] = ("unshipped", "canceled", "pending")
STOCK = 1000
# Where each flow ends on the Orders tab: status, Magento state, reserved, on the default view.
FINAL: dict[Flow, tuple[str, str, bool, bool]] = {
    "unshipped": ("Unshipped", "created", False, True),
    "canceled": ("Canceled", "none", False, False),
    "pending": ("Pending", "none", True, False),
}
# The Orders-tab log of each flow, every entry once ("{n}": the Magento order number).
LOG: dict[Flow, list[str]] = {
    "unshipped": ["Inventory reserved.", "Order imported from Amazon.", "Magento order {n} was created.",
                  "Reserved inventory released."],
    "canceled": ["Inventory reserved.", "Amazon order canceled.", "Reserved inventory released."],
    "pending": ["Inventory reserved."],
}
STATUS_RANK = {"Pending": 0, "Unshipped": 1, "Partially Shipped": 2, "Shipped": 3, "Completed": 4, "Canceled": 5}


@dataclass
class Planned:
    store: str
    seller: str
    order_id: str
    flow: Flow
    sku: str
    qty: int
    moved: bool = False  # the flow's transition has been made in Amazon

    @property
    def ends(self) -> Flow:
        """The flow this order ends with: its own once moved, else it stays Pending."""
        return self.flow if self.moved else "pending"


@dataclass
class Workload:
    p: Pipeline
    now: datetime
    stores: int = 2
    sellers: dict[str, str] = field(default_factory=dict)  # store -> seller id
    skus: dict[str, str] = field(default_factory=dict)  # store -> sku
    orders: list[Planned] = field(default_factory=list)

    def setup(self, prefix: str) -> None:
        suffix = uuid.uuid4().hex[:5]
        for i in range(self.stores):
            store = f"{prefix}{i}-{suffix}"
            sku = f"{prefix.upper()}{i}-{suffix}"
            self.p.magento.create_product(sku, sku, price=10.0, qty=STOCK)
            self.sellers[store] = self.p.add_store(store, integration_time=self.now - timedelta(hours=1)).seller_id
            self.skus[store] = sku

    def create(self, per_store: int) -> list[Planned]:
        """New Pending merchant-fulfilled orders, flows in turn; Amazon shows them."""
        made = []
        for store, seller in self.sellers.items():
            for _ in range(per_store):
                flow = FLOWS[len(self.orders) % len(FLOWS)]
                qty = 1 + len(self.orders) % 3
                order = self.p.amazon.create_order(seller, fulfilled_by="MERCHANT", items=[
                    {"quantity": qty, "seller_sku": self.skus[store], "unit_price": "10.00"}])
                planned = Planned(store, seller, order.order_id, flow, self.skus[store], qty)
                self.orders.append(planned)
                made.append(planned)
        return made

    def move(self, orders: list[Planned]) -> None:
        """Each order's transition: Unshipped, canceled by the buyer, or none (stays Pending)."""
        for o in orders:
            if o.flow == "unshipped":
                self.p.amazon.set_status(o.seller, o.order_id, "UNSHIPPED")
            elif o.flow == "canceled":
                self.p.amazon.cancel(o.seller, o.order_id, reason="BuyerCanceled")
            o.moved = True

    def show(self) -> None:
        """Let Amazon show every change made so far (it shows them about two minutes late)."""
        self.p.advance_amazon(180)

    # --- observing -------------------------------------------------------------------------

    def rows(self) -> dict[tuple[str, str], dict[str, Any]]:
        """The Orders-tab rows of this workload's stores, straight from the projection."""
        with get_engine(self.p.settings.database_url).connect() as conn:
            found = conn.execute(text(
                "SELECT store_id, amazon_order_id, version, status, magento_state, reserved, on_tab, "
                "magento_order_number FROM orders_tab_orders WHERE store_id = ANY(:stores)"),
                {"stores": list(self.sellers)}).mappings().all()
        return {(r["store_id"], r["amazon_order_id"]): dict(r) for r in found}

    def logs(self) -> dict[tuple[str, str], list[str]]:
        with get_engine(self.p.settings.database_url).connect() as conn:
            found = conn.execute(text(
                "SELECT store_id, amazon_order_id, message FROM orders_tab_order_log WHERE store_id = ANY(:stores)"),
                {"stores": list(self.sellers)}).all()
        out: dict[tuple[str, str], list[str]] = defaultdict(list)
        for store, order, message in found:
            out[(store, order)].append(message)
        return out

    def reached(self, o: Planned, row: dict[str, Any] | None) -> bool:
        if row is None:
            return False
        status, magento_state, reserved, _ = FINAL[o.ends]
        return bool(row["status"] == status and row["magento_state"] == magento_state
                    and row["reserved"] is reserved)

    def wait_seen(self, orders: list[Planned], share: float = 1.0, timeout: float = 120.0) -> None:
        """Until ``share`` of ``orders`` show their current Amazon state on the tab."""
        def enough() -> bool:
            rows = self.rows()
            self.p.check_alive()
            return sum(self.reached(o, rows.get((o.store, o.order_id))) for o in orders) >= share * len(orders)

        wait_until(enough, timeout=timeout, interval=0.5, what=f"{share:.0%} of {len(orders)} orders on the tab")

    def wait_final(self, timeout: float = 180.0) -> None:
        def missing() -> list[str]:
            self.p.check_alive()
            rows = self.rows()
            return [f"{o.store}/{o.order_id} ({o.flow}): {rows.get((o.store, o.order_id))}"
                    for o in self.orders if not self.reached(o, rows.get((o.store, o.order_id)))]

        try:
            wait_until(lambda: not missing(), timeout=timeout, interval=1.0, what="every order's final state")
        except AssertionError as exc:
            left = missing()
            raise AssertionError(f"{len(left)} of {len(self.orders)} orders never reached their final state: "
                                 f"{left[:10]}") from exc

    # --- checks ----------------------------------------------------------------------------

    def check_final(self) -> None:
        """Every order's row and log as a run without disturbance ends: nothing lost, nothing twice."""
        rows, logs = self.rows(), self.logs()
        problems = []
        for o in self.orders:
            row = rows.get((o.store, o.order_id))
            status, magento_state, reserved, on_tab = FINAL[o.ends]
            made = self.p.magento.orders_by_ext(o.order_id)
            number = made[0]["increment_id"] if made else None
            want = {"status": status, "magento_state": magento_state, "reserved": reserved, "on_tab": on_tab,
                    "magento_order_number": number}
            have = {k: row.get(k) for k in want} if row else None
            if have != want:
                problems.append(f"{o.order_id} ({o.flow}) row {have}, expected {want}")
            expected_log = sorted(m.format(n=number) for m in LOG[o.ends])
            if sorted(logs.get((o.store, o.order_id), [])) != expected_log:
                problems.append(f"{o.order_id} ({o.flow}) log {sorted(logs.get((o.store, o.order_id), []))}, "
                                f"expected {expected_log}")
        assert not problems, "\n".join(problems[:20])

    def check_magento(self) -> None:
        """At most one Magento order per Amazon order (exactly one where the flow creates one), each
        reservation placed and released once, so the salable quantity is the stock less what is held."""
        problems = []
        for o in self.orders:
            count = self.p.magento.count_orders(o.order_id)
            want = 1 if o.ends == "unshipped" else 0
            if count != want:
                problems.append(f"{o.order_id} ({o.flow}): {count} Magento orders, expected {want}")
            ours = sorted(r["quantity"] for r in self.p.magento.reservations() if o.order_id in str(r))
            q = float(o.qty)
            # An Unshipped order: our placement, the Magento order's own reservation and our release
            # (handed over); or only the order's, where the writer created the order before it saw the
            # placement (superseded: never placed, nothing to release). Never anything twice.
            expected = {"unshipped": ([-q, -q, q], [-q]), "canceled": ([-q, q],), "pending": ([-q],)}
            if ours not in expected[o.ends]:
                problems.append(f"{o.order_id} ({o.flow}, qty {o.qty}): reservations {ours}")
        for store, sku in self.skus.items():
            held = sum(o.qty for o in self.orders if o.store == store and o.ends in ("unshipped", "pending"))
            salable = self.p.magento.salable_qty(sku)
            if salable != STOCK - held:
                problems.append(f"{sku}: salable {salable}, expected {STOCK - held}")
        assert not problems, "\n".join(problems[:20])

    def check_lifecycle_monotonic(self, settings: Settings) -> None:
        """On the order-view topic, each order's distinct views (a re-sent fact keeps its id) never
        go back: versions and statuses only move forward."""
        reader = TopicReader(settings, ORDER_VIEW)
        try:
            ours = {(o.store, o.order_id) for o in self.orders}

            def complete(events: list[Any]) -> bool:
                seen = {(e.data.store_id, e.data.amazon_order_id) for e in events
                        if isinstance(e, OrderStateChangedV1)}
                return ours <= seen

            reader.wait_for(complete, timeout=60, what="every order's views")
            for _ in range(5):  # anything still buffered
                reader.poll(200)
            by_order: dict[tuple[str, str], list[Any]] = defaultdict(list)
            ids: set[str] = set()
            for e in reader.events:
                if not isinstance(e, OrderStateChangedV1) or (e.data.store_id, e.data.amazon_order_id) not in ours:
                    continue
                if e.event_id in ids:
                    continue
                ids.add(e.event_id)
                by_order[(e.data.store_id, e.data.amazon_order_id)].append(e.data)
        finally:
            reader.close()
        problems = []
        for key, views in by_order.items():
            versions = [v.version for v in views]
            ranks = [STATUS_RANK[str(v.status)] for v in views]
            if versions != sorted(versions) or ranks != sorted(ranks):
                problems.append(f"{key}: {[(v.version, str(v.status)) for v in views]}")
            forks = [n for n, c in Counter(versions).items() if c > 1]
            if forks:
                problems.append(f"{key}: several different views of version(s) {forks}")
        assert not problems, "views went backwards:\n" + "\n".join(problems[:20])


class RowWatch:
    """Samples the tab's rows of a workload in the background; a row whose version or status moves
    back between two samples is recorded."""

    def __init__(self, workload: Workload, interval_s: float = 0.5) -> None:
        self.workload = workload
        self.interval_s = interval_s
        self.last: dict[tuple[str, str], tuple[int, int, str]] = {}
        self.regressions: list[str] = []
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="row-watch", daemon=True)

    def __enter__(self) -> RowWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                rows = self.workload.rows()
            except Exception:  # noqa: BLE001 - a failed sample is skipped
                continue
            self.samples += 1
            for key, row in rows.items():
                now = (row["version"], STATUS_RANK[row["status"]], row["status"])
                before = self.last.get(key)
                if before is not None and (now[0] < before[0] or now[1] < before[1]):
                    self.regressions.append(f"{key}: {before} -> {now}")
                self.last[key] = now
