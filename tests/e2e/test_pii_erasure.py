"""Buyer PII end to end (issue 20), on the real broker and PostgreSQL, every service a child process
with a KEK ring: the writer and the Orders tab show the buyer's data; after retention (an injected
clock: the sweep runs as of 31 days later) a byte scan of every topic, the database and the service
logs finds none of the buyer's name, email or address lines in the clear, and every sealed copy of
them no longer opens; the tab shows the removal text; replaying the tab's events rebuilds the same
row; the logs never carried the buyer's data at any point."""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import create_engine, inspect, text

from sandbox.spapi.model import SimAddress, SimBuyer
from schemas.events.lifecycle import OrderStateChangedV1
from schemas.events.pii import PiiErasedV1
from schemas.topics import ORDER_VIEW, PII_ERASURES, PREFIX
from services.common.kafka import make_producer, publish_sync
from services.common.settings import Settings
from services.orders_tab.apply import Batch
from services.pii.kek import KeyRing, new_kek_text
from services.pii.keys import Opener
from services.pii.removal import REMOVED
from services.pii.retention import RetentionPolicy
from services.pii.sealed import Sealed
from services.pii.service import publish_erasures, sweep
from services.pii.store import KeyStore, kid_for
from tests.e2e.pipeline import Pipeline, pipeline
from tests.harness import TopicReader, wait_until

pytestmark = pytest.mark.integration

SEALED = re.compile(rb"pii1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


@dataclass
class Run:
    p: Pipeline
    store_id: str
    order_id: str
    secrets: tuple[str, ...]  # the buyer's name, email and address lines
    keys: KeyStore
    row_before: dict[str, object]


def _scan_topics(settings: Settings) -> bytes:
    """Every record (key and value) of every topic of this deployment, Faust's changelogs included,
    dead letters' base64 raw payloads decoded."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka_bootstrap_servers, enable_auto_commit=False)
    try:
        names = [t for t in consumer.topics() if t.startswith(PREFIX) or "changelog" in t]
        parts = [TopicPartition(t, p) for t in names for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(parts)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(parts)
        chunks: list[bytes] = []
        deadline = time.monotonic() + 120
        while any(consumer.position(tp) < end for tp, end in ends.items()) and time.monotonic() < deadline:
            for records in consumer.poll(500, max_records=5000).values():
                for r in records:
                    chunks += [r.key or b"", r.value or b""]
                    if b'"deadletter.recorded"' in (r.value or b""):
                        raw = json.loads(r.value)["data"].get("raw_value")
                        chunks.append(base64.b64decode(raw) if raw else b"")
        return b"\n".join(chunks)
    finally:
        consumer.close()


def _scan_database(url: str) -> bytes:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = [str(r[0]) for t in inspect(conn).get_table_names()
                    for r in conn.execute(text(f'SELECT t::text FROM "{t}" t'))]
        return "\n".join(rows).encode()
    finally:
        engine.dispose()


def _logs(p: Pipeline) -> bytes:
    return b"\n".join(proc.log_path.read_bytes() for proc in p.processes.values() if proc.log_path.exists())


@pytest.fixture(scope="module")
def run(topics: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    now = datetime.now(UTC).replace(microsecond=0)
    uid = uuid.uuid4().hex[:8]
    store_id = f"pii-{uid}"
    name, email = f"Philippa Erasmus {uid}", f"pii-{uid}@marketplace.amazon.com"
    line1, line2 = f"{int(uid, 16) % 9000 + 100} Shredding Way {uid}", f"Suite {uid}"
    ring = {"active": "1", "keys": {"1": new_kek_text()}}
    with pipeline(topics, tmp_path_factory.mktemp("pii"), amazon_now=now) as p:
        secrets = json.loads(p.secrets_file.read_text())
        p.secrets_file.write_text(json.dumps({**secrets, "pii-kek": ring}))
        p.env.update({"PII_KEK_REF": "file:pii-kek", "PII_SWEEP_INTERVAL_SECONDS": "1"})
        p.magento.create_product("PII-WIDGET", "Widget", price=9.99, qty=50)
        seller = p.add_store(store_id, integration_time=now - timedelta(hours=1))
        p.start()
        p.start("key-service")
        order = p.amazon.create_order(seller.seller_id, fulfilled_by="MERCHANT",
                                      items=[{"quantity": 1, "seller_sku": "PII-WIDGET", "unit_price": "9.99"}])
        order.buyer = SimBuyer(name=name, email=email)  # unique: no other test's orders carry them
        order.address = SimAddress(name=name, address_line1=line1, address_line2=line2, city="Seattle",
                                   state_or_region="WA", postal_code="98109", country_code="US",
                                   phone="+1 206-555-0199")
        p.amazon.set_status(seller.seller_id, order.order_id, "UNSHIPPED")
        p.advance_amazon(180)
        row = p.wait_details(store_id, order.order_id, lambda d: d["magento_order_number"] and d["buyer_name"] == name,
                             what="the order in Magento and on the tab with the buyer's name")
        assert row["buyer_email"] == email
        [made] = p.magento.orders_by_ext(order.order_id)
        assert made["customer_lastname"] in name  # the merchant's own record keeps the buyer (documented)

        p.amazon.ship(seller.seller_id, order.order_id)
        p.advance_amazon(180)
        p.wait_details(store_id, order.order_id, lambda d: d["status"] in ("Shipped", "Completed"),
                       what="the order shipped on the tab")
        keys = KeyStore(topics.database_url, KeyRing.parse(ring))
        kid = kid_for(store_id, order.order_id)
        held = wait_until(lambda: next((h for h in keys.held() if h.kid == kid and h.closed_at), None), timeout=60,
                          what="the retention clock started at shipment")
        assert held.closed_status == "SHIPPED"
        row_before = p.wait_details(store_id, order.order_id, lambda d: d["status"] in ("Shipped", "Completed"))

        # retention, as of 31 days later (the key service's own sweep runs with the real clock)
        later = held.closed_at + timedelta(days=31)
        assert sweep(keys, RetentionPolicy(), later) >= 1
        producer = make_producer(topics)
        try:
            publish_erasures(keys, lambda events: publish_sync(producer, PII_ERASURES, events))
        finally:
            producer.close()
        p.wait_details(store_id, order.order_id, lambda d: d["buyer_name"] == REMOVED,
                       what="the tab showing the removal text")
        time.sleep(2)  # let every service finish what it was doing with the order
        yield Run(p, store_id, order.order_id, (name, email, line1, line2), keys, row_before)


def test_after_retention_no_copy_of_the_buyers_data_is_readable(run: Run, topics: Settings) -> None:
    corpus = {"topics": _scan_topics(topics), "database": _scan_database(topics.database_url), "logs": _logs(run.p)}
    for where, data in corpus.items():
        for secret in run.secrets:
            assert secret.encode() not in data, f"{secret!r} in the clear in the {where}"
    kid = kid_for(run.store_id, run.order_id)
    sealed = [Sealed.parse(m.decode()) for m in SEALED.findall(corpus["topics"])]
    ours = [s for s in sealed if s.kid == kid]
    assert ours, "the order's sealed copies should still be on the topics (only their key is gone)"
    opener = Opener(run.keys)
    assert all(opener.open(str(s)) is None for s in ours)  # none decryptable
    assert run.keys.data_keys([kid]) == {kid: None}


def test_logs_never_carried_the_buyers_data(run: Run) -> None:
    logs = _logs(run.p)
    assert logs, "the services wrote logs"
    for secret in run.secrets:
        assert secret.encode() not in logs


def test_the_tab_shows_the_removal_and_a_replay_rebuilds_the_same_row(run: Run, topics: Settings) -> None:
    row = run.p.order_details(run.store_id, run.order_id)
    assert row is not None and row["buyer_name"] == REMOVED and row["buyer_email"] == REMOVED
    same = {k: v for k, v in row.items() if k not in ("buyer_name", "buyer_email")}
    assert same == {k: v for k, v in run.row_before.items() if k not in ("buyer_name", "buyer_email")}

    key = f"{run.store_id}:{run.order_id}"
    events = []
    for topic in (ORDER_VIEW, PII_ERASURES):
        reader = TopicReader(topics, topic)
        try:
            reader.wait_for(lambda evs: any(e.key == key for e in evs), timeout=30, what=f"the order on {topic}")
            for _ in range(5):
                reader.poll(500)
            events += [e for e in reader.events if e.key == key]
        finally:
            reader.close()
    assert any(isinstance(e, PiiErasedV1) for e in events) and any(isinstance(e, OrderStateChangedV1) for e in events)
    opener = Opener(run.keys)  # a fresh replay: nothing cached
    batch = Batch(reveal=opener.reveal, on_erased=opener.forget)
    for e in events:
        batch.add(e)
    replayed = batch.orders[(run.store_id, run.order_id)]
    assert replayed["buyer_name"] == REMOVED and replayed["buyer_email"] == REMOVED
    assert replayed["magento_order_number"] == row["magento_order_number"] and replayed["status"] == row["status"]
    assert len(run.p.magento.orders_by_ext(run.order_id)) == 1  # no Magento side effect repeated


def test_the_key_service_runs(run: Run) -> None:
    assert run.p.processes["key-service"].alive()
    assert wait_until(lambda: run.p.healthz("key-service") == 200, timeout=30, what="key service healthy")
