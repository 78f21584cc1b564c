"""Prometheus metrics conventions and the per-service ``/metrics`` + ``/healthz`` endpoint.

Conventions (docs/operations.md, "Metrics", has the catalogue):

- Define metrics with :func:`counter`, :func:`gauge` and :func:`histogram`, once, at import time of
  the service's metrics module. Each name gets the ``sales_channel_`` prefix and carries its
  service (``poller_``, ``processor_``, ``writer_``, ``reserver_``, ``orders_tab_``) and its unit
  (``_seconds``, ``_bytes``, ``_messages``, ``_units``); counters end in ``_total`` (prometheus-client
  adds it to the exposed name), timestamps end in ``_timestamp_seconds``.
- Labels are bounded: ``store``, ``operation``, ``outcome``, ``route``, ``reason``, ``status``,
  ``type``. An order id, a SKU outside the reserver's per-store gauge, a URL or an error message
  never is a label (put those in the logs).
- Bind label children once at start-up when the label values are known (``.labels()`` per event
  costs three times a pre-bound ``.inc()``), and pre-create the children you alert on with
  ``.labels(...)`` so a first failure is a 0 -> 1 step that ``increase()`` sees.
- Liveness is progress, not "the process answers": every loop beats :data:`HEALTH` after each
  iteration (also when it had nothing to do); a loop that stops beating, or a component marked
  failed, turns ``/healthz`` to 503 and ``sales_channel_service_healthy`` to 0.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, make_wsgi_app
from prometheus_client.registry import CollectorRegistry

NAMESPACE = "sales_channel"

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)

_M = TypeVar("_M", Counter, Gauge, Histogram)
_DEFINED: dict[str, Counter | Gauge | Histogram] = {}
_DEFINE_LOCK = threading.Lock()


def _define(kind: type[_M], name: str, labels: tuple[str, ...], make: Callable[[], _M]) -> _M:
    """Create a metric once; defining the same name again with the same kind and labels returns
    the first one (a module imported twice, e.g. as ``__main__`` and by name, must not crash),
    anything else is a programming error."""
    full = f"{NAMESPACE}_{name}"
    with _DEFINE_LOCK:
        existing = _DEFINED.get(full)
        if existing is not None:
            if type(existing) is not kind or tuple(existing._labelnames) != tuple(labels):
                raise ValueError(f"metric {full} is already defined as {type(existing).__name__}"
                                 f"{tuple(existing._labelnames)}, not {kind.__name__}{tuple(labels)}")
            return existing  # type: ignore[return-value]
        metric = make()
        _DEFINED[full] = metric
        return metric


def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
    return _define(Counter, name, labels, lambda: Counter(name, doc, labels, namespace=NAMESPACE))


def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
    return _define(Gauge, name, labels, lambda: Gauge(name, doc, labels, namespace=NAMESPACE))


def histogram(name: str, doc: str, labels: tuple[str, ...] = (),
              buckets: tuple[float, ...] = LATENCY_BUCKETS) -> Histogram:
    return _define(Histogram, name, labels,
                   lambda: Histogram(name, doc, labels, namespace=NAMESPACE, buckets=buckets))


def defined_metrics() -> dict[str, Counter | Gauge | Histogram]:
    """Every metric defined through this module so far, by full name (without ``_total``)."""
    with _DEFINE_LOCK:
        return dict(_DEFINED)


# --- metrics every service exports ----------------------------------------------------------

CONSUMER_LAG = gauge(
    "consumer_lag_messages",
    "Messages in the partition after the group's committed offset (end offset - committed offset), "
    "as seen by the process consuming that partition.",
    ("service", "topic", "partition"))
SERVICE_UP = gauge("service_up", "1 while the service process runs and serves /metrics.", ("service",))
SERVICE_HEALTHY = gauge(
    "service_healthy", "1 when every loop of the service made progress in time and none failed (/healthz).",
    ("service",))
ORDERS_AT_SHIP_RISK = gauge(
    "orders_at_ship_risk",
    "Merchant-fulfilled orders still Unshipped or Partially Shipped whose Latest Ship Date has passed "
    "(window=overdue) or falls within the next 4 or 24 hours (window=4h, 24h; cumulative, overdue "
    "orders excluded). Set by the order processor or the Orders-tab projection.",
    ("store", "window"))
SHIP_RISK_WINDOWS = {"overdue": 0.0, "4h": 4 * 3600.0, "24h": 24 * 3600.0}


def ship_risk_counts(latest_ship_dates: Iterable[datetime], now: datetime) -> dict[str, int]:
    """Counts per ``window`` of :data:`ORDERS_AT_SHIP_RISK` for the Latest Ship Dates of one store's
    orders that are still Unshipped or Partially Shipped (merchant-fulfilled)."""
    counts = dict.fromkeys(SHIP_RISK_WINDOWS, 0)
    for lsd in latest_ship_dates:
        left = (lsd - now).total_seconds()
        if left < 0:
            counts["overdue"] += 1
            continue
        for window, seconds in SHIP_RISK_WINDOWS.items():
            if window != "overdue" and left < seconds:
                counts[window] += 1
    return counts


def set_orders_at_ship_risk(store: str, latest_ship_dates: Iterable[datetime],
                            now: datetime) -> dict[str, int]:
    """Set every window of ``sales_channel_orders_at_ship_risk`` for ``store`` (0 included)."""
    counts = ship_risk_counts(latest_ship_dates, now)
    for window, n in counts.items():
        ORDERS_AT_SHIP_RISK.labels(store, window).set(n)
    return counts


SERVICE_COMMANDS = {
    "poller": "poller",
    "order-processor": "order_processor",
    "magento-writer": "magento_writer",
    "inventory-reserver": "inventory_reserver",
    "projector": "projector",
    "web": "web",
    "key-service": "key_service",
    "fulfillment-reader": "fulfillment_reader",
    "shipment-confirmer": "shipment_confirmer",
}


def service_name(explicit: str | None = None, argv: list[str] | None = None) -> str:
    """The ``service`` label: explicit, else SERVICE_NAME, else the ``sales-channel`` subcommand."""
    if explicit:
        return explicit
    if os.environ.get("SERVICE_NAME"):
        return os.environ["SERVICE_NAME"]
    for arg in (argv if argv is not None else sys.argv)[1:]:
        if arg in SERVICE_COMMANDS:
            return SERVICE_COMMANDS[arg]
    return "sales_channel"


# --- health ---------------------------------------------------------------------------------


class Health:
    """Liveness by progress: a service is unhealthy when a registered loop has not reported
    progress within its allowed staleness, or has been marked failed.

    ``expect`` registers a loop before its first beat (so a loop that never starts is caught),
    ``beat`` reports progress, ``fail`` marks a component failed until ``recover``; ``guard`` is a
    context manager that marks the component failed when its block raises."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._beats: dict[str, tuple[float, float]] = {}
        self._failed: dict[str, str] = {}
        self._lock = threading.Lock()

    def expect(self, component: str, max_silence_s: float = 60.0) -> None:
        """Start watching ``component``: it must beat within ``max_silence_s`` from now."""
        with self._lock:
            self._beats[component] = (self._clock(), max_silence_s)

    def beat(self, component: str, max_silence_s: float = 60.0) -> None:
        with self._lock:
            self._beats[component] = (self._clock(), max_silence_s)

    def fail(self, component: str, reason: str) -> None:
        with self._lock:
            self._failed[component] = reason

    def recover(self, component: str) -> None:
        with self._lock:
            self._failed.pop(component, None)

    def forget(self, component: str) -> None:
        """Stop watching a component that ended on purpose (e.g. a partition revoked)."""
        with self._lock:
            self._beats.pop(component, None)
            self._failed.pop(component, None)

    @contextmanager
    def guard(self, component: str) -> Iterator[None]:
        try:
            yield
        except BaseException as exc:
            self.fail(component, f"{type(exc).__name__}: {exc}"[:500])
            raise

    def silent_for(self, component: str) -> float | None:
        """Seconds since ``component`` last beat (``None``: not watched)."""
        with self._lock:
            beat = self._beats.get(component)
        return None if beat is None else self._clock() - beat[0]

    def components(self) -> set[str]:
        with self._lock:
            return set(self._beats) | set(self._failed)

    def status(self) -> tuple[bool, dict[str, str]]:
        now = self._clock()
        problems: dict[str, str] = {}
        with self._lock:
            for comp, (at, limit) in self._beats.items():
                if now - at > limit:
                    problems[comp] = f"no progress for {now - at:.0f}s (limit {limit:.0f}s)"
            for comp, reason in self._failed.items():
                problems[comp] = f"failed: {reason}"
        return (not problems, problems)


HEALTH = Health()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        return None


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _app(health: Health, service: str | None = None,
         registry: CollectorRegistry = REGISTRY) -> WSGIApp:
    metrics_app = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO") or "/"
        if path in ("/healthz", "/health"):
            ok, problems = health.status()
            if service:
                SERVICE_HEALTHY.labels(service).set(1 if ok else 0)
            body = json.dumps({"healthy": ok, "service": service, "problems": problems}).encode()
            start_response("200 OK" if ok else "503 Service Unavailable",
                           [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if path in ("/metrics", "/"):
            if service:
                SERVICE_HEALTHY.labels(service).set(1 if health.status()[0] else 0)
            return metrics_app(environ, start_response)  # type: ignore[no-any-return]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: try /metrics or /healthz\n"]

    return app


def serve(port: int, host: str = "0.0.0.0", health: Health = HEALTH,
          service: str | None = None) -> WSGIServer | None:
    """Serve ``/metrics`` and ``/healthz`` on a daemon thread. Port 0 disables it.

    ``service`` labels ``sales_channel_service_up`` and ``sales_channel_service_healthy``
    (default: SERVICE_NAME, else the ``sales-channel`` subcommand running)."""
    if not port:
        return None
    name = service_name(service)
    server = make_server(host, port, _app(health, name), handler_class=_QuietHandler)
    SERVICE_UP.labels(name).set(1)
    SERVICE_HEALTHY.labels(name).set(1 if health.status()[0] else 0)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
