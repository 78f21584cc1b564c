"""Optional background generator: every ``interval_seconds`` (real time) each seller gets new
orders and random transitions, so a standalone sandbox looks like a live marketplace."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

from sandbox.spapi.state import SandboxState


@dataclass(frozen=True)
class AutoTick:
    interval_seconds: float
    new_orders_per_seller: int = 1
    transitions_per_seller: int = 2


async def _tick_forever(state: SandboxState, plan: AutoTick) -> None:
    while True:
        await asyncio.sleep(plan.interval_seconds)
        await asyncio.to_thread(state.tick_all, plan.new_orders_per_seller, plan.transitions_per_seller)


@contextlib.asynccontextmanager
async def ticking(state: SandboxState, plan: AutoTick | None) -> AsyncIterator[None]:
    """Run the generator for as long as the app lives (nothing when ``plan`` is ``None``)."""
    if plan is None:
        yield
        return
    task = asyncio.create_task(_tick_forever(state, plan))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
