"""Detects an input partition that has records to read but whose fetch position stopped moving
(a known faust-streaming failure mode after a rebalance, anchors B.3 #629; seen here on the dev
broker after a restart). The app then exits non-zero so the supervisor restarts the worker."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field


@dataclass
class StallWatch:
    stall_after_s: float
    _seen: dict[Hashable, tuple[int, float]] = field(default_factory=dict)

    def stalled(self, tp: Hashable, position: int | None, highwater: int | None, now: float) -> bool:
        """True when ``tp`` is behind its highwater and its position has not moved for
        ``stall_after_s`` seconds."""
        if position is None or highwater is None or position >= highwater:
            self._seen.pop(tp, None)
            return False
        previous = self._seen.get(tp)
        if previous is None or previous[0] != position:
            self._seen[tp] = (position, now)
            return False
        return now - previous[1] >= self.stall_after_s

    def forget_all(self) -> None:
        self._seen.clear()
