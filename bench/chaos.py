"""Chaos run (issue 16, item 4): the whole pipeline under random SIGKILLs, Magento and SP-API faults
(and, with --broker-kills, broker-node kills on a three-node Kafka cluster) must end where a run
without them ends.

    .venv/bin/python bench/chaos.py --stores 3 --orders 150 --kills 8 --faults            # CI's short run
    .venv/bin/python bench/chaos.py --stores 5 --orders 10000 --kills 50 --faults --broker-kills 5

Every service runs as its own process (tests/e2e/pipeline.py), the SP-API and Magento stand-ins in
this process. The workload (tests/e2e/chaos_workload.py) runs twice with the same seed, each time on
a fresh broker and a fresh PostgreSQL database (TEST_PG_ADMIN_URL): first without chaos (the
baseline), then with it. A poison record per store is written to the poller's topic in both runs.
Then each run is checked against the sandboxes' truth and the chaos run against the baseline; a
table shows every check, and the exit status is 1 on any difference (2 if a run could not finish).

Event ids: a record whose id another record of the same topic already has, with other content, is
always a difference (two facts under one id). The Magento writer's results are no exception: it
keeps each command's first answer and sends exactly that again when it handles the command a second
time. The same fact sent again (same id, same content but the poller's observed_at and sealed
ciphertexts) is what at-least-once delivery does after a SIGKILL between sending and committing
(SPEC §7; the processor's, reserver's and writer's READMEs): counted and shown, a difference only
with --strict-event-ids (issue 16 asks for none at all; the services do not promise that).

Chaos: every 10–30 s (divided by --pace) a random service is SIGKILLed and restarted 2–5 s later;
with --faults, every 1–3 s one Magento fault on a command route (commit then drop, 500, 503, 429,
lock wait; at most three armed at once) and now and then an SP-API fault (429, 500, 503; no 429 in
the poller's first 20 s after a restart, see POLLER_LEARNS_RATE_S); with
--broker-kills N, N times a random broker node is SIGKILLed (every 2–4 min, divided by --pace)
and restarted 6 s later."""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kafka import KafkaConsumer, KafkaProducer, TopicPartition  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from sandbox.magento.faults import ORDER_CANCEL, ORDER_CREATE, ORDER_INVOICE, ORDER_SHIP, RESERVATIONS  # noqa: E402
from schemas import DecodeError, decode  # noqa: E402
from schemas.events.deadletter import DeadLetterV1  # noqa: E402
from schemas.topics import AMAZON_ORDERS, catalogue  # noqa: E402
from services.common.settings import Settings  # noqa: E402
from services.devbroker import RunningBroker, start_broker  # noqa: E402
from services.pii.sealed import PREFIX as SEALED_PREFIX  # noqa: E402
from tests.e2e.chaos_workload import ChaosWorkload, Outcome  # noqa: E402
from tests.e2e.pipeline import SERVICE_COMMANDS, Pipeline, pipeline  # noqa: E402
from tests.harness import LOG_DIR, PG_ADMIN_URL, group_timings, wait_until  # noqa: E402

PARTITIONS = 4
POISON = b"\x00chaos: not an event"
MAGENTO_FAULTS: tuple[tuple[str, int], ...] = (  # (kind, status) as the stand-in takes them
    ("commit_then_drop", 500), ("status", 500), ("status", 503), ("status", 429), ("lock_wait", 500))
MAGENTO_ROUTES = (ORDER_CREATE, ORDER_CANCEL, ORDER_INVOICE, ORDER_SHIP, RESERVATIONS)
# A 429 drains the poller's searchOrders bucket. A poller that has not had a successful answer since
# it started knows only Amazon's published rate (one searchOrders per 3 minutes, the rate it must
# then keep), not the stand-in's 1000x rate, which comes with successful answers only: no 429 then.
POLLER_LEARNS_RATE_S = 20.0
PROGRESS_EVERY_S = 30.0
SPAPI_FAULTS = (("searchOrders", 429), ("searchOrders", 500), ("searchOrders", 503), ("getOrder", 503))


@dataclass(frozen=True)
class Config:
    stores: int = 3
    orders: int = 150
    kills: int = 8
    faults: bool = False
    broker_kills: int = 0
    pace: float = 1.0
    seed: int = 16
    in_flight: int = 60
    timeout_s: float = 900.0
    broker: str = "kafka"
    strict_event_ids: bool = False  # a re-sent record (same id, same bytes) counts as a difference


@dataclass
class TopicScan:
    records: int = 0
    duplicate_ids: int = 0  # the same event id again, the same fact (see differing): a re-send
    conflicting_ids: int = 0  # the same event id with different content: two facts under one id
    per_topic: dict[str, int] = field(default_factory=dict)  # topic -> duplicate ids
    conflicts: list[str] = field(default_factory=list)  # what differs, per conflicting id
    dead_letters: int = 0  # distinct dead letters
    dead_letters_not_poison: list[str] = field(default_factory=list)


@dataclass
class RunReport:
    chaos: bool
    outcome: Outcome
    topics: TopicScan
    seconds: float
    kills: list[str] = field(default_factory=list)
    broker_kills: list[str] = field(default_factory=list)
    faults: Counter[str] = field(default_factory=Counter)  # armed
    faults_met: int = 0  # Magento calls answered with a fault
    unexpected_exits: list[str] = field(default_factory=list)
    logs: list[str] = field(default_factory=list)


# --- infrastructure ---------------------------------------------------------------------------

@contextmanager
def fresh_database() -> Iterator[str]:
    from services.common.db import get_engine, upgrade

    name = f"sc_chaos_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def fresh_broker(config: Config) -> Iterator[RunningBroker]:
    nodes = 3 if config.broker_kills else 1
    broker = start_broker(config.broker, nodes=nodes,  # type: ignore[arg-type]
                          data_dir=LOG_DIR / f"chaos-{config.broker}-{uuid.uuid4().hex[:6]}")
    try:
        yield broker
    finally:
        broker.stop()


def run_settings(bootstrap: str, database_url: str, data_dir: Path, broker: str) -> Settings:
    return Settings(
        kafka_bootstrap_servers=bootstrap, broker_quirks="tansu" if broker == "tansu" else "none",
        database_url=database_url, order_topic_partitions=PARTITIONS,
        **group_timings(),
        data_dir=data_dir, log_format="console",
    )


# --- chaos ------------------------------------------------------------------------------------

class Monkey:
    """Background threads: service kills, broker-node kills and injected faults, seeded."""

    def __init__(self, p: Pipeline, broker: RunningBroker, config: Config, report: RunReport) -> None:
        self.p, self.broker, self.config, self.report = p, broker, config, report
        # One generator per thread, so a seed gives the same kills and the same faults every time.
        self.rng_kills, self.rng_broker, self.rng_faults = (random.Random(config.seed + i) for i in range(3))
        self.lock = threading.Lock()  # held while a service is down on purpose
        self.down: set[str] = set()
        self.poller_started = time.monotonic()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._kills, name="chaos-kills", daemon=True)]
        if config.broker_kills:
            self.threads.append(threading.Thread(target=self._broker_kills, name="chaos-broker", daemon=True))
        if config.faults:
            self.threads.append(threading.Thread(target=self._faults, name="chaos-faults", daemon=True))

    def __enter__(self) -> Monkey:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(60)
        self.p.magento.clear_faults()
        self.p.amazon.faults.clear()

    def kills_done(self) -> bool:
        return (len(self.report.kills) >= self.config.kills
                and len(self.report.broker_kills) >= self.config.broker_kills)

    def _pause(self, rng: random.Random, low: float, high: float) -> bool:
        """Wait ``low``–``high`` seconds (divided by the pace); False once told to stop."""
        return not self.stop.wait(rng.uniform(low, high) / self.config.pace)

    def _kills(self) -> None:
        rng = self.rng_kills
        while len(self.report.kills) < self.config.kills and self._pause(rng, 10, 30):
            name = rng.choice(SERVICE_COMMANDS)
            proc = self.p.processes[name]
            with self.lock:
                self.down.add(name)
            proc.kill()
            self.report.kills.append(f"{time.strftime('%H:%M:%S')} {name}")
            self.stop.wait(rng.uniform(2, 5) / self.config.pace)
            proc.start()
            if name == "poller":
                self.poller_started = time.monotonic()
            with self.lock:
                self.down.discard(name)

    def _broker_kills(self) -> None:
        rng = self.rng_broker
        while len(self.report.broker_kills) < self.config.broker_kills and self._pause(rng, 120, 240):
            node = rng.choice(self.broker.nodes)
            node.kill()  # type: ignore[attr-defined]
            self.report.broker_kills.append(f"{time.strftime('%H:%M:%S')} node {node.node_id}")
            self.stop.wait(6)
            node.start()  # type: ignore[attr-defined]

    def _faults(self) -> None:
        rng = self.rng_faults
        while not self.stop.wait(rng.uniform(1, 3)):
            if len(self.p.magento.faults.faults) < 3:  # a few armed at a time: they hit calls in flight
                kind, status = rng.choice(MAGENTO_FAULTS)
                route = rng.choice(MAGENTO_ROUTES)
                self.p.magento.inject_fault(route, kind, times=1, status=status)  # type: ignore[arg-type]
                self.report.faults[f"magento {kind}{'' if kind != 'status' else f' {status}'}"] += 1
            if rng.random() < 0.15 and not self.p.amazon.faults.pending():
                operation, code = rng.choice(SPAPI_FAULTS)
                if code == 429 and time.monotonic() - self.poller_started < POLLER_LEARNS_RATE_S:
                    continue
                self.p.amazon.inject_fault(operation, status=code, count=rng.randint(1, 2))
                self.report.faults[f"sp-api {operation} {code}"] += 1

    def supervise(self) -> None:
        """A service that exited on its own is recorded and restarted (as a supervisor would)."""
        with self.lock:
            for name, proc in self.p.processes.items():
                if name not in self.down and not proc.alive():
                    code = proc.proc.returncode if proc.proc else None
                    self.report.unexpected_exits.append(f"{name} exit {code} ({proc.log_path})")
                    proc.start()


# --- one run ----------------------------------------------------------------------------------

def inject_poison(settings: Settings, stores: list[str]) -> None:
    """One undecodable record per store on the poller's topic: each consumer must dead-letter it."""
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all")
    try:
        for store in stores:
            producer.send(AMAZON_ORDERS, key=f"{store}:POISON".encode(), value=POISON).get(timeout=30)
    finally:
        producer.close()


def scan_topics(settings: Settings) -> TopicScan:
    """Every catalogue topic read to its end: event ids seen more than once, and dead letters."""
    scan = TopicScan()
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False,
                             auto_offset_reset="earliest")
    try:
        for spec in catalogue(settings.order_topic_partitions):
            tps = [TopicPartition(spec.name, p) for p in sorted(consumer.partitions_for_topic(spec.name) or ())]
            if not tps:
                continue
            consumer.assign(tps)
            consumer.seek_to_beginning(*tps)
            ends = consumer.end_offsets(tps)
            seen: dict[str, bytes] = {}
            dups = 0
            while any(consumer.position(tp) < ends[tp] for tp in tps):
                for records in consumer.poll(500).values():
                    for r in records:
                        scan.records += 1
                        try:
                            event = decode(r.value)
                        except DecodeError:
                            continue  # the injected poison
                        before = seen.get(event.event_id)
                        if before is None:
                            seen[event.event_id] = r.value
                            if isinstance(event, DeadLetterV1):
                                scan.dead_letters += 1
                                if event.data.raw_value != _b64(POISON):
                                    scan.dead_letters_not_poison.append(
                                        f"{spec.name}: {event.data.reason} at {event.data.source_topic}"
                                        f"[{event.data.source_partition}]@{event.data.source_offset}")
                            continue
                        dups += 1
                        first = decode(before)
                        paths = differing(first, event)
                        if not paths:
                            scan.duplicate_ids += 1
                            continue
                        scan.conflicting_ids += 1
                        scan.conflicts.append(f"{spec.name} {event.event_id} ({event.event_type}): "
                                              f"{_values(first, paths)} then {_values(event, paths)}")
            if dups:
                scan.per_topic[spec.name] = dups
    finally:
        consumer.close()
    return scan


def differing(a: Any, b: Any) -> list[str]:
    """The paths at which two records of one event id say different things. Not a difference: when
    the poller observed the fact (``data.observed_at``: a restarted poller re-reads the same order
    state and re-sends its fact, SPEC §7), and two sealed values (buyer PII under a fresh nonce: the
    ciphertexts always differ, and this run holds no key to open them)."""
    def walk(x: Any, y: Any, path: str) -> Iterator[str]:
        if isinstance(x, dict) and isinstance(y, dict):
            for k in sorted(set(x) | set(y)):
                yield from walk(x.get(k), y.get(k), f"{path}.{k}" if path else str(k))
        elif isinstance(x, list) and isinstance(y, list) and len(x) == len(y):
            for i, (u, v) in enumerate(zip(x, y, strict=True)):
                yield from walk(u, v, f"{path}[{i}]")
        elif x != y and path != "data.observed_at" and not (_sealed(x) and _sealed(y)):
            yield path

    return list(walk(a.model_dump(mode="json"), b.model_dump(mode="json"), ""))


def _values(event: Any, paths: list[str]) -> str:
    """``path=value`` of an event's first few differing paths (dotted ones; list items as ``[i]``)."""
    dump = event.model_dump(mode="json")
    shown = []
    for path in paths[:4]:
        node: Any = dump
        for part in path.replace("[", ".[").split("."):
            if isinstance(node, list) and part.startswith("["):
                node = node[int(part[1:-1])]
            elif isinstance(node, dict):
                node = node.get(part)
        shown.append(f"{path}={node!r}")
    return "{" + ", ".join(shown) + "}"


def _sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(SEALED_PREFIX)


def _b64(raw: bytes) -> str:
    from services.common.deadletters import b64

    return str(b64(raw))


def with_progress(check: Callable[[], None], console: Console, label: str, work: ChaosWorkload,
                  report: RunReport, started: float) -> Callable[[], None]:
    """``check`` after each round of the workload, and a progress line every ``PROGRESS_EVERY_S``
    (the long run takes an hour)."""
    said = [started]

    def between() -> None:
        check()
        if time.monotonic() - said[0] >= PROGRESS_EVERY_S:
            said[0] = time.monotonic()
            done = sum(o.done for o in work.planned)
            console.print(f"{label}: {done:,} of {work.orders:,} orders at their last step after "
                          f"{said[0] - started:.0f} s, {len(report.kills)} service kills, "
                          f"{len(report.broker_kills)} broker-node kills", highlight=False)

    return between


def settle(work: ChaosWorkload, timeout: float = 90.0) -> Outcome:
    """The outcome once the stand-ins agree with the tab (releases and Magento calls applied)."""
    def agreed() -> Outcome | None:
        out = work.outcome()
        quiet = not out.tab_magento_state_mismatches() and not out.holds_not_due() and not out.holds_missing()
        return out if quiet else None

    try:
        wait_until(agreed, timeout=timeout, interval=1.0, what="the stand-ins and the tab to agree")
    except AssertionError:
        pass  # the checks will show what disagrees
    time.sleep(3)  # anything applied twice shows now
    return work.outcome()


def run_once(config: Config, chaos: bool, console: Console) -> RunReport:
    label = "chaos" if chaos else "baseline"
    os.environ["BROKER_QUIRKS"] = "tansu" if config.broker == "tansu" else "none"  # this process's clients
    console.print(f"[bold]{label}[/]: starting a fresh broker and database", highlight=False)
    with fresh_broker(config) as broker, fresh_database() as db_url, \
            tempfile.TemporaryDirectory(prefix=f"chaos-{label}-") as tmp:
        from services.common.topic_admin import ensure_topics

        settings = run_settings(broker.bootstrap, db_url, Path(tmp) / "data", config.broker)
        ensure_topics(settings)
        now = datetime.now(UTC).replace(microsecond=0)
        with pipeline(settings, Path(tmp), amazon_now=now) as p:
            # A commit-then-drop fault aborts the stand-in's answer on purpose; uvicorn (configured as
            # the stand-ins start) would log each as a traceback.
            logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)
            work = ChaosWorkload(p, now, config.stores, config.orders, config.seed, in_flight=config.in_flight)
            work.setup()
            p.magento.set_latency(5)
            p.start()
            inject_poison(settings, work.store_ids)
            started = time.monotonic()
            console.print(f"{label}: services started, workload under way", highlight=False)
            report = RunReport(chaos, Outcome(), TopicScan(), 0.0)

            if chaos:
                monkey = Monkey(p, broker, config, report)
                with monkey:
                    work.run(config.timeout_s,
                             between=with_progress(monkey.supervise, console, label, work, report, started))
                    console.print(f"chaos: workload done after {time.monotonic() - started:.0f} s, "
                                  f"{len(report.kills)} kills", highlight=False)
                    while not monkey.kills_done() and time.monotonic() - started < config.timeout_s:
                        time.sleep(1)
                        monkey.supervise()
                    monkey.stop.set()
                monkey.supervise()
            else:
                work.run(config.timeout_s, between=with_progress(p.check_alive, console, label, work, report, started))
            report.outcome = settle(work)
            report.seconds = time.monotonic() - started
            console.print(f"{label}: settled after {report.seconds:.0f} s; reading every topic", highlight=False)
            report.topics = scan_topics(settings)
            report.logs = [str(proc.log_path) for proc in p.processes.values()]
            report.faults_met = sum(1 for call in p.magento.calls() if call.get("fault"))
            report.unexpected_exits += [f"{n} exit {proc.proc.returncode if proc.proc else None}"
                                        for n, proc in p.processes.items() if not proc.alive()]
    return report


# --- checks -----------------------------------------------------------------------------------

@dataclass
class Check:
    name: str
    baseline: Any
    chaos: Any
    expected: Any = None  # None: the chaos run must equal the baseline; else both must equal it
    info: bool = False  # shown, never a difference

    @property
    def ok(self) -> bool:
        if self.info:
            return True
        if self.expected is None:
            return bool(self.chaos == self.baseline)
        return bool(self.baseline == self.expected and self.chaos == self.expected)


def checks(config: Config, base: RunReport, chaos: RunReport) -> list[Check]:
    b, c = base.outcome, chaos.outcome
    return [
        Check("orders without a tab row", b.missing_rows(), c.missing_rows(), 0),
        Check("Amazon orders with 2+ Magento orders", b.duplicate_magento_orders(), c.duplicate_magento_orders(), 0),
        Check("due Magento orders missing", b.missing_magento_orders(), c.missing_magento_orders(), 0),
        Check("Magento orders not due", b.unexpected_magento_orders(), c.unexpected_magento_orders(), 0),
        Check("tab magento_state ≠ Magento", len(b.tab_magento_state_mismatches()),
              len(c.tab_magento_state_mismatches()), 0),
        Check("held reservations not due", b.holds_not_due(), c.holds_not_due(), 0),
        Check("due reservations not held", b.holds_missing(), c.holds_missing(), 0),
        Check("rows ≠ baseline (status, Last Action, log, reserved, …)", 0, len(c.differences(b)), 0),
        Check("statuses", _counts(b.statuses()), _counts(c.statuses())),
        Check("reserved units (Magento)", b.reserved_units(), c.reserved_units()),
        Check("salable per SKU (Magento)", _counts(b.salable), _counts(c.salable)),
        Check("dead letters (poison: 2 consumers × stores)", base.topics.dead_letters, chaos.topics.dead_letters),
        Check("dead letters not from poison", len(base.topics.dead_letters_not_poison),
              len(chaos.topics.dead_letters_not_poison), 0),
        # At-least-once (SPEC §7, the services' READMEs): a service killed after sending and before
        # committing sends the same facts again, same ids and bytes; consumers drop them by id.
        Check("re-sent event ids (same id, same fact)", base.topics.duplicate_ids, chaos.topics.duplicate_ids, 0,
              info=not config.strict_event_ids),
        Check("conflicting event ids (one id, two contents)", base.topics.conflicting_ids,
              chaos.topics.conflicting_ids, 0),
        Check("services that exited by themselves", len(base.unexpected_exits), len(chaos.unexpected_exits), 0),
    ]


def _counts(values: Any) -> str:
    return ", ".join(f"{k} {v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in sorted(dict(values).items()))


def render(config: Config, base: RunReport, chaos: RunReport, results: list[Check], console: Console) -> None:
    table = Table(title=f"Chaos run: {config.stores} stores, {config.orders} orders, seed {config.seed}")
    table.add_column("check")
    table.add_column("baseline", justify="right")
    table.add_column("chaos", justify="right")
    table.add_column("", justify="center")
    for check in results:
        verdict = "info" if check.info else "[green]ok[/]" if check.ok else "[red]DIFF[/]"
        table.add_row(check.name, str(check.baseline), str(check.chaos), verdict)
    console.print(table)
    console.print(f"baseline {base.seconds:.0f} s; chaos {chaos.seconds:.0f} s, {len(chaos.kills)} service kills "
                  f"({_counts(Counter(k.split()[1] for k in chaos.kills))}), {len(chaos.broker_kills)} broker-node "
                  f"kills, faults armed: {_counts(chaos.faults) or 'none'}; Magento calls that met one: "
                  f"{chaos.faults_met}",
                  highlight=False)
    for check in results:
        if check.ok and not (check.info and check.chaos):
            continue
        details: list[str] = []
        if check.name.startswith("rows"):
            details = chaos.outcome.differences(base.outcome)
        elif check.name.startswith("tab magento_state"):
            details = chaos.outcome.tab_magento_state_mismatches() or base.outcome.tab_magento_state_mismatches()
        elif check.name.startswith("dead letters not"):
            details = chaos.topics.dead_letters_not_poison or base.topics.dead_letters_not_poison
        elif check.name.startswith("re-sent"):
            details = [f"{t}: {n} (all repeated ids)" for t, n in {**base.topics.per_topic,
                                                                   **chaos.topics.per_topic}.items()]
        elif check.name.startswith("conflicting"):
            details = base.topics.conflicts + chaos.topics.conflicts
        elif check.name.startswith("services"):
            details = base.unexpected_exits + chaos.unexpected_exits
        for line in details[:15]:
            console.print(f"  {check.name}: {line}", highlight=False, markup=False)
    console.print(f"service logs: {', '.join(chaos.logs)}", highlight=False)


@dataclass
class Verdict:
    code: int  # 0: no difference; 1: differences; 2: a run did not finish
    results: list[Check] = field(default_factory=list)
    baseline: RunReport | None = None
    chaos: RunReport | None = None


def compare(config: Config, console: Console) -> Verdict:
    """Baseline, then chaos, then the checks; prints the table."""
    LOG_DIR.mkdir(exist_ok=True)
    try:
        base = run_once(config, chaos=False, console=console)
        chaos = run_once(config, chaos=True, console=console)
    except (TimeoutError, AssertionError) as exc:
        console.print(f"[red]a run did not finish:[/] {exc}", highlight=False)
        return Verdict(2)
    results = checks(config, base, chaos)
    render(config, base, chaos, results, console)
    return Verdict(0 if all(c.ok for c in results) else 1, results, base, chaos)


def parse(argv: list[str]) -> Config:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=3)
    parser.add_argument("--orders", type=int, default=150)
    parser.add_argument("--kills", type=int, default=8, help="service SIGKILLs in the chaos run")
    parser.add_argument("--faults", action="store_true", help="Magento and SP-API faults in the chaos run")
    parser.add_argument("--broker-kills", type=int, default=0,
                        help="broker-node SIGKILLs (runs both runs on a three-node Kafka cluster)")
    parser.add_argument("--pace", type=float, default=1.0, help="divide every chaos interval by this (CI: 2-3)")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--in-flight", type=int, default=60, help="orders under way at once")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds each run may take")
    parser.add_argument("--broker", choices=("kafka", "tansu"), default="kafka")
    parser.add_argument("--strict-event-ids", action="store_true",
                        help="count a re-sent record (same event id, same bytes) as a difference")
    a = parser.parse_args(argv)
    if a.broker_kills and a.broker != "kafka":
        parser.error("--broker-kills needs --broker kafka (a three-node cluster)")
    return Config(a.stores, a.orders, a.kills, a.faults, a.broker_kills, a.pace, a.seed, a.in_flight, a.timeout,
                  a.broker, a.strict_event_ids)


if __name__ == "__main__":
    sys.exit(compare(parse(sys.argv[1:]), Console(width=120)).code)
