"""The stuck-loop watchdog: a loop silent for its limit ends the process (here: a recorded call),
with every thread's stack in the log line; a loop that beats, or one not watched, is left alone."""

from __future__ import annotations

import threading
import time

from services.common.metrics import Health
from services.common.stuck_loop import StuckLoopWatchdog, thread_stacks
from tests.harness import FakeClock


def test_a_loop_silent_for_its_limit_is_stuck_and_one_that_beats_is_not() -> None:
    clock = FakeClock()
    health = Health(clock=clock)
    said: list[str] = []
    watchdog = StuckLoopWatchdog("writer", stuck_after_s=300, health=health, on_stuck=said.append)
    assert not watchdog.check()  # not watched yet
    health.beat("writer", max_silence_s=120)
    clock.now += 299
    assert not watchdog.check() and said == []
    health.beat("writer", max_silence_s=120)
    clock.now += 300
    assert watchdog.check()
    assert said == ["writer made no progress for 300 s (limit 300 s)"]
    assert health.silent_for("writer") == 300 and health.silent_for("other") is None


def test_started_it_expects_a_first_beat_and_calls_out_a_loop_that_never_turns() -> None:
    health = Health()
    stuck = threading.Event()
    watchdog = StuckLoopWatchdog("projector", stuck_after_s=0.2, health=health, on_stuck=lambda _m: stuck.set())
    watchdog.start(every_s=0.05)
    try:
        assert "projector" in health.components()
        assert stuck.wait(5)
    finally:
        watchdog.stop()


def test_stopped_it_says_nothing_more() -> None:
    clock = FakeClock()
    health = Health(clock=clock)
    said: list[str] = []
    watchdog = StuckLoopWatchdog("writer", stuck_after_s=10, health=health, on_stuck=said.append).start(every_s=0.02)
    watchdog.stop()
    clock.now += 60  # silent long past its limit, once stopped
    time.sleep(0.2)
    assert said == []


def test_the_stacks_name_every_thread() -> None:
    stacks = thread_stacks()
    assert f"--- thread {threading.current_thread().name}" in stacks
    assert "test_the_stacks_name_every_thread" in stacks
