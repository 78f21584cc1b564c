"""When a partition the stream stopped delivering is sought back, and when it is left alone."""

from __future__ import annotations

import time

import pytest
from kafka import TopicPartition

from schemas.topics import AMAZON_ORDERS
from services.common.kafka import end_offsets, make_producer
from services.common.settings import Settings
from services.common.skipped_records import STUCK_FETCH_S, SkippedReadIncomplete, SkippedRecords

TP = ("sales-channel.amazon-orders", 3)


def lagging_guard(expected: int, still_for_s: float) -> SkippedRecords:
    guard = SkippedRecords(Settings(kafka_bootstrap_servers="127.0.0.1:1"), "group")  # connects only when it reads
    guard.expected[TP] = expected
    guard.moved_at[TP] = time.monotonic() - still_for_s
    return guard


def test_a_partition_behind_and_still_past_the_wait_is_lagging() -> None:
    assert lagging_guard(10, 6.0).lagging(lambda tp: 20, still_for=5.0) == [TP]
    assert lagging_guard(10, 1.0).lagging(lambda tp: 20, still_for=5.0) == []  # not long enough
    assert lagging_guard(20, 60.0).lagging(lambda tp: 20, still_for=5.0) == []  # caught up
    assert lagging_guard(10, 60.0).lagging(lambda tp: None, still_for=5.0) == []  # end unknown


def test_records_fetched_but_not_delivered_are_sought_back() -> None:
    guard = lagging_guard(10, 6.0)
    assert guard.rewound(TP, position=15) == 10
    assert guard.lagging(lambda tp: 20, still_for=5.0) == []  # the wait starts over


def test_a_fetch_still_under_way_is_not_restarted() -> None:
    """A slow broker: the consumer has not moved past the next expected offset, so nothing was
    skipped; seeking would restart the fetch (at a million backlog records on Tansu, for ever)."""
    guard = lagging_guard(10, 6.0)
    assert guard.rewound(TP, position=10) is None
    assert guard.rewound(TP, position=None) is None
    assert guard.lagging(lambda tp: 20, still_for=5.0) == []  # waits another period before asking again


def test_a_partition_still_for_long_without_a_skip_has_its_fetch_restarted() -> None:
    guard = lagging_guard(10, 6.0)
    assert guard.rewound(TP, position=10) is None
    guard.still_since[TP] -= STUCK_FETCH_S  # as if asked again and again for that long
    assert guard.rewound(TP, position=10) == 10
    assert TP not in guard.still_since


def test_a_delivered_record_ends_the_stillness() -> None:
    guard = lagging_guard(10, 6.0)
    assert guard.rewound(TP, position=10) is None
    guard._advance(TP, 11)
    assert TP not in guard.still_since


def test_the_end_is_the_later_of_the_high_watermark_and_the_end_at_assignment() -> None:
    guard = lagging_guard(10, 0.0)
    assert guard.end_of(TP, None) is None
    guard.ends_at_assignment[TP] = 20
    assert guard.end_of(TP, None) == 20
    assert guard.end_of(TP, 15) == 20  # a high watermark not yet caught up with the assignment's end
    assert guard.end_of(TP, 25) == 25


@pytest.mark.integration
def test_a_read_back_that_cannot_reach_the_skip_fails_instead_of_moving_past_it(
        topics: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.common import skipped_records

    producer = make_producer(topics)
    for n in range(3):
        producer.send(AMAZON_ORDERS, key=b"read-back", value=f"r{n}".encode(), partition=0)
    producer.flush()
    producer.close()
    guard = SkippedRecords(topics, "read-back-group")
    monkeypatch.setattr(skipped_records, "SIDE_READ_TIMEOUT_S", 2.0)
    try:
        end = end_offsets(topics, [TopicPartition(AMAZON_ORDERS, 0)])
        stop = end[TopicPartition(AMAZON_ORDERS, 0)]
        assert [r.offset for r in guard._read((AMAZON_ORDERS, 0), stop - 3, stop)] == [stop - 3, stop - 2, stop - 1]
        with pytest.raises(SkippedReadIncomplete, match="stopping rather than folding past them"):
            guard._read((AMAZON_ORDERS, 0), stop - 3, stop + 2)  # two offsets that were never written
    finally:
        guard.close()
