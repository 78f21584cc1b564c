"""Test harness: the real broker (Apache Kafka by default, see tests/conftest.py), real PostgreSQL,
services run as real processes, and a reader that collects events from a topic."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypedDict

from kafka import KafkaConsumer, TopicPartition

from schemas import DecodeError, Event, decode
from services.common.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# PostgreSQL to create test and benchmark databases in: the role scripts/postgres.sh creates (a fresh
# Debian cluster refuses password-less TCP logins), unless TEST_PG_ADMIN_URL says otherwise.
PG_ADMIN_URL = os.environ.get(
    "TEST_PG_ADMIN_URL", "postgresql+psycopg2://sales_channel_test:sales_channel_test@127.0.0.1:5432/postgres")
LOG_DIR = ROOT / ".test-logs"

# Consumer-group timing of tests and benchmarks: a killed worker's partitions move after 6 s
# (the broker's group.min.session.timeout.ms) instead of production's 10 s.
TEST_TIMINGS = {
    "KAFKA_SESSION_TIMEOUT_MS": "6000",
    "KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
    "KAFKA_MAX_POLL_INTERVAL_MS": "10000",
    "KAFKA_REBALANCE_TIMEOUT_MS": "10000",
}


class GroupTimings(TypedDict):
    kafka_session_timeout_ms: int
    kafka_heartbeat_interval_ms: int
    kafka_max_poll_interval_ms: int
    kafka_rebalance_timeout_ms: int


def group_timings() -> GroupTimings:
    """``TEST_TIMINGS`` as ``Settings`` fields: ``Settings(..., **group_timings())``."""
    return GroupTimings(**{k.lower(): int(v) for k, v in TEST_TIMINGS.items()})  # type: ignore[typeddict-item]


def settings_env(settings: Settings) -> dict[str, str]:
    """Environment variables that reproduce ``settings`` in a child process."""
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "BROKER_QUIRKS": settings.broker_quirks,
        "DATABASE_URL": settings.database_url,
        "ORDER_TOPIC_PARTITIONS": str(settings.order_topic_partitions),
        "KAFKA_SESSION_TIMEOUT_MS": str(settings.kafka_session_timeout_ms),
        "KAFKA_HEARTBEAT_INTERVAL_MS": str(settings.kafka_heartbeat_interval_ms),
        "KAFKA_MAX_POLL_INTERVAL_MS": str(settings.kafka_max_poll_interval_ms),
        "KAFKA_REBALANCE_TIMEOUT_MS": str(settings.kafka_rebalance_timeout_ms),
        "DATA_DIR": str(settings.data_dir),
        "FAUST_STORE": settings.faust_store,
        "WORKER_INDEX": str(settings.worker_index),
        "MAGENTO_BASE_URL": settings.magento_base_url,
        "LOG_LEVEL": settings.log_level,
    }
    if settings.secrets_file:
        env["SECRETS_FILE"] = str(settings.secrets_file)
    return env


PII_KEK_ENV = {"PII_KEK_REF": "file:pii-kek"}  # with pii_kek_secret() in the test's secrets file


def pii_kek_secret() -> dict[str, object]:
    """A fresh KEK ring for a test's secrets file, under the name PII_KEK_ENV refers to: the poller
    refuses to publish buyer PII unsealed, so every service a test runs seals as production does."""
    from services.pii.kek import new_kek_text

    return {"pii-kek": {"active": "1", "keys": {"1": new_kek_text()}}}


class ServiceProcess:
    """One ``sales-channel <command>`` running as a child process, its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.args = args
        self.env = env
        LOG_DIR.mkdir(exist_ok=True)
        self.log_path = LOG_DIR / f"{name}-{uuid.uuid4().hex[:6]}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ServiceProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli", *self.args],
            cwd=ROOT, env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: the crash case, nothing is flushed."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 20.0) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class TopicReader:
    """Reads a topic from the start, without a consumer group, decoding every event."""

    def __init__(self, settings: Settings, topic: str) -> None:
        self.topic = topic
        self.consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers,
                                      enable_auto_commit=False, auto_offset_reset="earliest")
        parts = self.consumer.partitions_for_topic(topic) or set()
        deadline = time.monotonic() + 10
        while not parts and time.monotonic() < deadline:
            time.sleep(0.2)
            parts = self.consumer.partitions_for_topic(topic) or set()
        self.consumer.assign([TopicPartition(topic, p) for p in sorted(parts)])
        self.events: list[Event] = []
        self.raw: list[Any] = []
        self.undecodable: list[Any] = []  # poison records some tests write on purpose

    def poll(self, timeout_ms: int = 300) -> list[Event]:
        new: list[Event] = []
        for records in self.consumer.poll(timeout_ms).values():
            for r in records:
                self.raw.append(r)
                try:
                    new.append(decode(r.value))
                except DecodeError:
                    self.undecodable.append(r)
        self.events.extend(new)
        return new

    def wait_for(self, predicate: Callable[[list[Event]], bool], timeout: float = 60.0,
                 what: str = "condition") -> list[Event]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.poll()
            if predicate(self.events):
                return self.events
        raise AssertionError(f"timed out after {timeout}s waiting for {what} on {self.topic}; "
                             f"saw {len(self.events)} events: {[e.event_type for e in self.events[-10:]]}")

    def close(self) -> None:
        self.consumer.close()


class FakeClock:
    """A clock a test moves by hand (``now``), to pass where code takes ``clock=time.monotonic``."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Predicate(Protocol):
    """What ``wait_until`` calls: no arguments. A Protocol rather than ``Callable[[], Any]``, which
    mypy cannot match a lambda binding loop variables as defaults (``lambda n=name: ...``) against."""

    def __call__(self) -> Any: ...


def wait_until(predicate: Predicate, timeout: float = 60.0, interval: float = 0.25,
               what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last value: {last!r})")


def shared_path(*parts: str) -> Path:
    """A file of the product's shared documents: ``../shared`` beside the repository (as CI lays
    it out), else ``/work/shared``."""
    for base in (ROOT.parent / "shared", Path("/work/shared")):
        candidate = base.joinpath(*parts)
        if candidate.exists():
            return candidate
    return (ROOT.parent / "shared").joinpath(*parts)
