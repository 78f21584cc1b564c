"""What a service says and reports while its broker is gone, and that client retries stay quiet."""

from __future__ import annotations

import logging

from services.common.broker_watch import SUMMARY_EVERY_S, BrokerState, BrokerWatch, any_reachable
from services.common.logging import RepeatFilter
from services.common.metrics import Health
from services.devbroker import free_port


def test_one_line_per_change_of_state_and_a_summary_a_minute_while_down() -> None:
    state = BrokerState("k1:9092")
    assert state.observe(True, 0.0) is None
    down = state.observe(False, 10.0)
    assert down is not None and "no Kafka broker answers at k1:9092" in down and "resumes by itself" in down
    assert [state.observe(False, 10.0 + t) for t in (5, 20, 40)] == [None, None, None]
    summary = state.observe(False, 10.0 + SUMMARY_EVERY_S)
    assert summary is not None and "still unreachable for 60 s" in summary
    assert state.observe(False, 10.0 + SUMMARY_EVERY_S + 5) is None
    back = state.observe(True, 100.0)
    assert back is not None and "reachable again" in back and "after 90 s" in back
    assert state.observe(True, 105.0) is None


def test_healthz_fails_while_the_broker_is_gone_and_recovers() -> None:
    health = Health()
    answers = iter([True, False, False, True])
    watch = BrokerWatch("k1:9092", health=health, probe=lambda _: next(answers), clock=lambda: 0.0)
    seen = []
    for _ in range(4):
        watch.check()
        seen.append(health.status()[0])
    assert seen == [True, False, False, True]


def test_nothing_listening_is_unreachable() -> None:
    assert any_reachable(f"127.0.0.1:{free_port()}", timeout_s=0.5) is False
    assert any_reachable("not a host list") is False


def test_repeated_client_errors_pass_once_per_window_with_a_count() -> None:
    now = [0.0]
    flt = RepeatFilter(window_s=60.0, clock=lambda: now[0])

    def record(name: str, msg: str, level: int = logging.ERROR) -> logging.LogRecord:
        return logging.LogRecord(name, level, __file__, 1, msg, None, None)

    assert flt.filter(record("kafka.conn", "Connection lost"))
    assert not any(flt.filter(record("kafka.conn", "Connection lost")) for _ in range(100))
    assert flt.filter(record("kafka.conn", "another message"))
    assert flt.filter(record("sales_channel.poller", "Connection lost"))  # our own lines are never dropped
    assert flt.filter(record("kafka.conn", "Connection lost", logging.INFO))
    now[0] = 61.0
    again = record("kafka.conn", "Connection lost")
    assert flt.filter(again) and "100 similar lines suppressed" in str(again.msg)
