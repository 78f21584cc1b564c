"""Prometheus metrics conventions and the per-service ``/metrics`` + ``/healthz`` endpoint.

Conventions: every name starts with ``sales_channel_``, carries its unit, counters end in
``_total``; labels are bounded (store is a label, an order id never is)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, make_wsgi_app

NAMESPACE = "sales_channel"

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


def counter(name: str, doc: str, labels: tuple[str, ...] = ()) -> Counter:
    return Counter(name, doc, labels, namespace=NAMESPACE)


def gauge(name: str, doc: str, labels: tuple[str, ...] = ()) -> Gauge:
    return Gauge(name, doc, labels, namespace=NAMESPACE)


def histogram(name: str, doc: str, labels: tuple[str, ...] = (),
              buckets: tuple[float, ...] = LATENCY_BUCKETS) -> Histogram:
    return Histogram(name, doc, labels, namespace=NAMESPACE, buckets=buckets)


class Health:
    """Liveness by progress: a service is unhealthy when a registered loop has not reported
    progress within its allowed staleness, or has been marked failed."""

    def __init__(self) -> None:
        self._beats: dict[str, tuple[float, float]] = {}
        self._failed: dict[str, str] = {}
        self._lock = threading.Lock()

    def beat(self, component: str, max_silence_s: float = 60.0) -> None:
        with self._lock:
            self._beats[component] = (time.monotonic(), max_silence_s)

    def fail(self, component: str, reason: str) -> None:
        with self._lock:
            self._failed[component] = reason

    def status(self) -> tuple[bool, dict[str, str]]:
        now = time.monotonic()
        problems: dict[str, str] = {}
        with self._lock:
            problems.update(self._failed)
            for comp, (at, limit) in self._beats.items():
                if now - at > limit:
                    problems[comp] = f"no progress for {now - at:.0f}s (limit {limit:.0f}s)"
        return (not problems, problems)


HEALTH = Health()


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: object) -> None:
        return None


def _app(health: Health) -> Callable:  # type: ignore[type-arg]
    metrics_app = make_wsgi_app(REGISTRY)

    def app(environ, start_response):  # type: ignore[no-untyped-def]
        if environ.get("PATH_INFO") in ("/healthz", "/health"):
            ok, problems = health.status()
            body = json.dumps({"healthy": ok, "problems": problems}).encode()
            start_response("200 OK" if ok else "503 Service Unavailable",
                           [("Content-Type", "application/json")])
            return [body]
        return metrics_app(environ, start_response)

    return app


def serve(port: int, host: str = "0.0.0.0", health: Health = HEALTH) -> WSGIServer | None:
    """Serve ``/metrics`` and ``/healthz`` on a daemon thread. Port 0 disables it."""
    if not port:
        return None
    server = make_server(host, port, _app(health), handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
