"""Commit positions: per partition, the lowest offset still unfinished (or one past the highest
finished when nothing is open), so a crash never skips a command that had not produced its result."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Partition:
    open: set[int] = field(default_factory=set)
    high: int = -1  # highest offset seen
    committed: int | None = None


class OffsetTracker:
    def __init__(self) -> None:
        self._parts: dict[tuple[str, int], _Partition] = {}

    def started(self, tp: tuple[str, int], offset: int) -> None:
        part = self._parts.setdefault(tp, _Partition())
        part.open.add(offset)
        part.high = max(part.high, offset)

    def finished(self, tp: tuple[str, int], offset: int) -> None:
        part = self._parts.get(tp)
        if part is not None:
            part.open.discard(offset)

    def position(self, tp: tuple[str, int]) -> int | None:
        part = self._parts.get(tp)
        if part is None or part.high < 0:
            return None
        return min(part.open) if part.open else part.high + 1

    def to_commit(self) -> dict[tuple[str, int], int]:
        """Positions that moved since the last ``committed`` call."""
        out: dict[tuple[str, int], int] = {}
        for tp, part in self._parts.items():
            pos = self.position(tp)
            if pos is not None and pos != part.committed:
                out[tp] = pos
        return out

    def committed(self, positions: dict[tuple[str, int], int]) -> None:
        for tp, pos in positions.items():
            if tp in self._parts:
                self._parts[tp].committed = pos

    def forget(self, tps: set[tuple[str, int]]) -> None:
        for tp in tps:
            self._parts.pop(tp, None)

    def open_count(self, tps: set[tuple[str, int]]) -> int:
        return sum(len(self._parts[tp].open) for tp in tps if tp in self._parts)
