"""Issue 15: a topic written before the order-lifecycle split still replays. One order's story
written entirely before the split (views, log entries and its command on order-lifecycle), one
straddling it and one written entirely after (order-view, order-commands) rebuild the same
Orders-tab rows, whichever of the two topics the projector reads first."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from schemas import encode
from schemas.envelope import order_key
from schemas.topics import ORDER_COMMANDS, ORDER_LIFECYCLE, ORDER_VIEW, STORES
from schemas.types import MagentoState, TabStatus
from services.common import broker_quirks
from services.common.kafka import make_producer
from services.common.settings import Settings
from services.orders_tab.projector import Projector
from services.replay import replay
from tests.magento_writer.factories import amazon_order, order_requested
from tests.orders_tab import sample
from tests.replay.test_old_versions import ORDER, T0, projected

pytestmark = pytest.mark.integration

NUMBER = "000000042"
STEPS = [  # (log message, tab status, Magento state) of each version
    ("Order imported from Amazon.", TabStatus.PENDING, MagentoState.NONE),
    ("Status updated to Unshipped.", TabStatus.UNSHIPPED, MagentoState.REQUESTED),
    (f"Magento order {NUMBER} was created.", TabStatus.UNSHIPPED, MagentoState.CREATED),
    ("Status updated to Shipped.", TabStatus.SHIPPED, MagentoState.CREATED),
]
BEFORE, STRADDLING, AFTER = len(STEPS), 2, 0  # how many steps were written before the split


def story(store: str, steps_before_split: int) -> list[tuple[str, bytes, bytes]]:
    """One order's records as (topic, key, value): its first ``steps_before_split`` steps as the
    processor wrote them before the split, the others as it writes them now."""
    key = order_key(store, ORDER).encode()
    records = [(STORES, store.encode(), encode(sample.store_event(store, f"Store {store}", 7)))]
    for seq, (message, status, state) in enumerate(STEPS, 1):
        before = seq <= steps_before_split
        view_topic, command_topic = (ORDER_LIFECYCLE, ORDER_LIFECYCLE) if before else (ORDER_VIEW, ORDER_COMMANDS)
        view = sample.view(store, ORDER, version=seq, status=status, magento_state=state, last_action=message,
                           purchase_date=T0, shipped=2 if status == TabStatus.SHIPPED else 0,
                           magento_order_number=NUMBER if state is MagentoState.CREATED else None)
        entry = sample.log_event(store, ORDER, seq, message, T0 + timedelta(minutes=seq))
        records += [(view_topic, key, encode(entry)), (view_topic, key, encode(sample.state_event(view)))]
        if state is MagentoState.REQUESTED:  # the projector skips commands on the old topic
            records.append((command_topic, key, encode(order_requested(store, amazon_order(ORDER)))))
    return records


def publish(settings: Settings, stories: list[list[tuple[str, bytes, bytes]]]) -> None:
    producer = make_producer(settings)
    try:
        for topic, key, value in (r for s in stories for r in s):
            producer.send(topic, key=key, value=value)
        producer.flush(30)
    finally:
        producer.close()


def stores(label: str) -> dict[int, str]:
    suffix = uuid.uuid4().hex[:6]
    return {split: f"{label}{split}-{suffix}" for split in (BEFORE, STRADDLING, AFTER)}


def test_replay_of_records_written_before_during_and_after_the_split_gives_identical_rows(
        topics: Settings) -> None:
    named = stores("split")
    publish(topics, [story(store, split) for split, store in named.items()])

    replay(topics, "orders_tab", force=broker_quirks.stale_members_linger())  # empty tables, earliest offsets

    expected = projected(topics, named[AFTER])
    assert len(expected["orders"]) == 1 and len(expected["log"]) == len(STEPS) and expected["stores"]
    [row] = expected["orders"]
    assert row[2] == len(STEPS)  # (store_id, amazon_order_id, version, ...): the newest view
    assert projected(topics, named[BEFORE]) == expected
    assert projected(topics, named[STRADDLING]) == expected


def test_the_old_topic_read_after_the_new_one_leaves_the_newest_rows(topics: Settings) -> None:
    """The straddling order's newer views (order-view) are applied first, its older ones
    (order-lifecycle) after: the row keeps the newest version and the log gets every entry."""
    named = stores("late")
    publish(topics, [story(named[STRADDLING], STRADDLING), story(named[AFTER], AFTER)])
    for source in ((STORES, ORDER_VIEW), (ORDER_LIFECYCLE,)):
        projector = Projector(topics, group_id=None, topics=source)
        try:
            projector.run(until_idle=True, max_seconds=60)
        finally:
            projector.close()
    expected = projected(topics, named[AFTER])
    assert expected["orders"] and len(expected["log"]) == len(STEPS)
    assert projected(topics, named[STRADDLING]) == expected
