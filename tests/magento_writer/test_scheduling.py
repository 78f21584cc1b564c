from __future__ import annotations

from services.magento_writer.offsets import OffsetTracker
from services.magento_writer.scheduling import Scheduler, Work


def work(key: str, offset: int, partition: int = 0) -> Work:
    return Work("t", partition, offset, key, key.split(":")[0], None, 0.0)


def test_one_order_runs_strictly_in_order() -> None:
    s = Scheduler()
    first, second = work("a:1", 0), work("a:1", 1)
    s.submit(first)
    s.submit(second)
    assert s.next() is first
    assert s.next() is None  # the second waits for the first
    s.done(first)
    assert s.next() is second
    s.done(second)
    assert len(s) == 0


def test_stores_are_served_round_robin() -> None:
    s = Scheduler()
    for i in range(3):
        s.submit(work(f"busy:{i}", i))
    s.submit(work("quiet:1", 10))
    started = [s.next() for _ in range(4)]
    assert [w.store for w in started if w] == ["busy", "quiet", "busy", "busy"]


def test_drop_queued_keeps_running_work() -> None:
    s = Scheduler()
    running, queued, other = work("a:1", 0, 1), work("a:1", 1, 1), work("b:1", 2, 2)
    for w in (running, queued, other):
        s.submit(w)
    assert s.next() is running
    dropped = s.drop_queued(lambda w: w.partition == 1)
    assert dropped == [queued]
    assert len(s) == 2
    s.done(running)
    assert s.next() is other


def test_commit_position_is_the_lowest_unfinished_offset() -> None:
    t = OffsetTracker()
    tp = ("t", 0)
    for offset in (5, 6, 7):
        t.started(tp, offset)
    t.finished(tp, 6)
    t.finished(tp, 7)
    assert t.to_commit() == {tp: 5}
    t.committed({tp: 5})
    assert t.to_commit() == {}
    t.finished(tp, 5)
    assert t.to_commit() == {tp: 8}
