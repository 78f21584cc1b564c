"""``sales-channel shipment-confirmer``: confirm Magento shipments to Amazon, one outcome each."""

from __future__ import annotations

import asyncio
import signal
import time

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import CommitFailedError

from schemas import Event
from schemas.topics import AMAZON_CONFIRMATIONS, MAGENTO_FULFILLMENT, PREFIX
from services.common.deadletters import DeadLetters
from services.common.kafka import make_consumer, make_producer, poll, publish_sync
from services.common.logging import get_logger
from services.common.metrics import serve
from services.common.retry import SHIPMENT_DEFERRED
from services.common.settings import Settings
from services.fulfillment.confirmer import Confirmer, TryLater
from services.fulfillment.facts_reader import FactsReader
from services.fulfillment.spapi import ShipmentsClient
from services.fulfillment.stores import follow_stores

log = get_logger(__name__)
GROUP_ID = f"{PREFIX}.shipment-confirmer"
SERVICE = "shipment_confirmer"


def run(settings: Settings) -> None:
    directory, store_for = follow_stores(settings)
    serve(settings.metrics_port)
    producer = make_producer(settings)
    consumer = make_consumer(settings, GROUP_ID, [MAGENTO_FULFILLMENT])
    dead_letters = DeadLetters(producer, SERVICE)
    loop = asyncio.new_event_loop()
    client = ShipmentsClient(lwa_token_url=settings.lwa_token_url)
    facts = FactsReader(settings)
    confirmer = Confirmer(client, store_for, facts.view)
    stopping = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stopping.update(now=True))
    facts.catch_up(timeout_s=120.0)  # at start: the facts so far (else getOrder until caught up)
    log.info("shipment_confirmer_started", amazon_orders_open=len(facts.facts))
    deferred = 0  # consecutive deferrals: the pause grows under the SHIPMENT_DEFERRED policy
    try:
        while not stopping["now"]:
            batch = poll(consumer, 1000)
            if batch:
                facts.catch_up()  # Amazon's facts written before these shipments, read first
            for tp, records in batch.items():
                outcomes: list[Event] = []
                for record in records:
                    event = dead_letters.decode(record)
                    if event is None:
                        continue
                    try:
                        out = loop.run_until_complete(confirmer.handle(event))
                    except TryLater as exc:
                        deferred += 1
                        pause = SHIPMENT_DEFERRED.delay(deferred)
                        log.warning("shipment_confirmation_deferred", reason=str(exc), retry_in_s=round(pause, 1))
                        publish_sync(producer, AMAZON_CONFIRMATIONS, outcomes)
                        _commit(consumer, tp, record.offset)
                        consumer.seek(tp, record.offset)  # again after a pause; same package id: an edit
                        time.sleep(pause)
                        break
                    deferred = 0
                    if out is not None:
                        outcomes.append(out)
                else:
                    publish_sync(producer, AMAZON_CONFIRMATIONS, outcomes)
                    _commit(consumer, tp, records[-1].offset + 1)
    finally:
        directory.stop()
        facts.close()
        loop.run_until_complete(client.aclose())
        loop.close()
        consumer.close()
        producer.close()


def _commit(consumer: KafkaConsumer, tp: TopicPartition, offset: int) -> None:
    try:
        consumer.commit({tp: _meta(offset)})
    except CommitFailedError:
        # rebalanced away: the new owner confirms these again, an edit of the same packages
        log.warning("shipment_confirmer_commit_lost", partition=tp.partition)


def _meta(offset: int) -> object:
    from kafka.structs import OffsetAndMetadata

    return OffsetAndMetadata(offset, "", -1)
