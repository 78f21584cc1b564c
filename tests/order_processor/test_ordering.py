"""Batch order: merged by timestamp across partitions, offset order kept within each."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.order_processor.ordering import by_time
from services.order_processor.processor import Record


def rec(topic: str, offset: int, ts: int, partition: int = 0) -> Record:
    return Record(topic, partition, offset, b"k", b"v", ts)


def test_a_result_never_precedes_the_fact_before_it_in_time() -> None:
    batch = [rec("results", 0, 300), rec("results", 1, 500), rec("amazon", 0, 100), rec("amazon", 1, 400)]
    assert [(r.topic, r.offset) for r in by_time(batch)] == [("amazon", 0), ("results", 0), ("amazon", 1),
                                                             ("results", 1)]


@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 3), st.integers(0, 50)), max_size=60))
def test_merge_is_a_permutation_keeping_each_partitions_offsets_in_order(spec: list[tuple[str, int, int]]) -> None:
    offsets: dict[tuple[str, int], int] = {}
    batch = []
    for topic, partition, ts in spec:
        offset = offsets[(topic, partition)] = offsets.get((topic, partition), -1) + 1
        batch.append(rec(topic, offset, ts, partition))
    merged = by_time(batch)
    assert sorted(merged, key=id) == sorted(batch, key=id)
    for tp in offsets:
        assert [r.offset for r in merged if (r.topic, r.partition) == tp] == sorted(
            r.offset for r in batch if (r.topic, r.partition) == tp)
    if all([r.timestamp_ms for r in batch if (r.topic, r.partition) == tp] ==
           sorted(r.timestamp_ms or 0 for r in batch if (r.topic, r.partition) == tp) for tp in offsets):
        assert [r.timestamp_ms for r in merged] == sorted(r.timestamp_ms or 0 for r in batch)
