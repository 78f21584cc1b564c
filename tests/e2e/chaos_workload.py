"""The chaos workload (issue 16, item 4): orders across several stores with full lifecycles, driven
step by step (each Amazon change is made only once the tab shows the previous one, so a run with
chaos and a run without reach the same states), and the outcome of a run in a form two runs can
be compared in: every order keyed by its place in the plan, never by an id the sandbox drew.

Flows: Pending and reserved; canceled while Pending; Unshipped (a Magento order); Shipped (the
Magento order invoiced and shipped: Completed); canceled after its Magento order was created (the
Magento order canceled); Amazon-fulfilled, Pending then Shipped (created when shipped). Stores
invoice and ship the Magento order once Amazon says Shipped; the last store of several is
review-only (``import_orders`` off): the same flows, never a Magento order."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import text

from services.common.db import get_engine
from tests.e2e.pipeline import Pipeline

Flow = Literal["pending", "canceled", "unshipped", "shipped", "unshipped_canceled", "fba"]
FLOWS: tuple[Flow, ...] = ("pending", "canceled", "unshipped", "shipped", "unshipped_canceled", "fba")
Action = Literal["create", "create_fba", "unshipped", "ship", "cancel"]
STOCK = 100_000

# Each flow's Amazon steps; after each, the tab row must show (status, magento_state, reserved) of
# an importing store before the next step is made.
STEPS: dict[Flow, tuple[tuple[Action, tuple[str, str, bool]], ...]] = {
    "pending": (("create", ("Pending", "none", True)),),
    "canceled": (("create", ("Pending", "none", True)), ("cancel", ("Canceled", "none", False))),
    "unshipped": (("create", ("Pending", "none", True)), ("unshipped", ("Unshipped", "created", False))),
    "shipped": (("create", ("Pending", "none", True)), ("unshipped", ("Unshipped", "created", False)),
                ("ship", ("Completed", "complete", False))),
    "unshipped_canceled": (("create", ("Pending", "none", True)), ("unshipped", ("Unshipped", "created", False)),
                           ("cancel", ("Canceled", "canceled", False))),
    "fba": (("create_fba", ("Pending", "none", True)), ("ship", ("Completed", "complete", False))),
}
# A review-only store never has a Magento order: Shipped stays Shipped.
REVIEW_ONLY = {"Completed": "Shipped"}
# Entries written for facts of two services that neither waits for: an Amazon-fulfilled order's
# reservation is released (the reserver, on the Magento order's creation) while the writer invoices
# and ships that order, so either can be the newest, with or without chaos (a clean run shows both).
INDEPENDENT_LAST = frozenset({"Reserved inventory released.", "Status updated to completed."})


def expected(flow: Flow, step: int, review_only: bool) -> tuple[str, str, bool]:
    status, magento_state, reserved = STEPS[flow][step][1]
    if review_only:
        return REVIEW_ONLY.get(status, status), "none", reserved
    return status, magento_state, reserved


@dataclass
class Planned:
    """One order of the plan: ``ref`` (store index, order index) names it across runs."""

    ref: tuple[int, int]
    store: str
    seller: str
    flow: Flow
    sku: str
    qty: int
    review_only: bool
    order_id: str = ""
    step: int = -1  # the last Amazon step made
    seen_step: int = -1  # the last step the tab has shown

    @property
    def done(self) -> bool:
        return self.seen_step == len(STEPS[self.flow]) - 1

    @property
    def magento_due(self) -> bool:
        """A Magento order exists at the end (SPEC §6), also when Amazon canceled it later."""
        return not self.review_only and self.flow in ("unshipped", "shipped", "unshipped_canceled", "fba")

    @property
    def hold_due(self) -> bool:
        """A reservation is held at the end: the order is still Pending (SPEC §5)."""
        return self.flow == "pending"

    def want(self) -> tuple[str, str, bool]:
        return expected(self.flow, self.step, self.review_only)


def plan(stores: int, orders: int, seed: int) -> list[tuple[int, Flow, int]]:
    """(store index, flow, quantity) per order, the same for the same arguments."""
    rng = random.Random(seed)
    return [(i % stores, rng.choice(FLOWS), rng.randint(1, 3)) for i in range(orders)]


@dataclass
class ChaosWorkload:
    p: Pipeline
    now: datetime
    stores: int
    orders: int
    seed: int
    in_flight: int = 60  # orders not yet at their last step
    planned: list[Planned] = field(default_factory=list)
    store_ids: list[str] = field(default_factory=list)
    skus: dict[str, str] = field(default_factory=dict)
    review_only: set[str] = field(default_factory=set)
    _queue: list[tuple[int, Flow, int]] = field(default_factory=list)

    def setup(self) -> None:
        """Stores (the last of several review-only) and their products; names fixed, so two runs match."""
        for i in range(self.stores):
            store, sku = f"chaos{i}", f"CHAOS-{i}"
            review = self.stores > 1 and i == self.stores - 1
            self.p.magento.create_product(sku, sku, price=10.0, qty=STOCK)
            self.p.add_store(store, integration_time=self.now - timedelta(hours=1), merchant_id=i + 1,
                             import_orders=not review, create_invoice_and_shipment=True)
            self.store_ids.append(store)
            self.skus[store] = sku
            if review:
                self.review_only.add(store)
        self._queue = plan(self.stores, self.orders, self.seed)

    # --- driving ----------------------------------------------------------------------------

    def _act(self, o: Planned, action: Action) -> None:
        amazon = self.p.amazon
        if action in ("create", "create_fba"):
            order = amazon.create_order(o.seller, fulfilled_by="AMAZON" if action == "create_fba" else "MERCHANT",
                                        items=[{"quantity": o.qty, "seller_sku": o.sku, "unit_price": "10.00"}])
            o.order_id = order.order_id
        elif action == "unshipped":
            amazon.set_status(o.seller, o.order_id, "UNSHIPPED")
        elif action == "ship":
            amazon.ship(o.seller, o.order_id)
        else:
            amazon.cancel(o.seller, o.order_id, reason="BuyerCanceled")
        o.step += 1

    def advance(self) -> int:
        """One round: note what the tab shows, make each order's next step where the tab shows
        its last one, start new orders up to ``in_flight``; Amazon then shows every change.
        Returns how many changes were made."""
        rows = self.rows()
        made = 0
        for o in self.planned:
            if o.seen_step < o.step and self._shows(o, rows.get((o.store, o.order_id))):
                o.seen_step = o.step
            if o.seen_step == o.step and o.step < len(STEPS[o.flow]) - 1:
                self._act(o, STEPS[o.flow][o.step + 1][0])
                made += 1
        open_orders = sum(not o.done for o in self.planned)
        while self._queue and open_orders < self.in_flight:
            store_index, flow, qty = self._queue.pop(0)
            store = self.store_ids[store_index]
            o = Planned((store_index, len(self.planned)), store, self.p.sellers[store].seller_id, flow,
                        self.skus[store], qty, store in self.review_only)
            self.planned.append(o)
            self._act(o, STEPS[flow][0][0])
            made += 1
            open_orders += 1
        if made:
            self.p.advance_amazon(180)  # Amazon shows changes about two minutes late
        return made

    def finished(self) -> bool:
        return not self._queue and all(o.done for o in self.planned)

    def run(self, timeout: float, between: Callable[[], None] = lambda: None, interval: float = 0.5) -> None:
        """Drive every order to its last step, seen on the tab; ``between`` runs after each round."""
        deadline = time.monotonic() + timeout
        while not self.finished():
            if time.monotonic() > deadline:
                stuck = [f"{o.store}/{o.order_id} {o.flow} step {o.step} seen {o.seen_step}: "
                         f"{self.rows().get((o.store, o.order_id))}" for o in self.planned if not o.done]
                raise TimeoutError(f"{len(stuck)} orders (of {len(self.planned)} started, {len(self._queue)} "
                                   f"not started) never reached their last step: {stuck[:8]}")
            self.advance()
            between()
            time.sleep(interval)

    def _shows(self, o: Planned, row: dict[str, Any] | None) -> bool:
        if row is None:
            return False
        return (row["status"], row["magento_state"], row["reserved"]) == o.want()

    # --- observing --------------------------------------------------------------------------

    def rows(self) -> dict[tuple[str, str], dict[str, Any]]:
        """The Orders-tab rows of the workload's stores, straight from the projection."""
        with get_engine(self.p.settings.database_url).connect() as conn:
            found = conn.execute(text(
                "SELECT store_id, amazon_order_id, version, status, magento_state, reserved, on_tab, "
                "magento_order_number, last_action FROM orders_tab_orders WHERE store_id = ANY(:stores)"),
                {"stores": self.store_ids}).mappings().all()
        return {(r["store_id"], r["amazon_order_id"]): dict(r) for r in found}

    def logs(self) -> dict[tuple[str, str], list[str]]:
        """Each order's log, oldest first."""
        with get_engine(self.p.settings.database_url).connect() as conn:
            found = conn.execute(text(
                "SELECT store_id, amazon_order_id, message FROM orders_tab_order_log WHERE store_id = ANY(:stores) "
                "ORDER BY store_id, amazon_order_id, seq"), {"stores": self.store_ids}).all()
        out: dict[tuple[str, str], list[str]] = {}
        for store, order, message in found:
            out.setdefault((store, order), []).append(message)
        return out

    def outcome(self) -> Outcome:
        """What the run ended with, per order (by ``ref``) and per store, from the tab and the sandboxes."""
        rows, logs = self.rows(), self.logs()
        magento = self.p.magento
        # Ours only: a Magento order's own reservation is Magento's business.
        reservations = [r for r in magento.reservations() if '"object_type":"amazon_order"' in str(r["metadata"])]
        out = Outcome()
        for o in self.planned:
            row = rows.get((o.store, o.order_id))
            made = magento.orders_by_ext(o.order_id)
            held = sum(float(r["quantity"]) for r in reservations if o.order_id in str(r))
            out.magento_orders[o.ref] = len(made)
            out.magento_held[o.ref] = -held
            out.magento_truth[o.ref] = magento_state_of(made)
            out.due[o.ref] = (o.magento_due, o.hold_due)
            if row is None:
                out.rows[o.ref] = None
                continue
            number = row["magento_order_number"]
            log = [m.replace(number or "\0", "{n}") for m in logs.get((o.store, o.order_id), [])]
            canonical = {k: row[k] for k in ("status", "magento_state", "reserved", "on_tab")}
            canonical["last_action"] = last_action((row["last_action"] or "").replace(number or "\0", "{n}"), log)
            canonical["log"] = sorted(log)
            canonical["magento_number_is_amazon_id"] = number == o.order_id if number else None
            canonical["units_reserved"] = o.qty if row["reserved"] else 0
            out.rows[o.ref] = canonical
        for store, sku in self.skus.items():
            if store in self.store_ids:
                out.salable[store] = magento.salable_qty(sku)
        return out


def last_action(newest: str, log: list[str]) -> str:
    """The Last Action to compare: the newest entry, or both of INDEPENDENT_LAST when they end the log."""
    if set(log[-2:]) == INDEPENDENT_LAST and newest in INDEPENDENT_LAST:
        return " | ".join(sorted(INDEPENDENT_LAST))
    return newest


def magento_state_of(orders: list[dict[str, Any]]) -> str:
    """A Magento order's state as the tab names it (``magento_state``): none, created, complete, canceled."""
    if not orders:
        return "none"
    state = orders[-1].get("state")
    return {"complete": "complete", "canceled": "canceled", "closed": "complete"}.get(str(state), "created")


@dataclass
class Outcome:
    rows: dict[tuple[int, int], dict[str, Any] | None] = field(default_factory=dict)
    magento_orders: dict[tuple[int, int], int] = field(default_factory=dict)
    magento_truth: dict[tuple[int, int], str] = field(default_factory=dict)
    magento_held: dict[tuple[int, int], float] = field(default_factory=dict)
    due: dict[tuple[int, int], tuple[bool, bool]] = field(default_factory=dict)  # (Magento order, hold)
    salable: dict[str, float] = field(default_factory=dict)

    # Problems measured against the sandboxes' truth (each 0 in a correct run).
    def duplicate_magento_orders(self) -> int:
        return sum(n > 1 for n in self.magento_orders.values())

    def missing_magento_orders(self) -> int:
        return sum(n == 0 and self.due[r][0] for r, n in self.magento_orders.items())

    def unexpected_magento_orders(self) -> int:
        return sum(n > 0 and not self.due[r][0] for r, n in self.magento_orders.items())

    def tab_magento_state_mismatches(self) -> list[str]:
        return [f"{r}: tab {row['magento_state'] if row else None}, Magento {self.magento_truth[r]}"
                for r, row in sorted(self.rows.items()) if row is None or row["magento_state"] != self.magento_truth[r]]

    def holds_not_due(self) -> int:
        return sum(held != 0 and not self.due[r][1] for r, held in self.magento_held.items())

    def holds_missing(self) -> int:
        return sum(held == 0 and self.due[r][1] for r, held in self.magento_held.items())

    def missing_rows(self) -> int:
        return sum(row is None for row in self.rows.values())

    # Figures compared with the baseline.
    def statuses(self) -> Counter[str]:
        return Counter(str(row["status"]) for row in self.rows.values() if row)

    def reserved_units(self) -> float:
        return sum(self.magento_held.values())

    def differences(self, baseline: Outcome) -> list[str]:
        """Orders whose row differs from the baseline's (the same plan, so the same refs)."""
        refs = sorted(set(self.rows) | set(baseline.rows))
        return [f"{r}: {baseline.rows.get(r)} -> {self.rows.get(r)}" for r in refs
                if self.rows.get(r) != baseline.rows.get(r)]
