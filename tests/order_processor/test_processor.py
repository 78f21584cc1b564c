"""The record adapter without a broker: an in-memory table, a list as the topics."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from schemas import decode, encode
from schemas.envelope import Event
from schemas.events.deadletter import DeadLetterV1
from schemas.events.lifecycle import OrderStateChangedV1
from schemas.topics import AMAZON_ORDERS, MAGENTO_RESULTS, ORDER_COMMANDS, ORDER_LIFECYCLE, ORDER_VIEW, RESERVATIONS
from schemas.types import AmazonStatus as S
from services.common.partitioned_table import InMemoryStates
from services.order_processor.domain import OrderState
from services.order_processor.processor import DEAD_LETTERS, Processor, Record
from services.stores.directory import StoreDirectory
from services.stores.registry import configured_event
from tests.order_processor.factory import INTEGRATED, Script, store_config


class Harness:
    def __init__(self, *store_ids: str) -> None:
        self.table = InMemoryStates()
        self.sent: list[tuple[str, bytes, bytes]] = []
        self.stores = StoreDirectory()
        for sid in store_ids:
            config = store_config(sid)
            self.stores.add(configured_event(config, "integrated", config.integration_time))
        self.processor = Processor(self.table, self.stores, self._send)
        self.offset = 0

    async def _send(self, topic: str, key: bytes, value: bytes) -> None:
        self.sent.append((topic, key, value))

    def feed(self, topic: str, value: bytes, key: bytes | None = None) -> None:
        self.offset += 1
        record = Record(topic, 0, self.offset, key, value, 1_700_000_000_000)
        asyncio.run(self.processor.handle(record))

    def event(self, topic: str, event: Event) -> None:
        self.feed(topic, encode(event), event.key.encode())

    def out(self, topic: str) -> list[Event]:
        return [decode(v) for t, _, v in self.sent if t == topic]


def test_events_update_the_table_and_publish_keyed_outputs() -> None:
    h = Harness("s1")
    script = Script("s1")
    h.event(AMAZON_ORDERS, script.amazon(S.UNSHIPPED))
    state = OrderState.from_bytes(h.table[script.key.encode()])
    assert state.on_tab and state.request_seq == 1
    assert {k for t, k, _ in h.sent} == {script.key.encode()}
    assert [e.event_type for e in h.out(ORDER_VIEW)] == ["order.log.appended", "order.state.changed"]
    assert [e.event_type for e in h.out(ORDER_COMMANDS)] == ["magento.order.requested"]
    assert h.out(ORDER_LIFECYCLE) == []  # the pre-split topic is never written
    assert h.processor.status_counts.count("s1", "Unshipped") == 1
    h.event(AMAZON_ORDERS, script.amazon(S.CANCELED))
    assert h.processor.status_counts.count("s1", "Unshipped") == 0
    assert h.processor.status_counts.count("s1", "Canceled") == 1


def test_duplicate_record_publishes_nothing() -> None:
    h = Harness("s1")
    event = Script("s1").amazon(S.UNSHIPPED)
    h.event(AMAZON_ORDERS, event)
    sent = len(h.sent)
    h.event(AMAZON_ORDERS, event)
    assert len(h.sent) == sent


def dead_letters(h: Harness) -> list[DeadLetterV1]:
    return [e for e in h.out(DEAD_LETTERS) if isinstance(e, DeadLetterV1)]


def test_poison_bytes_are_dead_lettered_with_raw_bytes_and_position() -> None:
    h = Harness("s1")
    h.feed(AMAZON_ORDERS, b"\xff not json", b"s1:1")
    h.feed(AMAZON_ORDERS, b'{"event_type": "amazon.order.changed", "schema_version": 1}', b"s1:1")
    letters = dead_letters(h)
    assert [letter.data.reason.split(":")[0] for letter in letters] == ["decode_error", "decode_error"]
    assert letters[0].data.source_topic == AMAZON_ORDERS and letters[0].data.source_offset == 1
    assert letters[0].data.raw_value is not None and letters[0].key == "s1:1"
    assert h.table == {}
    h.event(AMAZON_ORDERS, Script("s1").amazon(S.UNSHIPPED))  # the neighbour is processed
    assert h.out(ORDER_VIEW)


def test_wrong_topic_key_mismatch_and_unknown_store_are_dead_lettered() -> None:
    h = Harness("s1")
    script = Script("s1")
    h.event(RESERVATIONS, script.amazon(S.UNSHIPPED))
    event = script.amazon(S.UNSHIPPED)
    h.feed(AMAZON_ORDERS, encode(event), b"s1:another")
    h.event(AMAZON_ORDERS, Script("nostore").amazon(S.UNSHIPPED))
    reasons = [letter.data.reason.split(":")[0] for letter in dead_letters(h)]
    assert reasons == ["unexpected_event", "key_mismatch", "unknown_store"]
    assert h.out(ORDER_VIEW) == [] and h.out(ORDER_COMMANDS) == []


def test_store_config_in_force_at_event_time_is_used() -> None:
    h = Harness()
    config = store_config("s2")
    h.stores.add(configured_event(config, "integrated", INTEGRATED))
    later = config.model_copy(update={"settings": config.settings.model_copy(update={"import_orders": False})})
    h.stores.add(configured_event(later, "updated", INTEGRATED + timedelta(hours=2)))
    early = Script("s2", "A", start=INTEGRATED)  # events within the first hour: import on
    h.event(AMAZON_ORDERS, early.amazon(S.UNSHIPPED))
    late = Script("s2", "B", start=INTEGRATED + timedelta(hours=3))
    h.event(AMAZON_ORDERS, late.amazon(S.UNSHIPPED))
    requested = {e.key for e in h.out(ORDER_COMMANDS) if e.event_type == "magento.order.requested"}
    assert requested == {early.key}


def test_reservation_synced_is_ignored_and_state_survives_a_new_processor() -> None:
    from schemas.events.magento import MagentoReservationSyncedData, MagentoReservationSyncedV1

    h = Harness("s1")
    script = Script("s1")
    h.event(AMAZON_ORDERS, script.amazon(S.UNSHIPPED))
    synced = MagentoReservationSyncedV1.build(key=script.key, occurred_at=datetime.now(UTC), producer="w",
                                              data=MagentoReservationSyncedData(reservation_event_id="x",
                                                                                applied=True), identity=(1,))
    before = dict(h.table)
    h.event(MAGENTO_RESULTS, synced)
    assert h.table == before
    fresh = Processor(h.table, h.stores, h._send)  # e.g. after restart: the table is the memory
    fresh.recount()
    assert fresh.status_counts.count("s1", "Unshipped") == 1
    asyncio.run(fresh.handle(Record(MAGENTO_RESULTS, 0, 99, script.key.encode(), encode(script.created()), 0)))
    views = [e for e in h.out(ORDER_VIEW) if isinstance(e, OrderStateChangedV1)]
    assert views[-1].data.version == 2 and views[-1].data.magento_order_number == "000000042"


def test_recount_after_each_recovery_does_not_double_count() -> None:
    h = Harness("s1")
    h.event(AMAZON_ORDERS, Script("s1", "A").amazon(S.UNSHIPPED))
    h.event(AMAZON_ORDERS, Script("s1", "B").amazon(S.PENDING))
    h.processor.recount()
    h.processor.recount()
    assert h.processor.status_counts.count("s1", "Unshipped") == 1
    assert h.processor.status_counts.count("s1", "Pending") == 1


def test_a_crashed_agent_exits_the_process_non_zero_and_counts_it() -> None:
    import subprocess
    import sys

    code = ("from services.order_processor import app, metrics\n"
            "import services.order_processor.app as a\n"
            "a.crash('order agent', RuntimeError('boom'))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 70
    assert "order agent crashed" in result.stderr


def test_stall_watch_fires_only_when_behind_and_not_moving() -> None:
    from services.order_processor.watchdog import StallWatch

    watch = StallWatch(stall_after_s=10)
    assert not watch.stalled("p0", 5, 9, now=0)
    assert not watch.stalled("p0", 5, 9, now=9)
    assert watch.stalled("p0", 5, 9, now=10)
    assert not watch.stalled("p0", 6, 9, now=11)  # moved: the clock restarts
    assert not watch.stalled("p0", 6, 9, now=20)
    assert watch.stalled("p0", 6, 9, now=21)
    assert not watch.stalled("p1", 9, 9, now=0) and not watch.stalled("p1", 9, 9, now=100)  # caught up
    assert not watch.stalled("p2", None, 9, now=0) and not watch.stalled("p2", None, 9, now=100)


def test_shipment_confirmations_are_read_from_their_topic_and_logged() -> None:
    from schemas.events.lifecycle import OrderLogAppendedV1
    from schemas.topics import AMAZON_CONFIRMATIONS

    h = Harness("s1")
    script = Script("s1")
    h.event(AMAZON_ORDERS, script.amazon(S.UNSHIPPED))
    h.event(AMAZON_CONFIRMATIONS, script.confirmation("confirmed", tracking="1Z42"))
    h.event(AMAZON_CONFIRMATIONS, script.amazon(S.SHIPPED))  # only confirmations on that topic
    logged = [e.data.entry.message for e in h.out(ORDER_VIEW) if isinstance(e, OrderLogAppendedV1)]
    assert logged[-1] == "Shipment confirmed to Amazon (UPS 1Z42)."
    assert [letter.data.reason.split(":")[0] for letter in dead_letters(h)] == ["unexpected_event"]


def test_cancel_requests_and_their_outcomes_are_accepted_on_their_topics() -> None:
    from schemas.events.lifecycle import OrderLogAppendedV1
    from schemas.topics import AMAZON_CONFIRMATIONS, USER_REQUESTS
    from services.fulfillment.cancel_requests import cancel_request

    h = Harness("s1")
    script = Script("s1")
    h.event(AMAZON_ORDERS, script.amazon(S.UNSHIPPED))
    h.event(USER_REQUESTS, cancel_request("s1", script.order_id, "NoInventory", "ann", "cli"))
    h.event(AMAZON_CONFIRMATIONS, script.cancellation("sent"))
    logged = [e.data.entry.message for e in h.out(ORDER_VIEW) if isinstance(e, OrderLogAppendedV1)]
    assert logged[-1] == "Cancellation sent to Amazon."
    assert dead_letters(h) == []
