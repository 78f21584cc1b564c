"""The rebuild's background writer: batches are committed one at a time, in order, and a failure
reaches the caller instead of being lost in the thread."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from services.orders_tab.apply import Batch
from services.orders_tab.projector import RunStats
from services.orders_tab.rebuild import BatchWriter, apply_all


class FakeProjector:
    def __init__(self, fail_on: int | None = None) -> None:
        self.committed: list[int] = []
        self.fail_on = fail_on
        self.active = 0
        self.overlaps = 0
        self.lock = threading.Lock()

    def commit(self, batch: Batch, stats: RunStats) -> None:
        with self.lock:
            self.active += 1
            self.overlaps += self.active > 1
        time.sleep(0.01)
        n = batch.offsets[("t", 0)]
        with self.lock:
            self.active -= 1
        if n == self.fail_on:
            raise RuntimeError(f"database gone at batch {n}")
        self.committed.append(n)


def _batch(n: int) -> Batch:
    b = Batch()
    b.consumed("t", 0, n - 1)
    return b


def test_batches_are_committed_in_order_one_at_a_time() -> None:
    projector = FakeProjector()
    stats = RunStats()
    writer = BatchWriter(projector, stats)  # type: ignore[arg-type]
    for n in range(1, 21):
        writer.submit(_batch(n))
    writer.close()
    assert projector.committed == list(range(1, 21))
    assert projector.overlaps == 0 and len(stats.batch_seconds) == 20


def test_a_failed_commit_is_raised_to_the_caller_and_nothing_after_it_is_written() -> None:
    projector = FakeProjector(fail_on=3)
    writer = BatchWriter(projector, RunStats())  # type: ignore[arg-type]
    with pytest.raises(RuntimeError, match="batch 3"):
        for n in range(1, 50):
            writer.submit(_batch(n))
        writer.close()
    with pytest.raises(RuntimeError, match="batch 3"):
        writer.close()  # the thread ends; the failure stays visible
    assert projector.committed == [1, 2]


def test_apply_all_refuses_a_projector_in_a_consumer_group() -> None:
    grouped: Any = type("P", (), {"group_id": "orders-tab"})()
    with pytest.raises(ValueError, match="without a consumer group"):
        apply_all(grouped)
