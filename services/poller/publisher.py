"""Adapter: publish events and await the broker's acknowledgement without blocking the loop,
and record dead letters."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from kafka import KafkaProducer

from schemas import Event
from services.common.deadletters import DeadLetters
from services.common.kafka import publish

SERVICE = "poller"


class EventPublisher:
    def __init__(self, producer: KafkaProducer) -> None:
        self.producer = producer
        self.dead_letters = DeadLetters(producer, SERVICE)

    async def publish_all(self, topic: str, events: Sequence[Event], timeout_s: float = 60.0) -> None:
        """Send every event and return once the broker has acknowledged all of them."""
        if not events:
            return
        loop = asyncio.get_running_loop()
        waits: list[asyncio.Future[Any]] = []
        for event in events:
            fut: asyncio.Future[Any] = loop.create_future()
            kafka_future = publish(self.producer, topic, event)
            kafka_future.add_callback(_settle, loop, fut)
            kafka_future.add_errback(_settle_error, loop, fut)
            waits.append(fut)
        done, pending = await asyncio.wait(waits, timeout=timeout_s)
        if pending:
            raise TimeoutError(f"the broker did not acknowledge {len(pending)} event(s) within {timeout_s}s")
        for fut in done:
            fut.result()  # raises the first send error

    async def dead_letter(self, *, reason: str, error: BaseException | str, key: str,
                          raw: Any) -> None:
        raw_value = json.dumps(raw, default=str, sort_keys=True).encode()
        await asyncio.to_thread(self.dead_letters.record, reason=reason, error=error, key=key,
                                raw_value=raw_value)


def _settle(loop: asyncio.AbstractEventLoop, fut: asyncio.Future[Any], metadata: Any) -> None:
    if not loop.is_closed():
        loop.call_soon_threadsafe(_set_result, fut, metadata)


def _settle_error(loop: asyncio.AbstractEventLoop, fut: asyncio.Future[Any], exc: BaseException) -> None:
    if not loop.is_closed():
        loop.call_soon_threadsafe(_set_exception, fut, exc)


def _set_result(fut: asyncio.Future[Any], value: Any) -> None:
    if not fut.done():
        fut.set_result(value)


def _set_exception(fut: asyncio.Future[Any], exc: BaseException) -> None:
    if not fut.done():
        fut.set_exception(exc)
