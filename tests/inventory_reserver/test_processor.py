"""The reserver's handling around the domain (decode, dead letters, sweep, units), without
Faust: an in-memory table, a list as the sink."""

from __future__ import annotations

import asyncio
import base64
from datetime import timedelta

from prometheus_client import REGISTRY

from schemas import decode, encode
from schemas.events.deadletter import DeadLetterV1
from schemas.events.magento import MagentoOrderFailedData, MagentoOrderFailedV1
from schemas.events.reservations import ReservationPlacedV1, ReservationReleasedV1
from schemas.topics import AMAZON_ORDERS, MAGENTO_RESULTS, RESERVATIONS, dead_letter_topic
from schemas.types import AmazonStatus
from services.common.partitioned_table import InMemoryStates
from services.inventory_reserver import metrics
from services.inventory_reserver.domain import ReservationState
from services.inventory_reserver.processor import Reserver
from services.stores.directory import StoreDirectory
from tests.inventory_reserver.factories import T0, item, magento_created, order_changed, store

DLQ = dead_letter_topic("inventory_reserver")


class ListSink:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, bytes]] = []

    async def send(self, topic: str, key: str, value: bytes) -> None:
        self.sent.append((topic, key, value))

    def events(self, topic: str) -> list:
        return [decode(v) for t, _, v in self.sent if t == topic]


def reserver(*stores: object) -> tuple[Reserver, InMemoryStates, ListSink]:
    directory = StoreDirectory()
    for s in stores or (store(),):
        directory.add(s)  # type: ignore[arg-type]
    table = InMemoryStates()
    sink = ListSink()
    return Reserver(table, directory, sink), table, sink


def feed(r: Reserver, topic: str, *events: object, offset: int = 0) -> None:
    async def go() -> None:
        for n, e in enumerate(events):
            raw = encode(e) if not isinstance(e, bytes) else e  # type: ignore[arg-type]
            key = e.key.encode() if not isinstance(e, bytes) else b"us-main:X"  # type: ignore[attr-defined]
            await r.on_record(topic, 0, offset + n, key, raw, 1_700_000_000_000)
    asyncio.run(go())


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(f"sales_channel_{name}", labels) or 0.0


def test_placement_is_published_then_stored_and_units_follow() -> None:
    r, table, sink = reserver()
    before = sample("reserver_reservations_placed_total", store="us-main")
    feed(r, AMAZON_ORDERS, order_changed(AmazonStatus.PENDING, T0, items=(item("SKU-A", 2),)))
    [placed] = sink.events(RESERVATIONS)
    assert isinstance(placed, ReservationPlacedV1)
    assert ReservationState.from_bytes(table[placed.key.encode()]).held
    assert r.units == {("us-main", "SKU-A"): 2}
    assert sample("reserver_reserved_units", store="us-main", sku="SKU-A") == 2
    assert sample("reserver_reservations_placed_total", store="us-main") == before + 1

    feed(r, MAGENTO_RESULTS, magento_created(T0 + timedelta(hours=1)))
    assert [type(e) for e in sink.events(RESERVATIONS)] == [ReservationPlacedV1, ReservationReleasedV1]
    assert r.units == {}
    assert sample("reserver_reserved_units", store="us-main", sku="SKU-A") == 0


def test_undecodable_input_and_unknown_store_go_to_dead_letters() -> None:
    r, table, sink = reserver()
    before = sample("reserver_dead_letters_total")
    feed(r, AMAZON_ORDERS, b"{not json", offset=7)
    feed(r, AMAZON_ORDERS, order_changed(AmazonStatus.PENDING, T0, store_id="nowhere"), offset=8)
    letters = sink.events(DLQ)
    assert [type(e) for e in letters] == [DeadLetterV1, DeadLetterV1]
    assert letters[0].data.source_offset == 7 and base64.b64decode(letters[0].data.raw_value) == b"{not json"
    assert "nowhere" in letters[1].data.reason
    assert sink.events(RESERVATIONS) == [] and table == {}
    assert sample("reserver_dead_letters_total") == before + 2


def test_dead_letters_are_deterministic() -> None:
    r1, _, s1 = reserver()
    r2, _, s2 = reserver()
    feed(r1, AMAZON_ORDERS, b"garbage", offset=3)
    feed(r2, AMAZON_ORDERS, b"garbage", offset=3)
    assert s1.sent == s2.sent


def test_a_key_that_does_not_match_its_order_is_a_dead_letter() -> None:
    r, _, sink = reserver()
    event = order_changed(AmazonStatus.PENDING, T0)
    forged = event.model_copy(update={"key": "us-main:someone-else"})
    feed(r, AMAZON_ORDERS, forged)
    assert [type(e) for e in sink.events(DLQ)] == [DeadLetterV1]


def test_other_magento_results_are_ignored() -> None:
    r, table, sink = reserver()
    data = MagentoOrderFailedData(request_seq=1, reason="boom", retryable=True, attempts=1)
    failed = MagentoOrderFailedV1.build(key="us-main:X", occurred_at=T0, producer="magento_writer",
                                        identity=(1,), data=data)
    feed(r, MAGENTO_RESULTS, failed)
    assert sink.sent == [] and table == {}


def test_sweep_releases_expired_with_expires_at_and_counts_it() -> None:
    r, _, sink = reserver(store(reservation_expiry_days=1))
    feed(r, AMAZON_ORDERS, order_changed(AmazonStatus.PENDING, T0))
    before = sample("reserver_reservations_expired_total", store="us-main")
    assert asyncio.run(r.sweep(T0 + timedelta(hours=23))) == 0
    assert asyncio.run(r.sweep(T0 + timedelta(days=9))) == 1
    assert asyncio.run(r.sweep(T0 + timedelta(days=10))) == 0
    released = sink.events(RESERVATIONS)[-1]
    assert isinstance(released, ReservationReleasedV1)
    assert released.data.reason == "expired" and released.occurred_at == T0 + timedelta(days=1)
    assert sample("reserver_reservations_expired_total", store="us-main") == before + 1
    assert r.units == {}


def test_refresh_rebuilds_units_from_the_table() -> None:
    r, table, _ = reserver()
    feed(r, AMAZON_ORDERS, order_changed(AmazonStatus.PENDING, T0, order_id="o1", items=(item("S", 2),)),
         order_changed(AmazonStatus.PENDING, T0, order_id="o2", items=(item("S", 3),)))
    fresh = Reserver(table, r.stores, ListSink())
    assert fresh.units == {}
    fresh.refresh_units()
    assert fresh.units == {("us-main", "S"): 5}


def test_bounded_series_lumps_the_tail_per_store() -> None:
    from collections import Counter

    many = range(metrics.MAX_SKU_SERIES + 5)
    units: Counter[tuple[str, str]] = Counter({("s", f"SKU-{n:04d}"): n + 1 for n in many})
    series = metrics.bounded_series(units)
    assert len(series) == metrics.MAX_SKU_SERIES + 1
    assert series[("s", metrics.OTHER_SKU)] == sum(range(1, 6))
    assert sum(series.values()) == sum(units.values())


def test_partition_for_matches_the_producers_partitioner() -> None:
    from kafka.partitioner.default import murmur2  # kafka-python: what our producers use

    from services.inventory_reserver.partitions import partition_for

    for n in range(200):
        key = f"store-{n % 7}:111-{n:07d}-0000001"
        assert partition_for(key, 8) == (murmur2(key.encode()) & 0x7FFFFFFF) % 8


def test_sweep_and_units_only_cover_owned_keys() -> None:
    r, _, sink = reserver(store(reservation_expiry_days=1))
    feed(r, AMAZON_ORDERS, order_changed(AmazonStatus.PENDING, T0, order_id="mine"),
         order_changed(AmazonStatus.PENDING, T0, order_id="theirs"))
    released = asyncio.run(r.sweep(T0 + timedelta(days=5), owns=lambda key: key.endswith(":mine")))
    assert released == 1
    assert [e.key for e in sink.events(RESERVATIONS) if isinstance(e, ReservationReleasedV1)] == ["us-main:mine"]
    assert r.units == {}  # "theirs" is still held in the table, but not this worker's to count
