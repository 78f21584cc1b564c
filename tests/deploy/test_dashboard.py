"""The Grafana dashboard: generated from deploy/grafana/generate_dashboard.py, laid out sanely, and
every query names only metrics the services export (read from the imported registry)."""

from __future__ import annotations

import importlib.util
import json
import warnings
from pathlib import Path
from typing import Any

import yaml

from tests.deploy.catalogue import BUILTIN, DASHBOARD, DEPLOY, exported, metric_names, owner


def load_generator() -> Any:
    path = DEPLOY / "grafana" / "generate_dashboard.py"
    spec = importlib.util.spec_from_file_location("generate_dashboard", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text())


def queries(board: dict[str, Any]) -> list[tuple[str, str]]:
    out = [(p["title"], t["expr"]) for p in board["panels"] for t in p.get("targets", [])]
    out += [("annotation " + a["name"], a["expr"]) for a in board["annotations"]["list"] if "expr" in a]
    out += [("variable " + v["name"], v["definition"].removeprefix("label_values(").split(",")[0])
            for v in board["templating"]["list"] if v["type"] == "query"]
    return out


def test_committed_dashboard_is_what_the_generator_writes() -> None:
    assert DASHBOARD.read_text() == load_generator().render(), (
        "deploy/grafana/dashboards/sales-channel.json is stale: "
        "run python deploy/grafana/generate_dashboard.py")


def test_every_service_has_a_row_and_the_business_row_has_its_panels() -> None:
    board = dashboard()
    rows = [p["title"] for p in board["panels"] if p["type"] == "row"]
    for wanted in ("Overview: health and consumer lag", "Business", "Poller", "Order processor",
                   "Magento writer", "Inventory reserver", "Orders tab"):
        assert wanted in rows
    business: list[dict[str, Any]] = []
    current = None
    for p in board["panels"]:
        if p["type"] == "row":
            current = p["title"]
        elif current == "Business":
            business.append(p)
    exprs = " ".join(t["expr"] for p in business for t in p["targets"])
    for metric in ("sales_channel_processor_imports_total", "sales_channel_writer_orders_created_total",
                   "sales_channel_writer_failures_total", "sales_channel_reserver_reserved_units",
                   "sales_channel_orders_at_ship_risk",
                   "sales_channel_poller_last_success_timestamp_seconds"):
        assert metric in exprs, f"business row lacks {metric}"


def test_panels_have_unique_ids_and_do_not_overlap() -> None:
    board = dashboard()
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    cells: set[tuple[int, int]] = set()
    for p in board["panels"]:
        g = p["gridPos"]
        assert 0 <= g["x"] and g["x"] + g["w"] <= 24
        mine = {(x, y) for x in range(g["x"], g["x"] + g["w"]) for y in range(g["y"], g["y"] + g["h"])}
        assert not mine & cells, f"panel {p['title']!r} overlaps another"
        cells |= mine
        for t in p.get("targets", []):
            assert t["datasource"] == {"type": "prometheus", "uid": "${datasource}"}


def test_every_query_names_only_exported_metrics() -> None:
    exp = exported()
    assert not exp.errors, f"metrics modules failed to import: {exp.errors}"
    known = exp.sample_names | BUILTIN
    with_metrics = exp.owners_with_metrics()
    unknown: list[str] = []
    pending: list[str] = []
    for title, expr in queries(dashboard()):
        for name in metric_names(expr):
            if name in known:
                continue
            pkg = owner(name)
            (pending if pkg and pkg not in with_metrics else unknown).append(f"{title}: {name}")
    assert not unknown, "dashboard queries name metrics no service exports:\n" + "\n".join(unknown)
    if pending:  # a service not written yet: its panels wait for it
        warnings.warn("metrics of services without metrics yet: " + ", ".join(pending), stacklevel=1)
    assert len(queries(dashboard())) > 30


def test_metric_name_extraction() -> None:
    expr = ('histogram_quantile(0.95, sum by (le, route) (rate(x_bucket{route=~"a|b"}[$__rate_interval])))'
            ' / on (store) group_left (sku) y offset 15m > 0 and time() - up')
    assert metric_names(expr) == {"x_bucket", "y", "up"}
    assert metric_names('label_replace(sum(z), "service", "poller", "", "")') == {"z"}


def test_grafana_provisioning_points_at_the_dashboard_and_prometheus() -> None:
    ds = yaml.safe_load((DEPLOY / "grafana/provisioning/datasources/prometheus.yml").read_text())
    (source,) = ds["datasources"]
    assert source["type"] == "prometheus" and source["url"] == "http://prometheus:9090"
    board = dashboard()
    variable = next(v for v in board["templating"]["list"] if v["name"] == "datasource")
    assert variable["query"] == source["type"] and variable["current"]["value"] == source["uid"]
    providers = yaml.safe_load((DEPLOY / "grafana/provisioning/dashboards/sales-channel.yml").read_text())
    (provider,) = providers["providers"]
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./grafana/dashboards:{provider['options']['path']}:ro" in mounts
    assert "./grafana/provisioning:/etc/grafana/provisioning:ro" in mounts
    assert Path(DEPLOY / "grafana/dashboards" / DASHBOARD.name).exists()
