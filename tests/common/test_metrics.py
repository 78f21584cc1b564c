"""The /metrics + /healthz endpoint and liveness by progress."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from prometheus_client import REGISTRY, Counter

from services.common import metrics
from services.common.metrics import (
    Health,
    counter,
    gauge,
    histogram,
    serve,
    service_name,
    set_orders_at_ship_risk,
)
from services.devbroker import free_port
from tests.harness import FakeClock


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def endpoint() -> Iterator[tuple[str, Health]]:
    health = Health()
    port = free_port()
    server = serve(port, host="127.0.0.1", health=health, service="unit_probe")
    assert server is not None
    try:
        yield f"http://127.0.0.1:{port}", health
    finally:
        server.shutdown()
        server.server_close()


def test_component_that_stops_beating_turns_healthz_503(endpoint: tuple[str, Health]) -> None:
    base, health = endpoint
    health.beat("consumer", max_silence_s=0.3)
    status, body = get(base + "/healthz")
    assert status == 200 and json.loads(body) == {"healthy": True, "service": "unit_probe", "problems": {}}
    time.sleep(0.5)  # the consumer loop is stuck: no beat
    status, body = get(base + "/healthz")
    doc = json.loads(body)
    assert status == 503 and doc["healthy"] is False
    assert "no progress" in doc["problems"]["consumer"]
    _, text = get(base + "/metrics")
    assert 'sales_channel_service_healthy{service="unit_probe"} 0.0' in text
    health.beat("consumer", max_silence_s=0.3)  # progress again
    assert get(base + "/healthz")[0] == 200
    _, text = get(base + "/metrics")
    assert 'sales_channel_service_healthy{service="unit_probe"} 1.0' in text


def test_fail_turns_healthz_503_until_recovered(endpoint: tuple[str, Health]) -> None:
    base, health = endpoint
    health.beat("agent:orders", max_silence_s=60)
    health.fail("agent:orders", "agent crashed: KeyError('x')")
    status, body = get(base + "/healthz")
    assert status == 503
    assert json.loads(body)["problems"] == {"agent:orders": "failed: agent crashed: KeyError('x')"}
    health.recover("agent:orders")
    assert get(base + "/healthz")[0] == 200


def test_metrics_serves_the_registry(endpoint: tuple[str, Health]) -> None:
    base, _ = endpoint
    probe = counter("unit_probe_events_total", "Probe counter for the endpoint test.", ("store",))
    probe.labels("us-main").inc(3)
    status, text = get(base + "/metrics")
    assert status == 200
    assert 'sales_channel_unit_probe_events_total{store="us-main"} 3.0' in text
    assert 'sales_channel_service_up{service="unit_probe"} 1.0' in text
    assert "# TYPE sales_channel_consumer_lag_messages gauge" in text
    assert get(base + "/nope")[0] == 404


def test_serve_port_zero_disables_the_endpoint() -> None:
    assert serve(0) is None


def test_expected_component_that_never_beats_is_unhealthy() -> None:
    clock = FakeClock()
    health = Health(clock=clock)
    health.expect("poll-loop", max_silence_s=30)
    assert health.status() == (True, {})
    clock.now += 31
    ok, problems = health.status()
    assert not ok and problems == {"poll-loop": "no progress for 31s (limit 30s)"}
    health.forget("poll-loop")
    assert health.status() == (True, {})


def test_guard_marks_the_component_failed_and_reraises() -> None:
    health = Health(clock=FakeClock())
    with pytest.raises(RuntimeError), health.guard("agent:reservations"):
        raise RuntimeError("table corrupted")
    ok, problems = health.status()
    assert not ok and problems["agent:reservations"] == "failed: RuntimeError: table corrupted"
    assert health.components() == {"agent:reservations"}


def test_defining_a_metric_twice_returns_the_same_one_and_conflicts_fail() -> None:
    first = gauge("unit_probe_depth_messages", "Probe gauge.", ("topic",))
    assert gauge("unit_probe_depth_messages", "Probe gauge.", ("topic",)) is first
    with pytest.raises(ValueError, match="already defined"):
        counter("unit_probe_depth_messages", "Probe.", ("topic",))
    with pytest.raises(ValueError, match="already defined"):
        gauge("unit_probe_depth_messages", "Probe.", ("store",))
    h = histogram("unit_probe_duration_seconds", "Probe histogram.")
    assert "sales_channel_unit_probe_duration_seconds" in metrics.defined_metrics()
    probe = counter("unit_probe_hits_total", "Probe counter.")
    assert isinstance(metrics.defined_metrics()["sales_channel_unit_probe_hits_total"], Counter)
    assert counter("unit_probe_hits_total", "Probe counter.") is probe
    h.observe(0.2)
    assert h._sum.get() == pytest.approx(0.2)  # type: ignore[attr-defined]


def test_service_name_comes_from_the_subcommand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SERVICE_NAME", raising=False)
    assert service_name(argv=["sales-channel", "order-processor"]) == "order_processor"
    assert service_name(argv=["/usr/bin/python", "-m", "services.cli", "magento-writer"]) == "magento_writer"
    assert service_name("explicit", argv=["x", "poller"]) == "explicit"
    monkeypatch.setenv("SERVICE_NAME", "poller-1")
    assert service_name(argv=["x", "poller"]) == "poller-1"


def test_orders_at_ship_risk_counts_each_window() -> None:
    now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    dates = [now - timedelta(hours=1), now + timedelta(hours=1), now + timedelta(hours=3, minutes=59),
             now + timedelta(hours=5), now + timedelta(hours=30)]
    counts = set_orders_at_ship_risk("unit-store", dates, now)
    assert counts == {"overdue": 1, "4h": 2, "24h": 3}
    for window, n in counts.items():
        assert REGISTRY.get_sample_value("sales_channel_orders_at_ship_risk",
                                         {"store": "unit-store", "window": window}) == n
    assert set_orders_at_ship_risk("unit-store", [], now) == {"overdue": 0, "4h": 0, "24h": 0}
    assert REGISTRY.get_sample_value("sales_channel_orders_at_ship_risk",
                                     {"store": "unit-store", "window": "overdue"}) == 0
