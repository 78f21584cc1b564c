"""The listener's receive loop without SQS: a failed receive is tried again under SQS_RECEIVE."""

from __future__ import annotations

import asyncio
from typing import Any

from services.poller.notifications.listener import SqsListener


class FlakyQueue:
    """An SQS client that fails ``failures`` receives, then answers empty and stops the listener."""

    def __init__(self, failures: int, stop: asyncio.Event) -> None:
        self.failures = failures
        self.stop = stop
        self.receives = 0

    def receive_message(self, **_: Any) -> dict[str, Any]:
        self.receives += 1
        if self.receives <= self.failures:
            raise ConnectionError("queue unreachable")
        self.stop.set()
        return {}


def test_a_failed_receive_is_retried_with_growing_pauses_until_it_answers() -> None:
    async def scenario() -> tuple[FlakyQueue, list[float]]:
        stop, waits = asyncio.Event(), []
        queue = FlakyQueue(failures=4, stop=stop)

        async def sleep(seconds: float) -> None:
            waits.append(seconds)

        listener = SqsListener(poller=None, sqs=queue, queue_url="q", stores=dict)  # type: ignore[arg-type]
        await asyncio.wait_for(listener.run(stop, sleep=sleep), timeout=5)
        return queue, waits

    queue, waits = asyncio.run(scenario())
    assert queue.receives == 5
    assert len(waits) == 4  # one pause per failure, each within the SQS_RECEIVE bound (full jitter)
    assert all(0 <= w <= bound for w, bound in zip(waits, (1.0, 2.0, 4.0, 8.0), strict=True))
