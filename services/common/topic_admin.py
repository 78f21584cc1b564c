"""Topic provisioning: create the catalogue's topics with their partition count, replication factor,
cleanup and retention, and verify (and re-apply) them on topics that already exist.

The rules (what a topic must have, what differs) are pure functions; ``ensure_topics`` is the thin
admin-client adapter around them. ``sales-channel topics create`` and every service's start-up use it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.errors import TopicAlreadyExistsError

from schemas.topics import TopicSpec, catalogue
from services.common import broker_quirks
from services.common.kafka import _retry_connect
from services.common.kafka_security import client_options
from services.common.retry import TOPIC_DESCRIBED, poll_until
from services.common.settings import Settings

MAX_REPLICATION = 3


class TopicMismatch(RuntimeError):
    """An existing topic differs from the catalogue in a way only an operator can change."""


def replication_for(settings: Settings, brokers: int) -> int:
    """The replication factor of every topic: ``TOPIC_REPLICATION_FACTOR``, else 3 where the cluster
    has 3 brokers or more, else one per broker."""
    if settings.topic_replication_factor:
        if settings.topic_replication_factor > brokers:
            raise TopicMismatch(f"TOPIC_REPLICATION_FACTOR={settings.topic_replication_factor} but the cluster has "
                                f"{brokers} broker(s); lower it or add brokers")
        return settings.topic_replication_factor
    return min(MAX_REPLICATION, max(brokers, 1))


def desired_configs(spec: TopicSpec, replication: int) -> dict[str, str]:
    """The topic-level configs ``spec`` needs on a cluster replicating ``replication`` times: an
    acknowledged write (acks=all) is on two replicas before it counts where there are three."""
    return {**spec.topic_configs(), "min.insync.replicas": "2" if replication >= 3 else "1"}


def config_drift(wanted: Mapping[str, str], actual: Mapping[str, str | None]) -> dict[str, tuple[str, str | None]]:
    """Each config whose value on the broker differs from ``wanted``: ``{name: (want, have)}``."""
    return {k: (v, actual.get(k)) for k, v in wanted.items() if actual.get(k) != v}


def partition_problem(spec: TopicSpec, have: int, order_partitions: int) -> str | None:
    """Why an existing topic's partition count is wrong, naming the setting that applies, or None."""
    if have == spec.partitions:
        return None
    if spec.key == "order":
        return (f"topic {spec.name} has {have} partitions but ORDER_TOPIC_PARTITIONS={order_partitions}: "
                f"every order topic must have the same count. Set ORDER_TOPIC_PARTITIONS={have} if the "
                f"topics were made with it, or recreate the topics (losing their data).")
    return (f"topic {spec.name} has {have} partitions; the catalogue fixes {spec.partitions} for it (its "
            f"events must stay in one order). Something else created it: delete and recreate it, e.g. with "
            f"auto.create.topics.enable=false on the brokers.")


@dataclass
class TopicCreation:
    created: list[str]
    existing: list[str]
    replication: int = 1
    reconfigured: dict[str, dict[str, tuple[str, str | None]]] = field(default_factory=dict)


def _admin(settings: Settings, timeout_s: float) -> KafkaAdminClient:
    return _retry_connect(lambda: KafkaAdminClient(**client_options(settings)), settings, timeout_s)


def cluster_replication(settings: Settings, timeout_s: float = 30.0) -> int:
    """``replication_for`` the cluster at ``KAFKA_BOOTSTRAP_SERVERS`` (Faust's changelog topics use it too)."""
    admin = _admin(settings, timeout_s)
    try:
        return replication_for(settings, len(admin.describe_cluster().get("brokers") or []))
    finally:
        admin.close()


def _topic_configs(admin: KafkaAdminClient, names: list[str], keys: Iterable[str]) -> dict[str, dict[str, str | None]]:
    wanted = {k: None for k in keys}
    described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n, dict(wanted)) for n in names],
                                       config_filter="all")
    by_topic: Mapping[str, Any] = described.get("topic", {}) if isinstance(described, dict) else {}
    return {n: {k: (v or {}).get("value") for k, v in (by_topic.get(n) or {}).items()} for n in names}


def _described_configs(admin: KafkaAdminClient, names: list[str], keys: Iterable[str],
                       timeout_s: float = 10.0, sleep: Callable[[float], None] = time.sleep
                       ) -> dict[str, dict[str, str | None]]:
    """Configs of ``names``, waiting for topics that another client created a moment ago and the
    broker does not describe yet (an empty answer is "not known yet", never "no configs")."""
    keys = list(keys)

    def described(configs: dict[str, dict[str, str | None]]) -> bool:
        return all(configs.get(n) for n in names)

    actual = poll_until(TOPIC_DESCRIBED.within(timeout_s), lambda: _topic_configs(admin, names, keys),
                        done=described, sleep=sleep)
    unknown = [n for n in names if not actual.get(n)]
    if unknown:
        raise TopicMismatch(f"the broker describes no configs for {unknown}; is it still creating them?")
    return actual


def ensure_topics(settings: Settings, specs: Iterable[TopicSpec] | None = None,
                  timeout_s: float = 30.0) -> TopicCreation:
    """Create every catalogue topic that is missing, with its replication factor and configs, and
    verify existing ones: a wrong partition count or replication factor is an error naming what to
    do; drifted cleanup/retention/min.insync.replicas are set back (and said so). Safe to repeat."""
    specs = list(specs if specs is not None else catalogue(settings.order_topic_partitions))
    admin = _admin(settings, timeout_s)
    try:
        replication = replication_for(settings, len(admin.describe_cluster().get("brokers") or []))
        existing = set(admin.list_topics())
        created, already = [], []
        for s in specs:
            if s.name in existing:
                already.append(s.name)
                continue
            try:
                admin.create_topics([NewTopic(s.name, s.partitions, replication,
                                              topic_configs=desired_configs(s, replication))])
                created.append(s.name)
            except TopicAlreadyExistsError:
                already.append(s.name)
        result = TopicCreation(created, already, replication)
        by_name = {s.name: s for s in specs}
        if already:
            problems = []
            for d in admin.describe_topics(already):
                name = d.get("name") or d.get("topic")
                partitions = d.get("partitions") or []
                if partitions and (problem := partition_problem(by_name[name], len(partitions),
                                                                settings.order_topic_partitions)):
                    problems.append(problem)
                replicas = min((len(p.get("replica_nodes") or p.get("replicas") or []) for p in partitions),
                               default=replication)
                if replicas and replicas < replication:
                    problems.append(f"topic {name} has {replicas} replica(s), {replication} wanted: raise it with "
                                    f"kafka-reassign-partitions (or set TOPIC_REPLICATION_FACTOR={replicas})")
            if problems:
                raise TopicMismatch("; ".join(problems))
        if already and broker_quirks.enforces_topic_configs():
            # Topics just created carry their configs; a describe right after creation may not see
            # them yet. Existing ones are verified and set back where they drifted.
            names = list(already)
            actual = _described_configs(admin, names, desired_configs(specs[0], replication))
            for s in (by_name[n] for n in names):
                drift = config_drift(desired_configs(s, replication), actual.get(s.name, {}))
                if drift:
                    admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, s.name,
                                                        {k: want for k, (want, _) in drift.items()})],
                                        incremental=True)
                    result.reconfigured[s.name] = drift
            if result.reconfigured:
                after = _topic_configs(admin, list(result.reconfigured), desired_configs(specs[0], replication))
                still = {n: d for n in result.reconfigured
                         if (d := config_drift(desired_configs(by_name[n], replication), after.get(n, {})))}
                if still:
                    raise TopicMismatch(f"topic configs could not be applied: {still}")
        return result
    finally:
        admin.close()
