"""Where the reserver's output goes: an interface, so the processor runs without Faust in tests."""

from __future__ import annotations

from typing import Protocol


class Sink(Protocol):
    async def send(self, topic: str, key: str, value: bytes) -> None:
        """Publish one record and return once the broker has acknowledged it."""
