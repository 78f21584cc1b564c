"""The aligner folds co-partitioned facts in timestamp order whatever order they are fetched in."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.order_processor.aligner import TimeAligner
from services.order_processor.processor import Record

TOPICS = ("amazon", "results", "reservations")


def rec(topic: str, offset: int, ts: int, partition: int = 0) -> Record:
    return Record(topic, partition, offset, b"k", b"v", ts)


def aligner(max_idle_s: float = 0.2, max_behind_s: float = 5.0, max_held: int = 1000) -> TimeAligner[Record]:
    return TimeAligner(TOPICS, max_idle_s=max_idle_s, max_behind_s=max_behind_s, max_held=max_held)


def caught_up(tp: tuple[str, int]) -> bool | None:
    return False


def test_a_topic_known_behind_holds_later_records_back_until_its_records_arrive() -> None:
    a = aligner()
    a.add(rec("results", 0, 300), now=0.0)  # the Magento result is fetched first (a replay)
    assert a.release(lambda tp: tp[0] == "amazon", now=0.1) == []
    a.add(rec("amazon", 0, 100), now=0.2)
    a.add(rec("amazon", 1, 400), now=0.2)
    released = a.release(lambda tp: tp[0] == "amazon", now=0.2)
    assert [(r.topic, r.offset) for r in released] == [("amazon", 0), ("results", 0), ("amazon", 1)]
    assert len(a) == 0


def test_caught_up_topics_hold_nothing_back() -> None:
    a = aligner()
    a.add(rec("amazon", 0, 100), now=0.0)
    assert [r.offset for r in a.release(caught_up, now=0.0)] == [0]


def test_unknown_positions_hold_back_at_most_max_idle_and_known_lag_at_most_max_behind() -> None:
    a = aligner(max_idle_s=0.2, max_behind_s=5.0)
    a.add(rec("amazon", 0, 100), now=0.0)
    assert a.release(lambda tp: None, now=0.1) == []
    assert len(a.release(lambda tp: None, now=0.25)) == 1
    a.add(rec("amazon", 1, 200), now=1.0)
    assert a.release(lambda tp: True, now=5.9) == []
    assert len(a.release(lambda tp: True, now=6.1)) == 1


def test_over_capacity_the_earliest_goes_first() -> None:
    a = aligner(max_held=2)
    for n, ts in enumerate((300, 100, 200)):
        a.add(rec("amazon", n, ts, partition=n), now=0.0)
    assert [r.partition for r in a.release(lambda tp: True, now=0.0)] == [0]  # over by one: one goes


def test_partitions_are_independent() -> None:
    a = aligner()
    a.add(rec("results", 0, 300, partition=1), now=0.0)
    a.add(rec("amazon", 0, 500, partition=2), now=0.0)
    released = a.release(lambda tp: tp == ("amazon", 1), now=0.0)
    assert [(r.topic, r.partition) for r in released] == [("amazon", 2)]


fetch_orders = st.permutations(list(range(12)))


@given(fetch_orders, st.randoms())
def test_any_fetch_order_folds_like_the_timestamp_order(order: list[int], rnd: object) -> None:
    """A history of 12 facts over three topics, fetched in any order that keeps each topic's
    offsets in order, with every topic known to be behind until its last fact arrived."""
    history = [rec(TOPICS[n % 3], n // 3, 100 + 10 * n) for n in range(12)]
    per_topic = {t: [r for r in history if r.topic == t] for t in TOPICS}
    picks = [TOPICS[i % 3] for i in order]  # a random interleaving of the three topic runs
    fetched = [per_topic[t].pop(0) for t in picks]
    remaining = {t: 4 for t in TOPICS}
    a = aligner()
    out: list[Record] = []
    for r in fetched:
        a.add(r, now=0.0)
        remaining[r.topic] -= 1
        out += a.release(lambda tp: remaining[tp[0]] > 0, now=0.0)
    out += a.release(caught_up, now=0.0)
    assert out == history

