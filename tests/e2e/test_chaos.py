"""Chaos in CI (issue 16, item 5): bench/chaos.py's short run on Apache Kafka — 3 stores, 150 orders,
8 SIGKILLs of random services, Magento and SP-API faults on — ends exactly where the same workload
ends without chaos, and both agree with the sandboxes' truth (see bench/chaos.py for every check).

The run starts its own brokers (one per run, so the baseline and the chaos run share nothing) and
its own PostgreSQL databases; it needs no session fixture."""

from __future__ import annotations

import io
import os

import pytest
from rich.console import Console

from bench.chaos import Config, compare

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif((os.environ.get("TEST_BROKER") or "kafka").strip().lower() != "kafka",
                       reason="the chaos run is on Apache Kafka (TEST_BROKER=kafka)"),
]

SHORT = Config(stores=3, orders=150, kills=8, faults=True, pace=3.0, timeout_s=300.0)


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
