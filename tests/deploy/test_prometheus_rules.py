"""Prometheus rules: promtool check and unit tests, and every rule names only exported metrics."""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest
import yaml

from tests.deploy.catalogue import BUILTIN, DEPLOY, RULES, exported, metric_names

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool not installed (Debian package `prometheus`; scripts/install-system-tools.sh)")


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL
    return subprocess.run([PROMTOOL, *args], cwd=DEPLOY / "prometheus", capture_output=True, text=True,
                          timeout=120)


@needs_promtool
def test_promtool_check_rules() -> None:
    out = promtool("check", "rules", str(RULES))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS" in out.stdout


@needs_promtool
def test_promtool_test_rules() -> None:
    tests = sorted(str(p) for p in (DEPLOY / "prometheus" / "tests").glob("*.yml"))
    assert tests
    out = promtool("test", "rules", *tests)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "FAILED" not in out.stdout


@needs_promtool
def test_promtool_check_config() -> None:
    out = promtool("check", "config", "prometheus.yml")
    assert out.returncode == 0, out.stdout + out.stderr


def rules() -> list[dict[str, Any]]:
    return [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"]]


def test_every_alert_has_a_test_severity_and_runbook() -> None:
    alerts = [r for r in rules() if "alert" in r]
    tested = "\n".join(p.read_text() for p in (DEPLOY / "prometheus" / "tests").glob("*.yml"))
    for a in alerts:
        assert a["labels"]["severity"] in ("warning", "critical"), a["alert"]
        assert a["annotations"]["runbook"] == f"docs/operations.md#{a['alert'].lower()}"
        assert a["annotations"]["summary"]
        assert f"alertname: {a['alert']}\n" in tested, f"{a['alert']} has no promtool unit test"
    names = {a["alert"] for a in alerts}
    for wanted in ("SalesChannelConsumerLagGrowing", "SalesChannelStoreNotPolled",
                   "SalesChannelSpApiThrottled",
                   "SalesChannelMagentoOrderFailures", "SalesChannelDeadLetters",
                   "SalesChannelOrdersNearLatestShipDate", "SalesChannelServiceUnhealthy"):
        assert wanted in names


def test_rules_name_only_exported_metrics_and_recorded_series() -> None:
    exp = exported()
    assert not exp.errors, exp.errors
    recorded = {r["record"] for r in rules() if "record" in r}
    known = exp.sample_names | BUILTIN | recorded
    unknown = [f"{r.get('alert') or r.get('record')}: {n}" for r in rules() for n in metric_names(r["expr"])
               if n not in known]
    assert not unknown, "rules name metrics no service exports:\n" + "\n".join(unknown)
