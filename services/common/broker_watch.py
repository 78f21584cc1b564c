"""The broker as a dependency that can vanish: every long-running service watches whether any
bootstrap broker accepts a connection, reports it in ``/healthz`` (503 while none does) and in
``sales_channel_broker_up``, and says so once per change of state plus a summary every
minute while it lasts, instead of one client error line per retry.

The Kafka clients reconnect by themselves; this only makes the outage visible and quiet. The
decision of what to log is a pure function (``BrokerState.observe``), tested without a broker."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from services.common.metrics import HEALTH, Health, gauge

log = logging.getLogger("sales_channel.broker")

REACHABLE = gauge("broker_up", "1 while a Kafka bootstrap broker accepts connections, else 0.")
COMPONENT = "broker"
SUMMARY_EVERY_S = 60.0


def any_reachable(bootstrap_servers: str, timeout_s: float = 2.0) -> bool:
    for server in (s.strip() for s in bootstrap_servers.split(",") if s.strip()):
        host, _, port = server.rpartition(":")
        try:
            with socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout_s):
                return True
        except (OSError, ValueError):
            continue
    return False


@dataclass
class BrokerState:
    """What to say about the broker, given what each check saw (``None``: say nothing)."""

    bootstrap: str
    up: bool = True
    down_since: float | None = None
    last_summary: float = 0.0
    failed_checks: int = 0
    said: list[str] = field(default_factory=list)

    def observe(self, reachable: bool, now: float) -> str | None:
        if reachable and not self.up:
            lasted = now - (self.down_since or now)
            self.up, self.down_since, self.failed_checks = True, None, 0
            return f"Kafka broker reachable again at {self.bootstrap} after {lasted:.0f} s; resuming"
        if reachable:
            return None
        self.failed_checks += 1
        if self.up:
            self.up, self.down_since, self.last_summary = False, now, now
            return (f"no Kafka broker answers at {self.bootstrap}; the service waits and resumes by itself "
                    f"when it returns (check the brokers, or KAFKA_BOOTSTRAP_SERVERS)")
        if now - self.last_summary >= SUMMARY_EVERY_S:
            self.last_summary = now
            return (f"Kafka broker at {self.bootstrap} still unreachable for {now - (self.down_since or now):.0f} s "
                    f"({self.failed_checks} failed checks)")
        return None


class BrokerWatch:
    def __init__(self, bootstrap: str, health: Health = HEALTH, interval_s: float = 5.0,
                 probe: Callable[[str], bool] = any_reachable, clock: Callable[[], float] = time.monotonic) -> None:
        self.state = BrokerState(bootstrap)
        self.health = health
        self.interval_s = interval_s
        self.probe = probe
        self.clock = clock
        self._stop = threading.Event()

    def check(self) -> bool:
        reachable = self.probe(self.state.bootstrap)
        message = self.state.observe(reachable, self.clock())
        REACHABLE.set(1 if reachable else 0)
        if reachable:
            self.health.recover(COMPONENT)
        else:
            self.health.fail(COMPONENT, f"no Kafka broker answers at {self.state.bootstrap}")
        if message:
            (log.info if reachable else log.error)(message)
        return reachable

    def run(self) -> None:
        while not self._stop.is_set():
            self.check()
            self._stop.wait(self.interval_s)

    def start(self) -> BrokerWatch:
        threading.Thread(target=self.run, name="broker-watch", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
