"""A broker outage as a service sees it (issue #16): `/healthz` answers 503 while no broker answers,
the service says so in a few lines instead of one per retry, and resumes by itself when the same
broker comes back."""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from schemas.events.lifecycle import OrderStateChangedV1
from schemas.topics import AMAZON_ORDERS, ORDER_VIEW
from schemas.types import AmazonStatus
from services.common.kafka import group_member_count, publish_sync
from services.common.settings import Settings
from services.common.topic_admin import ensure_topics
from services.devbroker import RunningBroker, free_port, start_broker
from services.devbroker.kafka import KafkaNode
from services.order_processor.app import APP_ID as PROCESSOR_GROUP
from services.orders_tab.projector import GROUP_ID as PROJECTOR_GROUP
from tests.harness import LOG_DIR, ServiceProcess, TopicReader, group_timings, settings_env, wait_until
from tests.order_processor.factory import Script
from tests.order_processor.test_integration import new_store

pytestmark = pytest.mark.integration

SERVICES = ("order-processor", "projector")


@pytest.fixture
def own_kafka(tmp_path: Path) -> Iterator[RunningBroker]:
    if os.environ.get("TEST_BROKER", "kafka") != "kafka":
        pytest.skip("restarts its own Apache Kafka node on the same port and data (TEST_BROKER=kafka)")
    broker = start_broker("kafka", data_dir=LOG_DIR / f"outage-{free_port()}")
    try:
        yield broker
    finally:
        broker.stop()


def wait_for_state(settings: Settings, key: str) -> None:
    reader = TopicReader(settings, ORDER_VIEW)
    try:
        reader.wait_for(lambda evs: any(isinstance(e, OrderStateChangedV1) and e.key == key for e in evs),
                        timeout=90, what=f"the state of {key}")
    finally:
        reader.close()


def healthz(port: int) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=3) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
    except OSError:
        return 0, {}


def test_healthz_503_while_the_broker_is_gone_and_recovery_after(
        own_kafka: RunningBroker, migrated_pg_url: str, tmp_path: Path) -> None:
    settings = Settings(kafka_bootstrap_servers=own_kafka.bootstrap, database_url=migrated_pg_url,
                        order_topic_partitions=2, data_dir=tmp_path, log_format="console",
                        **group_timings())
    ensure_topics(settings)
    ports = {name: free_port() for name in SERVICES}
    procs = [ServiceProcess(name, [name], {**settings_env(settings), "METRICS_PORT": str(ports[name])}).start()
             for name in SERVICES]
    node = own_kafka.nodes[0]
    assert isinstance(node, KafkaNode)
    try:
        for name in SERVICES:
            wait_until(lambda n=name: healthz(ports[n])[0] == 200, timeout=90, what=f"{name} healthy")
        admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
        try:  # running for real: each service's consumer group has its member
            for group in (PROCESSOR_GROUP, PROJECTOR_GROUP):
                wait_until(lambda g=group: group_member_count(admin, g) > 0, timeout=90, what=f"{group} joined")
        finally:
            admin.close()
        store_id, _, producer = new_store(settings)
        before = Script(store_id, "111-0000001-0000001", purchased=datetime.now(UTC) - timedelta(hours=1))
        publish_sync(producer, AMAZON_ORDERS, [before.amazon(AmazonStatus.UNSHIPPED, changes=("new",))])
        wait_for_state(settings, before.key)  # steady state: the processor folds facts

        node.kill()
        down_at = time.monotonic()
        for name in SERVICES:
            status, body = wait_until(lambda n=name: (r := healthz(ports[n]))[0] == 503 and r, timeout=30,
                                      what=f"{name} reporting the lost broker")
            assert "broker" in json.dumps(body["problems"]), body
        time.sleep(max(0.0, 40 - (time.monotonic() - down_at)))  # 40 s of outage
        assert all(p.alive() for p in procs), [p.log()[-2000:] for p in procs if not p.alive()]
        outage_lines = {p.name: sum(1 for line in p.log().splitlines() if "[error" in line or "ERROR" in line)
                        for p in procs}

        node.start()
        for name in SERVICES:
            wait_until(lambda n=name: healthz(ports[n])[0] == 200, timeout=90, what=f"{name} healthy again")
        assert all(p.alive() for p in procs)
        after = Script(store_id, "111-0000002-0000001", purchased=datetime.now(UTC) - timedelta(hours=1))
        publish_sync(producer, AMAZON_ORDERS, [after.amazon(AmazonStatus.UNSHIPPED, changes=("new",))])
        wait_for_state(settings, after.key)  # and folds them again after the outage
        producer.close()
        # A few lines a minute, not one per client retry (was ~110 a second per Faust service).
        assert all(lines <= 40 for lines in outage_lines.values()), outage_lines
    finally:
        for p in procs:
            p.stop()
