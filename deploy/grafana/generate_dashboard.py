"""Writes deploy/grafana/dashboards/sales-channel.json (run after changing a panel):

    python deploy/grafana/generate_dashboard.py

One row per service plus an overview and a business row. Every query names only metrics the
services define (tests/deploy/test_dashboard.py checks it against the imported registry)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent / "dashboards" / "sales-channel.json"
DS = {"type": "prometheus", "uid": "${datasource}"}
S = 'store=~"$store"'


class Layout:
    def __init__(self) -> None:
        self.panels: list[dict[str, Any]] = []
        self.y = 0
        self.x = 0
        self.row_h = 0
        self.next_id = 1

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def row(self, title: str) -> None:
        self._newline()
        self.panels.append({"type": "row", "title": title, "id": self._id(), "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def _newline(self) -> None:
        if self.x:
            self.y += self.row_h
            self.x = 0
            self.row_h = 0

    def panel(self, title: str, targets: list[tuple[str, str]], kind: str = "timeseries", unit: str = "short",
              w: int = 8, h: int = 8, description: str = "", stack: bool = False,
              thresholds: list[tuple[float | None, str]] | None = None) -> None:
        if self.x + w > 24:
            self._newline()
        steps = [{"color": c, "value": v} for v, c in (thresholds or [(None, "green")])]
        custom: dict[str, Any] = {}
        if kind == "timeseries":
            custom = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
                      "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
        panel: dict[str, Any] = {
            "id": self._id(), "type": kind, "title": title, "description": description, "datasource": DS,
            "gridPos": {"h": h, "w": w, "x": self.x, "y": self.y},
            "fieldConfig": {"defaults": {"unit": unit, "custom": custom,
                                         "thresholds": {"mode": "absolute", "steps": steps}},
                            "overrides": []},
            "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                        "tooltip": {"mode": "multi", "sort": "desc"}},
            "targets": [{"refId": chr(ord("A") + i), "datasource": DS, "expr": expr, "legendFormat": legend,
                         "range": kind == "timeseries", "instant": kind != "timeseries"}
                        for i, (expr, legend) in enumerate(targets)],
        }
        if kind == "stat":
            panel["options"] = {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                                "colorMode": "background", "graphMode": "none", "textMode": "value_and_name",
                                "orientation": "auto", "justifyMode": "auto"}
        if kind == "table":
            panel["options"] = {"showHeader": True, "cellHeight": "sm"}
            panel["transformations"] = [{"id": "merge", "options": {}}]
            for t in panel["targets"]:
                t["format"] = "table"
        self.panels.append(panel)
        self.x += w
        self.row_h = max(self.row_h, h)


def rate(metric: str, by: str, sel: str = "", window: str = "$__rate_interval") -> str:
    return f"sum by ({by}) (rate({metric}{{{sel}}}[{window}]))"


def p95(metric: str, by: str = "", sel: str = "") -> str:
    group = f"{by}, le" if by else "le"
    return f"histogram_quantile(0.95, sum by ({group}) (rate({metric}_bucket{{{sel}}}[$__rate_interval])))"


def build() -> dict[str, Any]:
    g = Layout()

    g.row("Overview: health and consumer lag")
    g.panel("Services up and healthy", [
        ("sum by (service) (sales_channel_service_healthy)", "{{service}} healthy"),
        ('count by (job) (up{job=~"sales-channel-.*"} == 1)', "{{job}} up"),
    ], kind="stat", thresholds=[(None, "red"), (1, "green")],
        description="Healthy replicas per service (/healthz) and replicas answering /metrics.")
    g.panel("Consumer lag by service and topic", [
        ("sum by (service, topic) (max by (service, topic, partition) (sales_channel_consumer_lag_messages))",
         "{{service}} {{topic}}"),
    ], description="Messages not yet committed; replicas reporting the same partition are counted once.")
    g.panel("Highest partition lag", [
        ("topk(5, max by (service, topic, partition) (sales_channel_consumer_lag_messages))",
         "{{service}} {{topic}}[{{partition}}]"),
    ])

    g.row("Business")
    g.panel("Orders imported (added to the Orders tab) per hour", [
        (f"sum by (store) (increase(sales_channel_processor_imports_total{{{S}}}[1h]))", "{{store}}"),
    ])
    g.panel("Magento orders created and failed per hour", [
        (f"sum by (store) (increase(sales_channel_writer_orders_created_total{{{S}}}[1h]))",
         "created {{store}}"),
        (f"sum by (store, reason) (increase(sales_channel_writer_failures_total{{{S}}}[1h]))",
         "failed {{store}}: {{reason}}"),
    ])
    g.panel("Reserved units", [
        (f"sum by (store) (sales_channel_reserver_reserved_units{{{S}}})", "{{store}}"),
    ], description="Units held by reservations of Pending orders (lowers what Magento can sell).")
    g.panel("Orders at risk of missing their Latest Ship Date", [
        (f'sum by (store) (sales_channel_orders_at_ship_risk{{{S}, window="overdue"}})', "overdue {{store}}"),
        (f'sum by (store) (sales_channel_orders_at_ship_risk{{{S}, window="4h"}})', "within 4h {{store}}"),
        (f'sum by (store) (sales_channel_orders_at_ship_risk{{{S}, window="24h"}})', "within 24h {{store}}"),
    ], kind="stat", thresholds=[(None, "green"), (1, "orange")])
    g.panel("Time since last successful poll", [
        (f"time() - max by (store) (sales_channel_poller_last_success_timestamp_seconds{{{S}}})",
         "{{store}}"),
    ], kind="stat", unit="s", thresholds=[(None, "green"), (600, "orange"), (900, "red")])
    g.panel("Orders by status", [
        (f"sum by (status) (sales_channel_processor_orders_by_status{{{S}}})", "{{status}}"),
    ], stack=True)

    g.row("Poller")
    g.panel("SP-API calls by outcome", [
        (rate("sales_channel_poller_spapi_calls_total", "operation, outcome", S),
         "{{operation}} {{outcome}}"),
    ], unit="reqps", stack=True)
    g.panel("SP-API call duration p95", [
        (p95("sales_channel_poller_spapi_call_duration_seconds", "operation"), "{{operation}}"),
    ], unit="s")
    g.panel("SP-API throttled share", [
        (rate("sales_channel_poller_spapi_calls_total", "store", S + ', outcome="throttled"')
         + " / " + rate("sales_channel_poller_spapi_calls_total", "store", S), "{{store}}"),
    ], unit="percentunit")
    g.panel("Orders seen and facts published", [
        (rate("sales_channel_poller_orders_seen_total", "store", S), "seen {{store}}"),
        (rate("sales_channel_poller_events_published_total", "store", S), "published {{store}}"),
    ], unit="ops")
    g.panel("Checkpoint lag behind Amazon", [
        (f"max by (store) (sales_channel_poller_checkpoint_lag_seconds{{{S}}})", "{{store}}"),
    ], unit="s")
    g.panel("Poller dead letters", [
        ("sum by (reason) (increase(sales_channel_poller_dead_letters_total[$__range]))", "{{reason}}"),
    ], kind="stat", thresholds=[(None, "green"), (1, "red")])

    g.row("Order processor")
    g.panel("Events handled by type", [
        (rate("sales_channel_processor_events_total", "type"), "{{type}}"),
    ], unit="ops", stack=True)
    g.panel("Event handling duration", [
        (p95("sales_channel_processor_event_duration_seconds"), "p95"),
        ("histogram_quantile(0.5, sum by (le) (rate(sales_channel_processor_event_duration_seconds_bucket"
         "[$__rate_interval])))", "p50"),
    ], unit="s")
    g.panel("Imports and Magento order requests", [
        (rate("sales_channel_processor_imports_total", "store", S), "imported {{store}}"),
        (rate("sales_channel_processor_magento_requests_total", "store", S), "Magento requested {{store}}"),
    ], unit="ops")
    g.panel("Processor dead letters and agent crashes", [
        ("sum by (reason) (increase(sales_channel_processor_dead_letters_total[$__range]))",
         "dead letters {{reason}}"),
        ("sum(increase(sales_channel_processor_agent_crashes_total[$__range]))", "agent crashes"),
    ], kind="stat", thresholds=[(None, "green"), (1, "red")])

    g.row("Magento writer")
    g.panel("Magento calls by route and outcome", [
        (rate("sales_channel_writer_magento_calls_total", "route, outcome"), "{{route}} {{outcome}}"),
    ], unit="reqps", stack=True)
    g.panel("Magento call duration p95", [
        (p95("sales_channel_writer_magento_call_duration_seconds", "route"), "{{route}}"),
    ], unit="s")
    g.panel("Command duration p95 (received to result)", [
        (p95("sales_channel_writer_command_duration_seconds", "command"), "{{command}}"),
    ], unit="s")
    g.panel("Orders created and failures", [
        (rate("sales_channel_writer_orders_created_total", "store", S), "created {{store}}"),
        (rate("sales_channel_writer_failures_total", "store, reason", S), "failed {{store}}: {{reason}}"),
    ], unit="ops")
    g.panel("Retries by route", [
        (rate("sales_channel_writer_retries_total", "route"), "{{route}}"),
    ], unit="ops")
    g.panel("In-flight commands and unsynced reservations", [
        ("sum(sales_channel_writer_inflight_commands)", "in flight"),
        ("sum(increase(sales_channel_writer_reservations_not_synced_total[$__rate_interval]))",
         "reservations not synced"),
    ])

    g.row("Inventory reserver")
    g.panel("Reserved units, top SKUs", [
        (f"topk(10, sum by (store, sku) (sales_channel_reserver_reserved_units{{{S}}}))",
         "{{store}} {{sku}}"),
    ])
    g.panel("Reservations placed, released, expired, failed", [
        (rate("sales_channel_reserver_reservations_placed_total", "store", S), "placed {{store}}"),
        (rate("sales_channel_reserver_reservations_released_total", "store, reason", S),
         "released {{store}} ({{reason}})"),
        (rate("sales_channel_reserver_reservations_expired_total", "store", S), "expired {{store}}"),
        (rate("sales_channel_reserver_reservations_failed_total", "store", S), "failed {{store}}"),
    ], unit="ops")
    g.panel("Reserver input, dead letters and crashes", [
        (rate("sales_channel_reserver_events_total", "topic"), "events {{topic}}"),
        ("sum(increase(sales_channel_reserver_dead_letters_total[$__rate_interval]))", "dead letters"),
        ("sum by (component) (increase(sales_channel_reserver_crashes_total[$__rate_interval]))",
         "crashes {{component}}"),
    ])

    g.row("Orders tab")
    g.panel("Events applied by type", [
        (rate("sales_channel_orders_tab_events_applied_total", "type"), "{{type}}"),
    ], unit="ops", stack=True)
    g.panel("Projection lag", [
        ("max(sales_channel_orders_tab_projection_lag_seconds)", "projector"),
    ], unit="s")
    g.panel("HTTP requests by route and status", [
        (rate("sales_channel_orders_tab_http_requests_total", "route, status"), "{{route}} {{status}}"),
    ], unit="reqps")
    g.panel("HTTP request duration p95", [
        (p95("sales_channel_orders_tab_http_request_duration_seconds", "route"), "{{route}}"),
    ], unit="s")

    return {
        "uid": "sales-channel",
        "title": "Sales Channel",
        "description": "Amazon orders into Magento: pipeline health, per-service throughput and latency, "
                       "and the business view. Alerts: deploy/prometheus/rules/sales-channel.yml.",
        "tags": ["sales-channel"],
        "timezone": "utc",
        "editable": True,
        "graphTooltip": 1,
        "refresh": "30s",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-6h", "to": "now"},
        "templating": {"list": [
            {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
             "current": {"text": "Prometheus", "value": "prometheus"}, "hide": 0},
            {"name": "store", "label": "Store", "type": "query", "datasource": DS,
             "query": {"query": "label_values(sales_channel_poller_last_success_timestamp_seconds, store)",
                       "refId": "store"},
             "definition": "label_values(sales_channel_poller_last_success_timestamp_seconds, store)",
             "refresh": 2, "includeAll": True, "multi": True, "allValue": ".*",
             "current": {"text": "All", "value": "$__all"}, "sort": 1, "hide": 0},
        ]},
        "annotations": {"list": [
            {"name": "Alerts", "datasource": DS, "enable": True, "iconColor": "red",
             "expr": 'ALERTS{alertname=~"SalesChannel.*", alertstate="firing"}',
             "titleFormat": "{{alertname}}",
             "textFormat": "{{summary}}", "step": "60s"},
        ]},
        "panels": g.panels,
    }


def render() -> str:
    return json.dumps(build(), indent=2, sort_keys=False) + "\n"


def main() -> None:
    OUT.write_text(render())
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
