"""The running service: follows the stores topic, polls enabled stores, stops cleanly."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from schemas.events.poller import AmazonOrderChangedV1
from schemas.topics import AMAZON_ORDERS
from services.common.metrics import HEALTH
from services.common.settings import Settings
from services.poller.main import serve_forever
from services.stores.registry import publish_config
from tests.harness import TopicReader
from tests.poller.conftest import Sandbox, make_poller

pytestmark = pytest.mark.integration


def test_follows_the_stores_topic_and_stops_cleanly(topics: Settings, sandbox: Sandbox) -> None:
    sb = sandbox
    a = sb.add_store("svc-a", initial_import="none", poll_interval=1)
    b = sb.add_store("svc-b", initial_import="none", poll_interval=1)
    first = sb.state.create_order(a.seller_id, status="UNSHIPPED")
    sb.advance(4)
    publish_config(topics, a, "integrated", a.integration_time)

    loop_box: dict[str, asyncio.AbstractEventLoop] = {}
    stop_box: dict[str, asyncio.Event] = {}
    errors: list[BaseException] = []

    def service() -> None:
        async def main() -> None:
            loop_box["loop"] = asyncio.get_running_loop()
            stop_box["stop"] = stop = asyncio.Event()
            await serve_forever(topics, stop, make_poller(topics, sb))

        try:
            asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=service, daemon=True)
    thread.start()
    reader = TopicReader(topics, AMAZON_ORDERS)
    try:

        def ids(store_id: str) -> set[str]:
            return {
                e.data.order.amazon_order_id
                for e in reader.events
                if isinstance(e, AmazonOrderChangedV1) and e.data.store_id == store_id
            }

        reader.wait_for(lambda _: first.order_id in ids("svc-a"), 30, "svc-a's order")
        assert HEALTH.status()[0]

        # A new store is picked up while running; a disabled one is no longer polled.
        publish_config(topics, a.model_copy(update={"enabled": False}), "disabled")
        time.sleep(1.5)  # the feed applies the change within its poll interval
        later = sb.state.create_order(a.seller_id, status="UNSHIPPED")
        second = sb.state.create_order(b.seller_id, status="UNSHIPPED")
        sb.advance(4)
        publish_config(topics, b, "integrated", b.integration_time)
        reader.wait_for(lambda _: second.order_id in ids("svc-b"), 30, "svc-b's order")
        time.sleep(2.5)  # more than two poll intervals of svc-a
        reader.poll(500)
        assert later.order_id not in ids("svc-a")
    finally:
        reader.close()
        if "loop" in loop_box:
            loop_box["loop"].call_soon_threadsafe(stop_box["stop"].set)
        thread.join(20)
    assert not thread.is_alive() and errors == []
