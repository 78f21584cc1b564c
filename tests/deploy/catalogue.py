"""What the services export (by importing their metrics modules in a clean interpreter) and which
metric names a PromQL expression uses. Shared by the dashboard, rules and docs tests."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "sales-channel.json"
RULES = DEPLOY / "prometheus" / "rules" / "sales-channel.yml"

# Metric-name prefix -> the package that owns it.
OWNERS = {
    "sales_channel_poller_": "poller",
    "sales_channel_processor_": "order_processor",
    "sales_channel_writer_": "magento_writer",
    "sales_channel_reserver_": "inventory_reserver",
    "sales_channel_orders_tab_": "orders_tab",
}
# Series Prometheus itself makes.
BUILTIN = {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped"}

_COLLECT = r'''
import importlib, json, re, sys
from pathlib import Path
root = Path(sys.argv[1])
pattern = re.compile(r"\b(counter|gauge|histogram)\(\s*[\n ]*[\"']([a-z0-9_]+)[\"']")
modules, declared, errors = [], {}, {}
for path in sorted((root / "services").rglob("*.py")):
    found = pattern.findall(path.read_text(errors="replace"))
    if not found:
        continue
    rel = path.relative_to(root).with_suffix("")
    mod = ".".join(rel.parts)
    if path.name == "__init__.py":
        mod = ".".join(rel.parts[:-1])
    modules.append(mod)
    for kind, name in found:
        if mod == "services.common.metrics" and name in ("name",):
            continue
        declared["sales_channel_" + name] = {"kind": kind, "module": mod}
for mod in modules:
    try:
        importlib.import_module(mod)
    except Exception as exc:
        errors[mod] = f"{type(exc).__name__}: {exc}"
from prometheus_client import REGISTRY
suffixes = {"counter": ["_total", "_created"], "gauge": [""],
            "histogram": ["_bucket", "_count", "_sum", "_created"],
            "summary": ["", "_count", "_sum", "_created"], "info": ["_info"], "stateset": [""],
            "unknown": [""]}
families = {}
for fam in REGISTRY.collect():
    families[fam.name] = {"type": fam.type, "samples": [fam.name + s for s in suffixes.get(fam.type, [""])],
                          "labels": sorted({k for s in fam.samples for k in s.labels})}
print(json.dumps({"modules": modules, "declared": declared, "errors": errors, "families": families}))
'''


@dataclass(frozen=True)
class Exported:
    modules: list[str]
    declared: dict[str, dict[str, str]]  # name as written in code (+ prefix) -> kind, module
    errors: dict[str, str]  # module -> import error
    families: dict[str, dict[str, object]]

    @property
    def sample_names(self) -> set[str]:
        return {s for f in self.families.values() for s in f["samples"]}  # type: ignore[attr-defined]

    def owners_with_metrics(self) -> set[str]:
        return {m.split(".")[1] for m in self.modules if m.startswith("services.") and len(m.split(".")) > 2}


@lru_cache
def exported() -> Exported:
    """Import every module of services/ that defines a metric, in a fresh interpreter, and read the
    registry (a subprocess keeps the test process's registry and imports clean)."""
    out = subprocess.run([sys.executable, "-c", _COLLECT, str(ROOT)], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                                      "TOPIC_PREFIX": "sales-channel"})
    if out.returncode != 0:
        raise AssertionError(f"collecting the metrics failed:\n{out.stderr[-3000:]}")
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return Exported(data["modules"], data["declared"], data["errors"], data["families"])


KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
            "offset", "inf", "nan"}


def metric_names(expr: str) -> set[str]:
    """Metric names (and recording-rule names) a PromQL expression selects."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"'(?:[^'\\]|\\.)*'", "''", e)
    e = re.sub(r"\{[^}]*\}", " ", e)  # label matchers
    e = re.sub(r"\[[^\]]*\]", " ", e)  # ranges and subqueries
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    names = set()
    for m in re.finditer(r"(?<![A-Za-z0-9_:.$])[A-Za-z_:][A-Za-z0-9_:]*", e):
        tok = m.group(0)
        if e[m.end():].lstrip().startswith("("):
            continue  # a function or an aggregation
        if tok.lower() in KEYWORDS:
            continue
        names.add(tok)
    return names


def owner(name: str) -> str | None:
    for prefix, pkg in OWNERS.items():
        if name.startswith(prefix):
            return pkg
    return None
