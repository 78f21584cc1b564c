"""Thin kafka-python adapters: producer, consumer, end offsets, group membership."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaConfigurationError, KafkaError

from schemas import Event, encode
from services.common import broker_quirks
from services.common.kafka_security import client_options, refusal
from services.common.retry import (
    BROKER_CONNECT,
    GROUP_COORDINATOR,
    TOPIC_DESCRIBED,
    RetriesExhausted,
    poll_until,
    retry_call,
)
from services.common.settings import Settings

log = logging.getLogger(__name__)


class BrokerUnavailable(RuntimeError):
    pass


def _broker_missing(exc: BaseException) -> bool:
    """No broker answers (yet); a wrong option (``KafkaConfigurationError``) is raised at once."""
    return isinstance(exc, KafkaError) and not isinstance(exc, KafkaConfigurationError)


def _retry_connect(fn: Any, settings: Settings, timeout_s: float) -> Any:
    """``fn()`` under the ``BROKER_CONNECT`` retry policy, for at most ``timeout_s``; a broker
    that refuses this client over TLS is named with the reason (``kafka_security.refusal``)."""
    try:
        return retry_call(BROKER_CONNECT.within(timeout_s), fn, retry_on=_broker_missing)
    except RetriesExhausted as exc:
        bootstrap = settings.kafka_bootstrap_servers
        if reason := refusal(settings):
            raise BrokerUnavailable(f"the Kafka brokers at {bootstrap} refuse this client: {reason}") from exc.last
        raise BrokerUnavailable(
            f"no Kafka broker answers at {bootstrap}. Start one with `sales-channel broker` "
            f"or set KAFKA_BOOTSTRAP_SERVERS."
        ) from exc.last


def make_producer(settings: Settings, timeout_s: float = 30.0, **overrides: Any) -> KafkaProducer:
    opts: dict[str, Any] = dict(
        client_options(settings),
        acks="all",
        retries=10,
        linger_ms=5,
        max_in_flight_requests_per_connection=1,  # keeps one key's facts in order across retries
        allow_auto_create_topics=False,  # topics come from `topics create` with their settings, never by accident
        key_serializer=lambda k: k.encode() if isinstance(k, str) else k,
    )
    opts.update(overrides)
    return _retry_connect(lambda: KafkaProducer(**opts), settings, timeout_s)


def make_consumer(settings: Settings, group_id: str | None, topics: Iterable[str],
                  timeout_s: float = 30.0, **overrides: Any) -> KafkaConsumer:
    opts: dict[str, Any] = dict(
        client_options(settings),
        group_id=group_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        max_poll_interval_ms=settings.kafka_max_poll_interval_ms,
        allow_auto_create_topics=False,
    )
    opts.update(overrides)
    consumer = _retry_connect(lambda: KafkaConsumer(**opts), settings, timeout_s)
    topics = list(topics)
    if topics:
        subscribe(consumer, topics)
    return consumer


def subscribe(consumer: KafkaConsumer, topics: Iterable[str], listener: Any = None,
              timeout_s: float = 10.0) -> None:
    """Subscribe ``consumer`` once its metadata holds every topic's partitions. A group's assignment
    is made from the leader's metadata: a consumer that joins before its first metadata answer gets
    no partitions of the topics missing there ("No partition metadata for topic"), and kafka-python
    only makes up for it when a later metadata answer differs. Topics still unknown after
    ``timeout_s`` are named in a warning and subscribed all the same (they are assigned once created)."""
    topics = list(topics)
    missing = poll_until(TOPIC_DESCRIBED.within(timeout_s),
                         lambda: [t for t in topics if not consumer.partitions_for_topic(t)], done=lambda m: not m)
    if missing:
        log.warning("the broker describes no partitions for %s yet; create them with `sales-channel topics "
                    "create` (this consumer is assigned their partitions once they exist)", missing)
    if listener is None:
        consumer.subscribe(topics)
    else:
        consumer.subscribe(topics, listener=listener)


def poll(consumer: KafkaConsumer, timeout_ms: int, max_records: int | None = None) -> dict[Any, list[Any]]:
    """``consumer.poll``, where a retriable broker error is a poll that returned nothing. kafka-python
    raises out of ``poll()`` when, say, the group coordinator's node is down and its connection is
    refused (a broker restart, a partition leader killed); the next poll finds the new coordinator."""
    try:
        return consumer.poll(timeout_ms=timeout_ms, max_records=max_records)  # type: ignore[no-any-return]
    except KafkaError as exc:
        if not exc.retriable:
            raise
        now = time.monotonic()
        if now - _poll_warned[0] >= POLL_WARN_EVERY_S:  # a broker outage is said by BrokerWatch
            _poll_warned[0] = now
            log.warning("poll failed, polling again (said at most once a minute): %s: %s", type(exc).__name__, exc)
        time.sleep(min(timeout_ms, 500) / 1000)
        return {}


POLL_WARN_EVERY_S = 60.0
_poll_warned = [-POLL_WARN_EVERY_S]


def publish(producer: KafkaProducer, topic: str, event: Event) -> Any:
    """Send one event keyed by its key; returns the send future."""
    return producer.send(topic, key=event.key, value=encode(event))


def publish_sync(producer: KafkaProducer, topic: str, events: Iterable[Event],
                 timeout_s: float = 30.0) -> int:
    """Send events and wait until the broker has acknowledged every one."""
    futures = [publish(producer, topic, e) for e in events]
    producer.flush(timeout=timeout_s)
    for f in futures:
        f.get(timeout=timeout_s)
    return len(futures)


__all__ = ["BrokerUnavailable", "KafkaError", "make_consumer", "make_producer", "poll", "publish", "publish_sync",
           "subscribe"]


def group_member_count(admin: KafkaAdminClient, group_id: str, timeout_s: float = 30.0) -> int:
    """How many consumers are members of ``group_id`` now (0 for an empty or unknown group).
    A coordinator still loading (a fresh broker creating its offsets topic) is waited for."""
    from kafka.errors import CoordinatorLoadInProgressError, CoordinatorNotAvailableError

    def describe() -> Any:
        with broker_quirks.describe_groups_tolerantly():
            return admin.describe_groups([group_id])

    try:
        described = retry_call(GROUP_COORDINATOR.within(timeout_s), describe, retry_on=lambda e: isinstance(
            e, (CoordinatorNotAvailableError, CoordinatorLoadInProgressError)))
    except RetriesExhausted as exc:
        raise exc.last from None
    groups = described.values() if isinstance(described, dict) else described
    for group in groups:
        members = group.get("members") if isinstance(group, dict) else getattr(group, "members", None)
        if members:
            return len(members)
    return 0


def end_offsets(settings: Settings, partitions: Iterable[Any]) -> dict[Any, int]:
    """The end offset (high watermark) of each partition (confirmed by a read where the broker's
    answer is known to be short: ``broker_quirks.confirm_end_offsets``)."""
    reader = KafkaConsumer(**client_options(settings), group_id=None, enable_auto_commit=False,
                           auto_offset_reset="earliest", max_partition_fetch_bytes=1024 * 1024,
                           fetch_max_wait_ms=100)
    try:
        tps = list(partitions)
        return broker_quirks.confirm_end_offsets(reader, reader.end_offsets(tps))
    finally:
        reader.close()

