"""The one reader of the stores topic: fed by hand (no broker), and on the real broker (read to the
exact end, followed while running, undecodable records reported, caught up on demand)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from schemas import DecodeError, encode
from schemas.types import StoreConfig
from services.common.records import InputRecord
from services.common.settings import Settings
from services.stores.directory import StoreDirectory
from tests.stores.test_history import config, days, event

# --- without a broker ---------------------------------------------------------------------------


def test_add_builds_each_stores_history_and_says_whether_it_was_new() -> None:
    d = StoreDirectory()
    assert d.add(event(100, days(0), "a")) is True
    assert d.add(event(100, days(0), "a")) is False  # the same event read again
    assert d.add(event(200, days(5), "a")) is True
    assert d.add(event(300, days(0), "b")) is True
    assert sorted(d.histories) == ["a", "b"]
    assert {sid: c.poll_interval_seconds for sid, c in d.current().items()} == {"a": 200, "b": 300}


def test_config_at_applies_the_history_rule_and_none_for_an_unknown_store() -> None:
    d = StoreDirectory()
    d.add(event(100, days(0)))
    d.add(event(200, days(5)))
    at = {m: c.poll_interval_seconds for m in (days(-1), days(1), days(6)) if (c := d.config_at("s1", m))}
    assert at == {days(-1): 100, days(1): 100, days(6): 200}
    assert d.config_at("elsewhere", days(1)) is None and d.history("elsewhere") is None


def test_a_history_handed_out_does_not_change_when_more_is_read() -> None:
    d = StoreDirectory()
    d.add(event(100, days(0)))
    before = d.history("s1")
    d.add(event(200, days(5)))
    assert before is not None and len(before.configs) == 1
    after = d.history("s1")
    assert after is not None and len(after.configs) == 2


def test_a_directory_without_a_broker_cannot_sync_or_read() -> None:
    d = StoreDirectory()
    assert asyncio.run(d.sync()) is False
    assert not d.alive()
    with pytest.raises(ValueError, match="no broker"):
        d.read_to_end()


# --- on the broker ------------------------------------------------------------------------------


@pytest.fixture
def topic(settings: Settings) -> Iterator[str]:
    """A private one-partition stores topic (the shared one is left to the services' tests)."""
    name = f"stores-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    admin.create_topics([NewTopic(name, 1, 1)])
    admin.close()
    yield name


def write(settings: Settings, topic: str, *values: bytes, linger_ms: int = 0) -> None:
    producer = KafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, linger_ms=linger_ms)
    futures = [producer.send(topic, key=b"k", value=v) for v in values]
    producer.flush()
    for f in futures:
        f.get(10)
    producer.close()


def wait_until(check: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def store_event(poll: int, at: datetime, store_id: str) -> bytes:
    return encode(event(poll, at, store_id))


def test_read_to_end_reads_every_record_of_a_batch(settings: Settings, topic: str) -> None:
    """Seven configurations in one batch: the exact end offset, not a short one, ends the read."""
    values = [store_event(100 + n, days(n), f"st-{n}") for n in range(7)]
    write(settings, topic, *values, linger_ms=200)
    d = StoreDirectory(settings, topic=topic)
    d.read_to_end(timeout_s=20)
    assert len(d.histories) == 7 and d.ready.is_set()
    assert d.config_at("st-6", days(10)) == config(106, "st-6")


def test_read_to_end_of_an_empty_topic_is_ready_at_once(settings: Settings, topic: str) -> None:
    d = StoreDirectory(settings, topic=topic)
    d.read_to_end(timeout_s=10)
    assert d.histories == {} and d.ready.is_set()


def test_following_reports_stores_once_caught_up_and_each_change(settings: Settings, topic: str) -> None:
    write(settings, topic, store_event(100, days(0), "a"), b"{not an event", store_event(200, days(0), "b"))
    seen: list[dict[str, StoreConfig]] = []
    bad: list[tuple[InputRecord, DecodeError]] = []
    d = StoreDirectory(settings, topic=topic, poll_ms=100, on_change=seen.append,
                       on_undecodable=lambda r, exc: bad.append((r, exc)))
    d.start()
    try:
        wait_until(d.ready.is_set)
        wait_until(lambda: bool(seen))
        assert set(seen[0]) == {"a", "b"}  # the first report comes with everything read at start
        assert [(r.topic, r.offset, r.value) for r, _ in bad] == [(topic, 1, b"{not an event")]
        write(settings, topic, store_event(300, days(3), "a"))
        wait_until(lambda: seen[-1]["a"].poll_interval_seconds == 300)
        assert d.config_at("a", days(1)) == config(100, "a")
        write(settings, topic, store_event(300, days(3), "a"))  # the same event again: no report
        time.sleep(0.5)
        assert seen[-1]["a"].poll_interval_seconds == 300 and d.error is None
    finally:
        d.stop()
    assert not d.alive()


def test_sync_waits_for_a_store_integrated_a_moment_ago(settings: Settings, topic: str) -> None:
    d = StoreDirectory(settings, topic=topic, poll_ms=100)
    d.start()
    try:
        wait_until(d.ready.is_set)
        write(settings, topic, store_event(100, days(0), "new"))
        assert asyncio.run(d.sync(timeout_s=20)) is True
        assert d.config_at("new", days(1)) == config(100, "new")
    finally:
        d.stop()


def test_run_follows_for_an_asyncio_task_and_sends_undecodable_records_to_its_loop(
        settings: Settings, topic: str) -> None:
    write(settings, topic, b"garbage", store_event(100, days(0), "a"))
    d = StoreDirectory(settings, topic=topic, poll_ms=100)
    handled: list[tuple[int, str, bool]] = []

    async def on_undecodable(record: InputRecord, exc: DecodeError) -> None:
        handled.append((record.offset, type(exc).__name__,
                        threading.current_thread() is threading.main_thread()))

    async def main() -> None:
        task = asyncio.create_task(d.run(on_undecodable))
        await asyncio.wait_for(d.wait_ready(), 20)
        assert d.config_at("a", days(1)) == config(100, "a")
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert handled == [(0, "DecodeError", True)]  # on the task's loop, not the reader's thread
    wait_until(lambda: not d.alive(), 5)  # cancelling the task stopped the reader


def test_run_raises_the_readers_failure(settings: Settings, topic: str) -> None:
    def failing(configs: dict[str, StoreConfig]) -> None:
        raise RuntimeError("cannot take these stores")

    d = StoreDirectory(settings, topic=topic, poll_ms=100, on_change=failing)
    with pytest.raises(RuntimeError, match="cannot take these stores") as info:
        asyncio.run(asyncio.wait_for(d.run(), 30))
    assert d.error is info.value and not d.alive()
