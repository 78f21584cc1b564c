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
from services.pii.access import sealer
from services.poller.notifications.cadence import PushCadence, counting_poll
from services.poller.notifications.config import NotificationSettings
from services.poller.notifications.listener import SqsListener
from services.poller.notifications.subscriptions import build_check
from services.poller.publisher import EventPublisher
from services.poller.scheduler import StoreScheduler, owns
from services.poller.spapi.http import HttpOrdersClient
from services.poller.state import PollerState
from services.poller.sync import Poller, poll_store
from services.stores.directory import StoreDirectory

log = get_logger(__name__)

HEARTBEAT_S = 5.0


def build_poller(settings: Settings, client: HttpOrdersClient | None = None) -> Poller:
    def resolve(ref: str) -> object:
        return secrets.resolve(ref, settings.secrets_file)

    seal = sealer(settings.database_url, settings.secrets_file)  # first: refuses at once without a KEK
    client = client or HttpOrdersClient(lwa_token_url=settings.lwa_token_url, resolver=resolve)
    return Poller(client=client, state=PollerState(settings.database_url),
                  publisher=EventPublisher(make_producer(settings)), sealer=seal)


async def serve_forever(settings: Settings, stop: asyncio.Event, poller: Poller | None = None) -> None:
    poller = poller or build_poller(settings)
    loop = asyncio.get_running_loop()
    push = NotificationSettings()
    cadence = PushCadence(slow_factor=push.slow_factor)
    scheduler = StoreScheduler(poller, settings.poller_instance, settings.poller_instances,
                               poll=counting_poll(cadence, poll_store) if push.enabled else poll_store,
                               interval=cadence.interval if push.enabled else None)
    known: dict[str, StoreConfig] = {}

    def mine(store_id: str) -> bool:
        return owns(store_id, settings.poller_instance, settings.poller_instances)

    subscriptions = build_check(settings, push, mine) if push.enabled else None
    checks: set[asyncio.Task[object]] = set()

    def adopt(configs: dict[str, StoreConfig]) -> None:
        known.clear()
        known.update(configs)
        scheduler.update(configs)
        if subscriptions is not None:  # subscriptions checked at start and for stores added later
            task: asyncio.Task[object] = asyncio.create_task(subscriptions.check(dict(configs)))
            checks.add(task)
            task.add_done_callback(checks.discard)

    def on_stores(configs: dict[str, StoreConfig]) -> None:
        loop.call_soon_threadsafe(adopt, configs)

    listener_task: asyncio.Task[None] | None = None
    if push.enabled:
        listener = SqsListener(poller, push.sqs_client(), push.queue_url, lambda: known,
                               owns=mine,
                               wait_time_s=push.wait_time_seconds, on_notified=cadence.notified,
                               on_receive=cadence.received)
        listener_task = asyncio.create_task(listener.run(stop), name="notifications")
        log.info("notifications_listening")

    feed = StoreDirectory(settings, on_change=on_stores).start()
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
        if listener_task is not None:  # unacknowledged messages stay in SQS and come back
            listener_task.cancel()
            await asyncio.gather(listener_task, return_exceptions=True)
        for task in list(checks):
            task.cancel()
        await asyncio.gather(*checks, return_exceptions=True)
        if subscriptions is not None:
            await subscriptions.api.aclose()
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
