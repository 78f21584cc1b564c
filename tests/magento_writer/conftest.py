"""Fixtures for the writer's integration tests: the Magento stand-in served in-thread (OAuth 1.0a
integration keys in MAGENTO_AUTH), the writer running in-process on the real broker and
PostgreSQL, a producer for commands and a reader of MAGENTO_RESULTS."""

from __future__ import annotations

import json
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from schemas.envelope import Event
from schemas.topics import MAGENTO_RESULTS, ORDER_COMMANDS, RESERVATIONS
from services.common.kafka import make_producer, publish_sync
from services.common.retry import RetryPolicy
from services.common.settings import Settings
from services.magento_writer.context import WriterContext
from services.magento_writer.main import build_context, build_loop
from services.magento_writer.runner import WriterLoop
from tests.harness import TopicReader

FAST_RETRIES = RetryPolicy(max_attempts=4, base_s=0.05, cap_s=0.2)


@pytest.fixture(scope="module")
def magento() -> Iterator[Any]:
    from sandbox._server import serve_in_thread
    from sandbox.magento import MagentoState, create_app

    state = MagentoState()
    keys = state.create_integration("sales-channel-tests")
    secret = json.dumps(
        {k: keys[k] for k in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")}
    )
    handle = serve_in_thread(create_app(state))
    previous = os.environ.get("MAGENTO_AUTH")
    os.environ["MAGENTO_AUTH"] = secret
    state.url = handle.url  # type: ignore[attr-defined]
    state.auth_secret = secret  # type: ignore[attr-defined]
    try:
        yield state
    finally:
        handle.stop()
        if previous is None:
            os.environ.pop("MAGENTO_AUTH", None)
        else:
            os.environ["MAGENTO_AUTH"] = previous


@pytest.fixture(scope="module")
def writer_settings(topics: Settings, magento: Any) -> Settings:
    return topics.model_copy(update={"magento_base_url": magento.url, "writer_concurrency": 4})


class InProcessWriter:
    """The writer's loop on a thread of the test process (same code as ``magento-writer``)."""

    def __init__(self, settings: Settings, policy: RetryPolicy = FAST_RETRIES) -> None:
        self.settings = settings
        self.ctx: WriterContext = build_context(settings, policy)
        self.loop: WriterLoop = build_loop(settings, self.ctx)
        self.thread = threading.Thread(target=self.loop.run, name="writer-under-test", daemon=True)

    def start(self) -> InProcessWriter:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.loop.stop_event.set()
        self.thread.join(60)
        self.loop.consumer.close()
        self.loop.producer.close(10)
        self.ctx.client.close()
        self.ctx.ledger.dispose()


@pytest.fixture(scope="module")
def writer(writer_settings: Settings) -> Iterator[InProcessWriter]:
    w = InProcessWriter(writer_settings).start()
    try:
        yield w
    finally:
        w.stop()


def _writer_threads() -> str:
    """Where each in-process writer thread and each kafka-python IO thread stands: a wait that timed
    out says why the writer said nothing (a writer once sat in poll() waiting on its IO thread)."""
    frames = sys._current_frames()
    stacks = [f"--- thread {t.name}:\n" + "".join(traceback.format_stack(frames[t.ident])[-12:])
              for t in threading.enumerate() if t.name.startswith(("writer", "kafka-io")) and t.ident in frames]
    return "in-process writer threads:\n" + ("\n".join(stacks) if stacks else "none")


class Bus:
    """Publishes commands/facts and waits for the writer's results of one order key."""

    def __init__(self, settings: Settings) -> None:
        self.producer = make_producer(settings)
        self.results = TopicReader(settings, MAGENTO_RESULTS)

    def command(self, *events: Event, topic: str = ORDER_COMMANDS) -> None:
        publish_sync(self.producer, topic, events)

    def reservation(self, *events: Event) -> None:
        publish_sync(self.producer, RESERVATIONS, events)

    def results_for(self, key: str) -> list[Event]:
        self.results.poll(100)
        return [e for e in self.results.events if e.key == key]

    def wait(
        self, key: str, predicate: Callable[[list[Event]], bool], timeout: float = 45.0, what: str = "results"
    ) -> list[Event]:
        try:
            self.results.wait_for(lambda events: predicate([e for e in events if e.key == key]), timeout, what)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{_writer_threads()}") from None
        return [e for e in self.results.events if e.key == key]

    def close(self) -> None:
        self.results.close()
        self.producer.close(10)


@pytest.fixture(scope="module")
def bus(writer_settings: Settings) -> Iterator[Bus]:
    b = Bus(writer_settings)
    try:
        yield b
    finally:
        b.close()


def ledger_row(settings: Settings, store: str, amazon_id: str) -> dict[str, Any] | None:
    from sqlalchemy import text

    from services.common.db import get_engine

    with get_engine(settings.database_url).connect() as conn:
        row = (
            conn.execute(
                text("SELECT * FROM magento_writer_orders WHERE store_id = :s AND amazon_order_id = :a"),
                {"s": store, "a": amazon_id},
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None
