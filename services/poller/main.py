"""``sales-channel poller``: poll every enabled store this process owns until SIGTERM/Ctrl-C."""

from __future__ import annotations

import asyncio
import signal
from contextlib import suppress

from schemas.types import StoreConfig
from services.common import secrets
from services.common.kafka import make_producer
from services.common.logging import get_logger
from services.common.metrics import HEALTH, serve
from services.common.settings import Settings
from services.poller.publisher import EventPublisher
from services.poller.scheduler import StoreScheduler
from services.poller.spapi.http import HttpOrdersClient
from services.poller.state import PollerState
from services.poller.store_feed import StoreFeed
from services.poller.sync import Poller

log = get_logger(__name__)

HEARTBEAT_S = 5.0


def build_poller(settings: Settings, client: HttpOrdersClient | None = None) -> Poller:
    def resolve(ref: str) -> object:
        return secrets.resolve(ref, settings.secrets_file)

    client = client or HttpOrdersClient(lwa_token_url=settings.lwa_token_url, resolver=resolve)
    return Poller(client=client, state=PollerState(settings.database_url),
                  publisher=EventPublisher(make_producer(settings)))


async def serve_forever(settings: Settings, stop: asyncio.Event, poller: Poller | None = None) -> None:
    poller = poller or build_poller(settings)
    loop = asyncio.get_running_loop()
    scheduler = StoreScheduler(poller, settings.poller_instance, settings.poller_instances)

    def on_stores(configs: dict[str, StoreConfig]) -> None:
        loop.call_soon_threadsafe(scheduler.update, configs)

    feed = StoreFeed(settings, on_stores).start()
    log.info("poller_started", instance=settings.poller_instance, instances=settings.poller_instances)
    try:
        while not stop.is_set():
            if feed.alive():
                HEALTH.beat("poller", max_silence_s=60.0)
            else:
                HEALTH.fail("poller", f"store feed stopped: {feed.error!r}")
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), HEARTBEAT_S)
    finally:
        log.info("poller_stopping", stores=len(scheduler.tasks))
        await scheduler.stop()  # cancelling mid-window is safe: the checkpoint did not move
        feed.stop()
        await poller.client.aclose()
        await asyncio.to_thread(poller.publisher.producer.flush, 10)
        poller.publisher.producer.close(10)
        log.info("poller_stopped")


def run(settings: Settings) -> None:
    serve(settings.metrics_port)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await serve_forever(settings, stop)

    asyncio.run(main())
