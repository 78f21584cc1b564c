"""Prometheus metrics of the Orders tab (served by the shared metrics endpoint, not the web app)."""

from __future__ import annotations

from services.common.metrics import counter, gauge, histogram

EVENTS_APPLIED = counter("orders_tab_events_applied_total", "Events applied to the Orders-tab tables", ("type",))
PROJECTION_LAG = gauge(
    "orders_tab_projection_lag_seconds", "Age of the newest event applied by the Orders-tab projector"
)
HTTP_REQUESTS = counter("orders_tab_http_requests_total", "Orders-tab HTTP requests", ("route", "status"))
HTTP_DURATION = histogram("orders_tab_http_request_duration_seconds", "Orders-tab HTTP request duration", ("route",))
