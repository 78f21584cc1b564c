"""The metrics the services define: imported, named by the conventions, and the agreed catalogue."""

from __future__ import annotations

import re

from tests.deploy.catalogue import exported

# The names agreed with the service owners (docs/operations.md, "Metrics"), as exposed.
AGREED = {
    "sales_channel_poller_spapi_calls_total", "sales_channel_poller_spapi_call_duration_seconds_bucket",
    "sales_channel_poller_orders_seen_total", "sales_channel_poller_events_published_total",
    "sales_channel_poller_dead_letters_total", "sales_channel_poller_checkpoint_lag_seconds",
    "sales_channel_poller_last_success_timestamp_seconds", "sales_channel_poller_unknown_values_total",
    "sales_channel_processor_events_total", "sales_channel_processor_event_duration_seconds_bucket",
    "sales_channel_processor_orders_by_status", "sales_channel_processor_imports_total",
    "sales_channel_processor_magento_requests_total", "sales_channel_processor_dead_letters_total",
    "sales_channel_processor_agent_crashes_total",
    "sales_channel_writer_magento_calls_total", "sales_channel_writer_magento_call_duration_seconds_bucket",
    "sales_channel_writer_retries_total", "sales_channel_writer_orders_created_total",
    "sales_channel_writer_failures_total", "sales_channel_writer_inflight_commands",
    "sales_channel_writer_reservations_not_synced_total",
    "sales_channel_reserver_reserved_units", "sales_channel_reserver_reservations_placed_total",
    "sales_channel_reserver_reservations_released_total", "sales_channel_reserver_reservations_expired_total",
    "sales_channel_reserver_dead_letters_total",
    "sales_channel_orders_tab_events_applied_total", "sales_channel_orders_tab_projection_lag_seconds",
    "sales_channel_orders_tab_http_requests_total",
    "sales_channel_orders_tab_http_request_duration_seconds_bucket",
    "sales_channel_consumer_lag_messages", "sales_channel_service_up", "sales_channel_service_healthy",
    "sales_channel_orders_at_ship_risk",
}
UNITS = ("_seconds", "_messages", "_units", "_commands", "_bytes", "_ratio", "_info")


def test_every_metric_defined_in_code_is_registered_on_import() -> None:
    exp = exported()
    assert not exp.errors, f"metrics modules failed to import: {exp.errors}"
    missing = []
    for name, info in exp.declared.items():
        family = name.removesuffix("_total") if info["kind"] == "counter" else name
        if family not in exp.families:
            missing.append(f"{name} ({info['module']})")
    assert not missing, "defined in code but not registered at import time: " + ", ".join(missing)


def test_names_follow_the_conventions() -> None:
    exp = exported()
    bad = []
    for name, fam in exp.families.items():
        if not name.startswith("sales_channel_"):
            continue  # process_ and python_ collectors of prometheus-client
        if not re.fullmatch(r"sales_channel_[a-z0-9_]+", name):
            bad.append(f"{name}: not snake case")
        if fam["type"] == "histogram" and not name.endswith("_seconds"):
            bad.append(f"{name}: a histogram carries its unit")
        if fam["type"] == "gauge" and not (name.endswith(UNITS) or "_by_" in name or name.endswith(
                ("_up", "_healthy", "_risk"))):
            bad.append(f"{name}: a gauge carries its unit (or counts things: _by_<label>)")
        if "order_id" in fam["labels"] or "amazon_order_id" in fam["labels"]:  # type: ignore[operator]
            bad.append(f"{name}: an order id is never a label")
    assert not bad, "\n".join(bad)


def test_the_agreed_catalogue_is_exported() -> None:
    missing = sorted(AGREED - exported().sample_names)
    assert not missing, f"agreed metrics not exported: {missing}"
