"""``sales-channel amazon-canceller``: "Cancel on Amazon" requests (``user-requests``) become
acknowledgement feeds, one per store and batch, their outcomes published on ``amazon-confirmations``.

Batching: requests are gathered for ``BATCH_WINDOW_S`` after the first one, then every store's
requests go in one feed (``createFeed`` allows 0.0083 requests/s with a burst of 15 per seller:
one feed per store per window stays far inside it). Input offsets are committed only after every
outcome of the batch was acknowledged; a batch Amazon could not take is read again after a pause."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import defaultdict

from kafka import TopicPartition

from schemas import Event
from schemas.events.fulfillment import AmazonCancelRequestedV1, MagentoCancellationRecordedV1
from schemas.topics import AMAZON_CONFIRMATIONS, MAGENTO_FULFILLMENT, PREFIX, USER_REQUESTS
from services.common.db import upgrade
from services.common.deadletters import DeadLetters
from services.common.kafka import make_consumer, make_producer, poll, publish_sync
from services.common.logging import get_logger
from services.common.metrics import serve
from services.common.settings import Settings
from services.fulfillment.cancel_requests import magento_cancel_request
from services.fulfillment.canceller import Canceller
from services.fulfillment.confirmer import TryLater
from services.fulfillment.db import CancellationFeeds
from services.fulfillment.spapi import ShipmentsClient
from services.fulfillment.stores import follow_stores

log = get_logger(__name__)
GROUP_ID = f"{PREFIX}.amazon-canceller"
SERVICE = "shipment_confirmer"  # Amazon's write side: its topic and dead letters
BATCH_WINDOW_S = 5.0
RETRY_PAUSE_S = 30.0


def request_of(event: Event) -> AmazonCancelRequestedV1 | None:
    """The cancellation an input stands for (None: not one: shipments, retries)."""
    if isinstance(event, AmazonCancelRequestedV1):
        return event
    if isinstance(event, MagentoCancellationRecordedV1):
        return magento_cancel_request(event)
    return None


def run(settings: Settings) -> None:
    upgrade(settings.database_url)
    directory, store_for = follow_stores(settings)
    serve(settings.metrics_port)
    producer = make_producer(settings)
    consumer = make_consumer(settings, GROUP_ID, [USER_REQUESTS, MAGENTO_FULFILLMENT])
    dead_letters = DeadLetters(producer, SERVICE)
    loop = asyncio.new_event_loop()
    client = ShipmentsClient(lwa_token_url=settings.lwa_token_url)
    canceller = Canceller(client, store_for, feeds=CancellationFeeds(settings.database_url))
    stopping = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stopping.update(now=True))

    async def publish(events: list[Event]) -> None:
        publish_sync(producer, AMAZON_CONFIRMATIONS, events)

    log.info("amazon_canceller_started")
    pending: dict[str, list[AmazonCancelRequestedV1]] = defaultdict(list)
    first_offsets: dict[TopicPartition, int] = {}
    window_started: float | None = None
    try:
        while not stopping["now"]:
            for tp, records in poll(consumer, 1000).items():
                first_offsets.setdefault(tp, records[0].offset)
                for record in records:
                    event = dead_letters.decode(record)
                    request = request_of(event) if event is not None else None
                    if request is not None:
                        pending[request.data.store_id].append(request)
                        window_started = window_started or time.monotonic()
            if window_started is None:
                if first_offsets:  # only other requests were read: nothing to wait for
                    consumer.commit()
                    first_offsets.clear()
                continue
            if time.monotonic() - window_started < BATCH_WINDOW_S:
                continue
            try:
                loop.run_until_complete(asyncio.gather(
                    *(canceller.cancel(store_id, requests, publish) for store_id, requests in pending.items())))
            except TryLater as exc:
                log.warning("amazon_cancellation_deferred", reason=str(exc), retry_in_s=RETRY_PAUSE_S)
                for tp, offset in first_offsets.items():
                    consumer.seek(tp, offset)
                time.sleep(RETRY_PAUSE_S)
            else:
                consumer.commit()
            pending.clear()
            first_offsets.clear()
            window_started = None
    finally:
        directory.stop()
        loop.run_until_complete(client.aclose())
        loop.close()
        consumer.close()
        producer.close()
