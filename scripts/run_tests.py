"""Run the test suite as one pytest session per area, each with its own broker and PostgreSQL
database (tests/conftest.py starts both per session), then print one summary line.

Two lanes: every area on Apache Kafka (the product's broker), then the end-to-end areas again on
Tansu (the demo's broker, ``TEST_BROKER=tansu``). Areas that kill workers or write poison records
on purpose get their own broker, so they cannot disturb each other.

    python scripts/run_tests.py                           # both lanes
    python scripts/run_tests.py --lane kafka              # one lane
    python scripts/run_tests.py --lane drills -x          # the failure drills on Kafka, pytest options for each
    python scripts/run_tests.py tests/poller -k restart   # one pytest run with these arguments (TEST_BROKER applies)
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SESSIONS: tuple[tuple[str, ...], ...] = (
    ("tests/schemas", "tests/common", "tests/devbroker", "tests/deploy", "tests/replay", "tests/pii", "tests/stores",
     "tests/test_cli.py", "tests/test_cli_fulfillment.py", "tests/test_cli_time_zone.py", "tests/test_demo.py",
     "tests/test_imports.py"),
    ("tests/sandbox",),
    ("tests/poller",),
    ("tests/order_processor",),
    ("tests/inventory_reserver",),
    ("tests/magento_writer",),
    ("tests/orders_tab",),
    ("tests/fulfillment",),
    ("tests/e2e/test_first_order.py",),
    ("tests/e2e/test_metrics.py",),
    ("tests/e2e/test_cancel_restores_stock.py",),
    ("tests/e2e/test_replay.py",),
    ("tests/e2e/test_broker_outage.py",),
    ("tests/e2e/test_broker_failure.py",),
    ("tests/e2e/test_rebalance.py",),
    ("tests/e2e/test_notifications.py",),
    ("tests/e2e/test_pii_erasure.py",),
    ("tests/e2e/test_chaos.py",),  # its own brokers: a baseline, then SIGKILLs and faults (bench/chaos.py)
)
E2E = tuple(paths for paths in SESSIONS if paths[0].startswith("tests/e2e/"))
# The failure drills alone, to run them several times in a row: --lane drills
DRILLS: tuple[tuple[str, ...], ...] = (("tests/e2e/test_broker_failure.py",), ("tests/e2e/test_rebalance.py",))
LANES: dict[str, tuple[tuple[str, ...], ...]] = {"kafka": SESSIONS, "tansu": E2E, "drills": DRILLS}
BROKER_OF_LANE = {"drills": "kafka"}  # TEST_BROKER of a lane that is not named after its broker


def _counts(report: Path) -> dict[str, int]:
    if not report.exists():
        return {"passed": 0, "failed": 0, "skipped": 0, "errors": 1}
    root = ET.parse(report).getroot()
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    assert suite is not None
    total, failures, errors, skipped = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
    return {"passed": total - failures - errors - skipped, "failed": failures, "skipped": skipped, "errors": errors}


def main(argv: list[str]) -> int:
    python = sys.executable
    base = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    lanes = ["kafka", "tansu"]
    extra: list[str] = []  # with --lane: pytest options for every session
    if argv[:1] == ["--lane"]:
        lanes, extra, argv = [argv[1]], argv[2:], []
        if lanes[0] not in LANES:
            print(f"unknown lane {lanes[0]!r}: choose {', '.join(LANES)}")
            return 2
    if argv:
        return subprocess.call([*base, *argv], cwd=ROOT)
    runs = [(lane, paths) for lane in lanes for paths in LANES[lane]]
    reports = ROOT / ".test-logs" / "junit"
    reports.mkdir(parents=True, exist_ok=True)
    totals = {"passed": 0, "failed": 0, "skipped": 0, "errors": 0}
    failed_sessions = []
    started = time.monotonic()
    for n, (lane, paths) in enumerate(runs, 1):
        report = reports / f"session-{n}.xml"
        report.unlink(missing_ok=True)
        print(f"\n== [{n}/{len(runs)}] on {BROKER_OF_LANE.get(lane, lane)}: {' '.join(paths)}", flush=True)
        env = {**os.environ, "TEST_BROKER": BROKER_OF_LANE.get(lane, lane)}
        env.pop("TEST_KAFKA_BOOTSTRAP_SERVERS", None)
        code = subprocess.call([*base, f"--junitxml={report}", *extra, *paths], cwd=ROOT, env=env)
        counts = _counts(report)
        for key in totals:
            totals[key] += counts[key]
        if code != 0:
            failed_sessions.append(((lane, *paths), code))
    minutes = (time.monotonic() - started) / 60
    print(f"\n{len(runs)} sessions in {minutes:.1f} min; failed: "
          f"{', '.join(' '.join(p) + f' (exit {c})' for p, c in failed_sessions) or 'none'}")
    failed = totals["failed"] + totals["errors"]
    print(f"{totals['passed']} passed, {failed} failed, {totals['skipped']} skipped")
    return 1 if failed_sessions or failed or totals["passed"] == 0 else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
