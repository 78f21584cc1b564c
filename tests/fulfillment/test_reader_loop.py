"""The reader's loop without Magento or a broker: failed reads are retried under the
``outbox_read_failure`` policy; a stop ends the loop even while Magento is down."""

from __future__ import annotations

from typing import Any

from services.common.retry import outbox_read_failure
from services.fulfillment.reader import OutboxReader


class Cursors:
    def __init__(self) -> None:
        self.saved: dict[str, int] = {}

    def load(self, source: str) -> int:
        return self.saved.get(source, 0)

    def save(self, source: str, last_entry_id: int) -> None:
        self.saved[source] = last_entry_id


class Outbox:
    """Fails ``failures`` calls, then answers an empty page."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def call(self, method: str, route: str, store_code: str, path: str, *, body: Any = None,
             params: dict[str, str] | None = None) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError("Magento unreachable")
        return {"entries": []}


def reader(outbox: Outbox) -> OutboxReader:
    return OutboxReader(outbox, "magento", Cursors(), lambda events: 0, lambda code: [])  # type: ignore[arg-type]


def test_failed_reads_back_off_under_the_policy_then_the_interval_resumes() -> None:
    outbox = Outbox(failures=3)
    waits: list[float] = []
    reader(outbox).run(interval_s=2.0, should_stop=lambda: outbox.calls >= 4, sleep=waits.append)
    assert outbox.calls == 4
    policy = outbox_read_failure(2.0)
    assert waits == [policy.delay(1), policy.delay(2), policy.delay(3), 2.0] == [2.0, 4.0, 8.0, 2.0]


def test_the_failure_pause_is_capped_at_a_minute_or_the_interval() -> None:
    assert outbox_read_failure(2.0).delay(20) == 60.0
    assert outbox_read_failure(120.0).delay(3) == 120.0


def test_a_stop_while_magento_is_down_ends_the_loop_without_raising() -> None:
    outbox = Outbox(failures=10**6)
    waits: list[float] = []
    reader(outbox).run(should_stop=lambda: outbox.calls >= 3, sleep=waits.append)
    assert outbox.calls == 3 and len(waits) == 2
