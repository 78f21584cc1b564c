"""``services.common.kafka.poll``: a retriable broker error raised out of ``KafkaConsumer.poll``
(the group coordinator's node refusing connections while it restarts) is a poll that returned
nothing; any other error still ends the caller (the projector once exited on ECONNREFUSED when a
test killed a partition leader)."""

from __future__ import annotations

from typing import Any

import pytest
from kafka.errors import CommitFailedError, KafkaConnectionError

from services.common.kafka import poll


class Consumer:
    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[int, int | None]] = []

    def poll(self, timeout_ms: int = 0, max_records: int | None = None) -> Any:
        self.calls.append((timeout_ms, max_records))
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


def test_a_refused_connection_is_an_empty_poll_and_the_next_poll_reads() -> None:
    consumer = Consumer(KafkaConnectionError("111 ECONNREFUSED"), {"tp": ["record"]})
    assert poll(consumer, 10, 5) == {}  # type: ignore[arg-type]
    assert poll(consumer, 10, 5) == {"tp": ["record"]}  # type: ignore[arg-type]
    assert consumer.calls == [(10, 5), (10, 5)]


def test_an_error_that_is_not_retriable_is_raised() -> None:
    with pytest.raises(CommitFailedError):
        poll(Consumer(CommitFailedError("rebalanced")), 10)  # type: ignore[arg-type]


def test_failed_polls_are_said_once_a_minute(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> None:
    from services.common import kafka

    monkeypatch.setattr(kafka, "_poll_warned", [-kafka.POLL_WARN_EVERY_S])
    consumer = Consumer(*[KafkaConnectionError("111 ECONNREFUSED")] * 5)
    with caplog.at_level("WARNING", logger=kafka.log.name):
        for _ in range(5):
            assert poll(consumer, 1) == {}  # type: ignore[arg-type]
    assert [r.getMessage().count("ECONNREFUSED") for r in caplog.records] == [1]
