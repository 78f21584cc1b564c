"""The sandbox clock: real time, real time with an offset, or frozen (and moved by hand).

All order timestamps, token expiries and the two-minute rule read this clock."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta


def utc_now() -> datetime:
    return datetime.now(UTC)


def whole_seconds(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def format_time(moment: datetime) -> str:
    """Amazon's ISO 8601 form: ``2026-01-01T12:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """Parse ISO 8601 (``Z`` or an offset; naive means UTC). Raises ``ValueError``."""
    value = datetime.fromisoformat(text.strip().replace("z", "Z"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class SandboxClock:
    """Thread-safe controllable clock."""

    def __init__(self, source: Callable[[], datetime] = utc_now) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._offset = timedelta()
        self._frozen_at: datetime | None = None

    def now(self) -> datetime:
        with self._lock:
            if self._frozen_at is not None:
                return self._frozen_at
            return self._source() + self._offset

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    @property
    def offset_seconds(self) -> float:
        return self._offset.total_seconds()

    def freeze(self, at: datetime | None = None) -> datetime:
        """Stop the clock at ``at`` (default: the current sandbox time)."""
        moment = at if at is not None else self.now()
        with self._lock:
            self._frozen_at = moment.astimezone(UTC)
            return self._frozen_at

    def unfreeze(self) -> None:
        """Run again from the frozen moment (kept as an offset from real time)."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - self._source()
                self._frozen_at = None

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward (or back, for negative values) whether frozen or running."""
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += timedelta(seconds=seconds)
            else:
                self._offset += timedelta(seconds=seconds)
        return self.now()

    def set_offset(self, seconds: float) -> datetime:
        """Run in real time shifted by ``seconds`` (unfreezes)."""
        with self._lock:
            self._frozen_at = None
            self._offset = timedelta(seconds=seconds)
        return self.now()

    def reset(self) -> None:
        with self._lock:
            self._frozen_at = None
            self._offset = timedelta()

    def describe(self) -> dict[str, object]:
        return {"now": format_time(self.now()), "frozen": self.frozen, "offset_seconds": self.offset_seconds}
