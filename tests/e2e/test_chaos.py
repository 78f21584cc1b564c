"""Chaos in CI (issue 16, item 5): bench/chaos.py's short run on Apache Kafka — 3 stores, 150 orders,
8 SIGKILLs of random services, Magento and SP-API faults on — ends exactly where the same workload
ends without chaos, and both agree with the sandboxes' truth (see bench/chaos.py for every check).

The run starts its own brokers (one per run, so the baseline and the chaos run share nothing) and
its own PostgreSQL databases; it needs no session fixture."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from rich.console import Console

from bench.chaos import Config, compare, differing
from tests.e2e.chaos_workload import last_action, plan

on_kafka = pytest.mark.skipif((os.environ.get("TEST_BROKER") or "kafka").strip().lower() != "kafka",
                              reason="the chaos run is on Apache Kafka (TEST_BROKER=kafka)")

SHORT = Config(stores=3, orders=150, kills=8, faults=True, pace=4.0, timeout_s=300.0)


@pytest.mark.integration
@on_kafka
@pytest.mark.timeout(900)
def test_short_chaos_run_ends_where_the_baseline_ends() -> None:
    out = io.StringIO()
    verdict = compare(SHORT, Console(file=out, width=140, color_system=None))
    report = out.getvalue()
    print(report)
    assert verdict.code == 0, f"the chaos run differs from its baseline (exit {verdict.code}):\n{report}"
    assert verdict.chaos is not None and len(verdict.chaos.kills) == SHORT.kills, verdict.chaos
    assert sum(verdict.chaos.faults.values()) > 0  # faults were on
    assert verdict.chaos.outcome.rows and len(verdict.chaos.outcome.rows) == SHORT.orders


class _Event:
    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def model_dump(self, mode: str) -> dict[str, Any]:
        return {"event_id": "e1", "data": self.data}


def test_a_re_sent_fact_differs_only_where_it_is_observed_or_sealed() -> None:
    first = _Event({"observed_at": "2026-12-05T10:00:00Z", "buyer": "pii1.k.n1.c1", "status": "Unshipped"})
    again = _Event({"observed_at": "2026-12-05T10:00:09Z", "buyer": "pii1.k.n2.c2", "status": "Unshipped"})
    other = _Event({"observed_at": "2026-12-05T10:00:00Z", "buyer": "Jane Doe", "status": "Shipped"})
    assert differing(first, again) == []
    assert differing(first, other) == ["data.buyer", "data.status"]


def test_last_action_of_two_independent_entries_is_either() -> None:
    released, completed = "Reserved inventory released.", "Status updated to completed."
    both = f"{released} | {completed}"
    assert last_action(completed, ["Inventory reserved.", released, completed]) == both
    assert last_action(released, ["Inventory reserved.", completed, released]) == both
    assert last_action("Magento order {n} was created.", ["Magento order {n} was created."]) == (
        "Magento order {n} was created.")


def test_the_plan_is_the_seeds() -> None:
    assert plan(3, 50, seed=16) == plan(3, 50, seed=16)
    assert plan(3, 50, seed=16) != plan(3, 50, seed=17)
    assert {store for store, _, _ in plan(3, 50, seed=16)} == {0, 1, 2}
