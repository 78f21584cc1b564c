"""The reserver as a real process on the real broker: placement, release, duplicates, restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from kafka import KafkaAdminClient, KafkaProducer, TopicPartition

from schemas import Event, encode
from schemas import topics as catalogue
from schemas.events.reservations import ReservationPlacedV1, ReservationReleasedV1
from schemas.types import AmazonStatus
from services.common.kafka import make_producer, publish_sync
from services.common.settings import Settings
from services.inventory_reserver.app import CRASH_EXIT_CODE
from services.inventory_reserver.partitions import partition_for
from tests.harness import LOG_DIR, ROOT, ServiceProcess, TopicReader, settings_env, wait_until
from tests.inventory_reserver.factories import T0, item, magento_created, order_changed, store

pytestmark = pytest.mark.integration


def _reservations(reader: TopicReader, key_prefix: str) -> list[Event]:
    return [e for e in reader.events if e.key.startswith(key_prefix)]


def _wait_committed(settings: Settings, service: ServiceProcess, timeout: float = 30.0) -> None:
    """Until the reserver's group has committed everything on its input topics."""
    from services.common.kafka import end_offsets
    from services.inventory_reserver.app import app_id

    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    tps = [TopicPartition(t, p) for t in (catalogue.AMAZON_ORDERS, catalogue.MAGENTO_RESULTS)
           for p in range(settings.order_topic_partitions)]
    try:
        ends = end_offsets(settings, tps)

        def committed_all() -> bool:
            assert service.alive(), service.log()[-3000:]
            offsets = admin.list_group_offsets(app_id()).get(app_id(), {})
            return all(end == 0 or (tp in offsets and offsets[tp].offset >= end) for tp, end in ends.items())

        wait_until(committed_all, timeout=timeout, what="the reserver to commit its inputs")
    finally:
        admin.close()


def _publish(producer: KafkaProducer, topic: str, events: list[Event]) -> None:
    """One record per batch: Tansu 0.6.0 may hang a fetch positioned inside the last batch
    (docs/tansu-notes.md #4), which a restart resuming mid-batch would hit."""
    for event in events:
        publish_sync(producer, topic, [event])


def _wait(reader: TopicReader, service: ServiceProcess, prefix: str, count: int, what: str) -> None:
    def enough(_: list[Event]) -> bool:
        assert service.alive(), f"reserver exited: {service.log()[-3000:]}"
        return len(_reservations(reader, prefix)) >= count

    reader.wait_for(enough, timeout=60, what=what)


@pytest.mark.parametrize("table_store", ["memory://", "rocksdb://"])
def test_reserver_process_places_releases_and_survives_restart(topics: Settings, table_store: str) -> None:
    """On both table stores: RocksDB (production) asks the current stream event for a write's
    partition, and the sweeper's expiry writes from a timer, outside any event."""
    producer = make_producer(topics)
    reader = TopicReader(topics, catalogue.RESERVATIONS)
    # DEBUG: the log shows every judged event (key, offset, phases), should this test fail.
    env = {**settings_env(topics), "RESERVER_SWEEP_INTERVAL_SECONDS": "1", "LOG_LEVEL": "DEBUG",
           "FAUST_STORE": table_store}
    service = ServiceProcess("reserver", ["inventory-reserver"], env).start()
    try:
        run = uuid.uuid4().hex[:6]
        sid, exp = f"it-res-{run}", f"it-exp-{run}"
        _publish(producer, catalogue.STORES, [store(sid, reserve_pending=True),
                                              store(exp, reservation_expiry_days=1)])
        # Expires a day after T0, long past: the sweeper (a Faust timer) releases it.
        _publish(producer, catalogue.AMAZON_ORDERS, [order_changed(AmazonStatus.PENDING, T0, store_id=exp)])
        canceled = order_changed(AmazonStatus.PENDING, T0, order_id="A-1", store_id=sid,
                                 items=(item("SKU-1", 3), item("SKU-2", 1, item_id="x")))
        created = order_changed(AmazonStatus.PENDING, T0, order_id="A-2", store_id=sid)
        _publish(producer, catalogue.AMAZON_ORDERS, [canceled, created, canceled])  # one duplicate
        _wait(reader, service, sid, 2, "two placements")

        cancel = order_changed(AmazonStatus.CANCELED, T0 + timedelta(hours=1), order_id="A-1", store_id=sid)
        _publish(producer, catalogue.AMAZON_ORDERS, [cancel, cancel])
        _wait(reader, service, sid, 3, "the cancel release")

        # SIGKILL once every input so far is committed, then start again: the table recovers from
        # its changelog and nothing is re-emitted. (A kill between an output's acknowledgement and
        # the commit re-emits the same fact with the same event id, by design: the processor's
        # SIGKILL test covers that window.)
        _wait_committed(topics, service)
        service.kill()
        service.start()
        _publish(producer, catalogue.AMAZON_ORDERS, [canceled, cancel])  # duplicates after restart
        unshipped = order_changed(AmazonStatus.UNSHIPPED, T0 + timedelta(hours=2), order_id="A-2",
                                  store_id=sid)
        _publish(producer, catalogue.AMAZON_ORDERS, [unshipped])
        _publish(producer, catalogue.MAGENTO_RESULTS,
                 [magento_created(T0 + timedelta(hours=3), order_id="A-2", store_id=sid)] * 2)
        _wait(reader, service, sid, 4, "the magento_order_created release")
        _wait(reader, service, exp, 2, "the expiry release")
        time.sleep(3)  # anything extra (a duplicate) would show up now
        reader.poll(1000)
        events = _reservations(reader, sid)
        expiring = _reservations(reader, exp)
        assert service.alive(), service.log()[-3000:]
    finally:
        service.stop()
        reader.close()
        producer.close()

    # The table's changelog holds raw order keys in the partition of their source records, so
    # each worker recovers exactly the orders it owns.
    changelog = TopicReader(topics, f"{catalogue.PREFIX}-inventory-reserver-reservations-by-order-changelog")
    try:
        records = changelog.consumer.poll(3000)
    finally:
        changelog.close()
    placement = [(r.key.decode(), r.partition) for recs in records.values() for r in recs]
    assert placement and all(p == partition_for(k, topics.order_topic_partitions) for k, p in placement)

    placed = [e for e in events if isinstance(e, ReservationPlacedV1)]
    released = [e for e in events if isinstance(e, ReservationReleasedV1)]
    assert len(events) == 4, [(e.event_type, e.key) for e in events]
    assert {e.key: [(i.sku, i.quantity) for i in e.data.items] for e in placed} == {
        f"{sid}:A-1": [("SKU-1", 3), ("SKU-2", 1)],
        f"{sid}:A-2": [("SKU-A", 2), ("SKU-B", 1)],
    }
    assert {e.key: e.data.reason for e in released} == {f"{sid}:A-1": "canceled",
                                                       f"{sid}:A-2": "magento_order_created"}
    assert {e.key: e.occurred_at for e in released} == {f"{sid}:A-1": T0 + timedelta(hours=1),
                                                        f"{sid}:A-2": T0 + timedelta(hours=3)}
    assert [e.event_type for e in expiring] == ["reservation.placed", "reservation.released"]
    assert expiring[1].data.reason == "expired"  # type: ignore[attr-defined]
    assert expiring[1].occurred_at == T0 + timedelta(days=1)  # expires_at, not the wall clock
    assert len({e.event_id for e in events + expiring}) == 6



def test_a_crashed_agent_exits_non_zero_and_commits_nothing_past_the_failed_event(topics: Settings) -> None:
    prefix = f"crash-{uuid.uuid4().hex[:6]}"
    env = {**settings_env(topics), "TOPIC_PREFIX": prefix}
    log_path = LOG_DIR / f"reserver-crash-{prefix}.log"
    LOG_DIR.mkdir(exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "tests.inventory_reserver.crash_runner"], cwd=ROOT,
                                env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    producer = make_producer(topics)
    admin = KafkaAdminClient(bootstrap_servers=topics.kafka_bootstrap_servers)
    try:
        orders_topic = f"{prefix}.amazon-orders"
        wait_until(lambda: orders_topic in admin.list_topics(), timeout=60, what="the reserver's topics")
        first = order_changed(AmazonStatus.PENDING, T0, store_id="crash")
        meta = producer.send(orders_topic, key=first.key.encode(), value=encode(first)).get(timeout=30)
        code = proc.wait(60)
        output = log_path.read_text(errors="replace")
        assert code == CRASH_EXIT_CODE, output[-3000:]
        assert "injected failure" in output
        # Faust acks a yielded event even when the agent raised; the reserver acks by hand, so the
        # group's committed offset never passes the failed event: a restart handles it again.
        group = f"{prefix}-inventory-reserver"
        tp = TopicPartition(orders_topic, meta.partition)
        committed = admin.list_group_offsets({group: [tp]}).get(group, {})
        assert tp not in committed or committed[tp].offset <= meta.offset, committed
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        admin.close()
        producer.close()
