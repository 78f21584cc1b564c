"""Ends a process whose main loop stopped turning, so that its supervisor starts it again.

A service's consumer loop beats ``HEALTH`` on every turn; ``/healthz`` answers 503 once it has
been silent for its limit. A loop that stays silent far longer is blocked for good: kafka-python
3.0 has been seen waiting forever inside ``poll()`` on its IO thread after a group coordinator
change (the group then drops the member and its partitions sit unread). Nothing inside the
process brings such a loop back; a restart does, and is safe because every consumer commits only
what it finished (the writer's ledger makes a re-run command a no-op). The watchdog logs every
thread's stack, then exits with ``STUCK_EXIT_CODE``."""

from __future__ import annotations

import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from services.common.metrics import HEALTH, Health

log = logging.getLogger("sales_channel.watchdog")

STUCK_EXIT_CODE = 70
STUCK_AFTER_S = 300.0  # a consumer loop turns at least once a second; /healthz says 503 after 120 s
CHECK_EVERY_S = 5.0


def thread_stacks() -> str:
    """Every thread's name and stack, for the log line of a stuck process."""
    names = {t.ident: t.name for t in threading.enumerate()}
    return "\n".join(f"--- thread {names.get(ident, ident)}\n" + "".join(traceback.format_stack(frame))
                     for ident, frame in sys._current_frames().items())


def _exit(message: str) -> None:
    log.critical("%s; exiting so that the process is started again\n%s", message, thread_stacks())
    for handler in logging.getLogger().handlers:
        handler.flush()
    os._exit(STUCK_EXIT_CODE)


@dataclass
class StuckLoopWatchdog:
    """Watches ``component``'s beats in ``health``; ``on_stuck`` (default: log the stacks and exit)
    once it has been silent for ``stuck_after_s``."""

    component: str
    stuck_after_s: float = STUCK_AFTER_S
    health: Health = HEALTH
    on_stuck: Callable[[str], None] = _exit
    _stop: threading.Event = field(default_factory=threading.Event)

    def check(self) -> bool:
        """True (and ``on_stuck`` called) when the loop has been silent for ``stuck_after_s``."""
        silent = self.health.silent_for(self.component)
        if silent is None or silent < self.stuck_after_s:
            return False
        self.on_stuck(f"{self.component} made no progress for {silent:.0f} s (limit {self.stuck_after_s:.0f} s)")
        return True

    def start(self, every_s: float = CHECK_EVERY_S) -> StuckLoopWatchdog:
        self.health.expect(self.component, max_silence_s=self.stuck_after_s)  # until the first beat

        def watch() -> None:
            while not self._stop.wait(every_s):
                if self.check():
                    return

        threading.Thread(target=watch, name=f"watchdog-{self.component}", daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
