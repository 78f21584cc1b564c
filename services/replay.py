"""``sales-channel replay``: rebuild derived state from the topics.

For a Faust service (order processor, inventory reserver): refuse while its consumer group
has live members; delete the group's committed offsets, so it starts again from the earliest
retained offsets; delete the app's table
changelog topics and local table files, so tables start empty; run the worker until it has
consumed everything that was in the topics when the replay started (progress bar with time
left), then stop it. The events it re-emits carry the same deterministic ids as before, so
downstream consumers recognise them as duplicates and no side effect is repeated.

For the Orders tab: empty its tables and re-apply every event from the earliest offsets.

``since`` (``--since <ISO time>``, Orders tab only): keep the tables and re-apply every record
from the offset each source partition had at that time (``offsets_for_times``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from schemas import topics
from services.common import broker_quirks
from services.common.kafka import end_offsets, group_member_count
from services.common.kafka_security import client_options
from services.common.logging import get_logger
from services.common.retry import GROUP_EMPTY, REPLAY_PROGRESS, poll_until
from services.common.settings import Settings

log = get_logger(__name__)
console = Console(stderr=True)


class ReplayRefused(RuntimeError):
    """A live consumer of the same group is running: stop it first."""


@dataclass(frozen=True)
class FaustTarget:
    service: str
    command: str
    app_id: Callable[[], str]
    source_topics: Callable[[], tuple[str, ...]]
    datadir: str


def _processor_id() -> str:
    from services.order_processor.app import APP_ID

    return APP_ID


def _processor_sources() -> tuple[str, ...]:
    from services.order_processor.processor import INPUT_TOPICS

    return tuple(INPUT_TOPICS)


def _reserver_id() -> str:
    from services.inventory_reserver.app import app_id

    return app_id()


FAUST_TARGETS = {
    "order_processor": FaustTarget("order_processor", "order-processor", _processor_id, _processor_sources,
                                   "order-processor"),
    "inventory_reserver": FaustTarget("inventory_reserver", "inventory-reserver", _reserver_id,
                                      lambda: (topics.AMAZON_ORDERS, topics.MAGENTO_RESULTS), "inventory-reserver"),
}
SERVICES = ("order_processor", "inventory_reserver", "orders_tab")


def _partitions(consumer: KafkaConsumer, names: tuple[str, ...]) -> list[TopicPartition]:
    return [TopicPartition(t, p) for t in names for p in sorted(consumer.partitions_for_topic(t) or ())]


def _ensure_idle(admin: KafkaAdminClient, group: str, service: str, grace_s: float = 0.0,
                 sleep: Callable[[float], None] = time.sleep) -> None:
    """Refuse while the group has members; a just-stopped consumer may stay a member until its
    session times out, so wait up to ``grace_s`` for it to leave."""
    members = poll_until(GROUP_EMPTY.within(grace_s), lambda: group_member_count(admin, group),
                         done=lambda count: not count, sleep=sleep)
    if members:
        raise ReplayRefused(f"{members} live consumer(s) of group {group!r} are running. Stop every "
                            f"{service.replace('_', '-')} process, then run the replay again.")


def _grace(settings: Settings) -> float:
    return settings.kafka_session_timeout_ms / 1000 + 5


def forget_offsets(settings: Settings, group: str, names: tuple[str, ...]) -> dict[TopicPartition, int]:
    """Delete ``group`` (its committed offsets), so its next worker starts from the earliest
    retained offsets (``auto_offset_reset=earliest``); return the source partitions' end offsets.
    The broker refuses to delete a group with live members: a second guard."""
    consumer = KafkaConsumer(**client_options(settings), enable_auto_commit=False)
    admin = KafkaAdminClient(**client_options(settings))
    try:
        tps = _partitions(consumer, names)
        ends = end_offsets(settings, tps)
        answer = admin.delete_groups([group]).get(group)
        if answer not in ("OK", None) and "NotFound" not in str(answer) and "GroupIdNotFound" not in str(answer):
            raise ReplayRefused(f"could not reset group {group!r}: {answer}. Is a consumer still running?")
        return ends
    finally:
        consumer.close()
        admin.close()


def delete_changelogs(settings: Settings, app_id: str) -> list[str]:
    admin = KafkaAdminClient(**client_options(settings))
    try:
        doomed = [t for t in admin.list_topics() if t.startswith(f"{app_id}-") and t.endswith("-changelog")]
        if doomed:
            admin.delete_topics(doomed)
        return doomed
    finally:
        admin.close()


def _committed(settings: Settings, group: str, tps: list[TopicPartition]) -> int:
    admin = KafkaAdminClient(**client_options(settings))
    try:
        offsets = admin.list_group_offsets(group).get(group, {})
    finally:
        admin.close()
    return sum(max(offsets[tp].offset, 0) for tp in tps if tp in offsets)


def _check_idle(settings: Settings, group: str, service: str, force: bool) -> None:
    if force and not broker_quirks.stale_members_linger():
        raise ReplayRefused("--force is only for a broker that keeps departed consumers in their group "
                            "(BROKER_QUIRKS says so); Apache Kafka removes them, so stop every consumer and "
                            "run the replay again without it.")
    if force:
        log.warning("replay_forced", group=group, note="live-consumer check skipped on the operator's word")
        return
    admin = KafkaAdminClient(**client_options(settings))
    try:
        _ensure_idle(admin, group, service, _grace(settings))
    finally:
        admin.close()


def replay_faust(settings: Settings, target: FaustTarget, timeout_s: float = 3600.0, force: bool = False) -> int:
    group = target.app_id()
    _check_idle(settings, group, target.service, force)
    ends = forget_offsets(settings, group, target.source_topics())
    dropped = delete_changelogs(settings, group)
    shutil.rmtree(settings.data_dir / target.datadir, ignore_errors=True)
    log.info("replay_started", service=target.service, changelogs_deleted=dropped, events=sum(ends.values()))
    tps = [tp for tp, end in ends.items() if end > 0]
    total = sum(ends[tp] for tp in tps)
    worker = subprocess.Popen([sys.executable, "-m", "services.cli", target.command], env=dict(os.environ),
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        with Progress(TextColumn(f"replaying {target.service}"), BarColumn(), MofNCompleteColumn(),
                      TextColumn("events"), TimeRemainingColumn(), console=console) as progress:
            task = progress.add_task(target.service, total=total)

            def committed() -> int:
                done = _committed(settings, group, tps)
                progress.update(task, completed=min(done, total))
                if done < total and worker.poll() is not None:
                    err = worker.stderr.read().decode(errors="replace")[-2000:] if worker.stderr else ""
                    raise RuntimeError(f"{target.command} exited with {worker.returncode} during replay:\n{err}")
                return done

            if poll_until(REPLAY_PROGRESS.within(timeout_s), committed, done=lambda done: done >= total) < total:
                raise TimeoutError(f"replay of {target.service} did not finish within {timeout_s}s")
    finally:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()
    log.info("replay_finished", service=target.service, events=total)
    return total


def replay(settings: Settings, service: str, force: bool = False, since: datetime | None = None) -> None:
    """``force`` skips the live-consumer check, only on a broker that keeps departed members in a
    group (``broker_quirks.stale_members_linger``, note #8), once every consumer is stopped. ``since``
    (timezone-aware) re-applies the Orders tab from that time instead of rebuilding it."""
    chosen = SERVICES if service == "all" else (service,)
    unknown = [s for s in chosen if s not in SERVICES]
    if unknown:
        raise ValueError(f"unknown service {unknown[0]!r}; choose one of {', '.join(SERVICES)} or all")
    if since is not None:
        if chosen != ("orders_tab",):
            raise ValueError("--since is supported for --service orders_tab only; a Faust service replays from "
                             "the earliest offsets")
        if since.tzinfo is None:
            raise ValueError(f"--since {since.isoformat()} has no time zone; add one, e.g. Z or +02:00")
    for name in chosen:
        if name in FAUST_TARGETS:
            replay_faust(settings, FAUST_TARGETS[name], force=force)
        else:
            from services.orders_tab.projector import GROUP_ID
            from services.orders_tab.rebuild import reapply_since, rebuild

            _check_idle(settings, GROUP_ID, "projector", force)
            if since is None:
                rebuild(settings)
            else:
                reapply_since(settings, since)


def run(settings: Settings, service: str, force: bool = False, since: datetime | None = None) -> None:
    try:
        replay(settings, service, force, since)
    except (ReplayRefused, ValueError) as exc:
        console.print(f"[red]replay refused:[/red] {exc}")
        raise SystemExit(2) from exc
    console.print("[green]replay finished[/green]")
