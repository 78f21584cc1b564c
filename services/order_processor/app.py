"""The Faust application: thin agents around ``Processor``. One agent reads the four
co-partitioned order topics as one stream, so each order's events are folded in order;
a table keyed by order key holds each order's serialised state (changelog-backed)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from dataclasses import dataclass
from typing import Any, cast

import faust
from faust.streams import Stream

from schemas.topics import PREFIX
from services.common.faust_app import App
from services.common.kafka import faust_broker_url
from services.common.metrics import HEALTH
from services.common.settings import Settings
from services.common.skipped_records import SkippedRecords
from services.order_processor import metrics
from services.order_processor.ordering import by_time
from services.order_processor.outputs import OutputProducer
from services.order_processor.processor import INPUT_TOPICS, Processor, Record
from services.order_processor.stores import StoreDirectory
from services.order_processor.watchdog import StallWatch

log = logging.getLogger(__name__)

APP_ID = f"{PREFIX}-order-processor"
CRASH_EXIT_CODE = 70
# Events folded per batch: outputs of a batch are sent together and their deliveries awaited
# once, then each order's state is written once. BATCH_WITHIN bounds the wait for a full batch.
BATCH_MAX = int(os.environ.get("ORDER_PROCESSOR_BATCH_MAX", "500"))
BATCH_WITHIN_SECONDS = float(os.environ.get("ORDER_PROCESSOR_BATCH_WITHIN_SECONDS", "0.05"))
STREAM_BUFFER = 2 * BATCH_MAX
STALL_SECONDS = float(os.environ.get("ORDER_PROCESSOR_STALL_SECONDS", "60"))
WATCHDOG_INTERVAL_SECONDS = 5.0
PROGRESS_LOG_SECONDS = float(os.environ.get("ORDER_PROCESSOR_PROGRESS_SECONDS", "30"))


@dataclass
class ProcessorApp:
    app: faust.App
    processor: Processor
    stores: StoreDirectory



def build_app(settings: Settings) -> ProcessorApp:
    app = App(
        APP_ID,
        broker=faust_broker_url(settings.kafka_bootstrap_servers),
        store=settings.faust_store,
        datadir=str(settings.data_dir / "order-processor"),
        topic_partitions=settings.order_topic_partitions,
        topic_replication_factor=1,
        processing_guarantee="at_least_once",
        broker_session_timeout=settings.kafka_session_timeout_ms / 1000,
        broker_heartbeat_interval=settings.kafka_heartbeat_interval_ms / 1000,
        broker_rebalance_timeout=settings.kafka_rebalance_timeout_ms / 1000,
        broker_max_poll_interval=settings.kafka_max_poll_interval_ms / 1000,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        web_enabled=False,
        # A bounded fetch buffer: Faust polls again only once the agent has taken what it buffered,
        # so a buffer deeper than a few seconds of work exceeds max.poll.interval (10 s on Tansu in
        # tests) and the member is evicted mid-stream (UnknownMemberId on commit, then a stall).
        stream_buffer_maxsize=STREAM_BUFFER,
        broker_max_poll_records=BATCH_MAX,
        key_serializer="raw",
        value_serializer="raw",
    )
    # Catalogue topics are not internal, so Faust never declares them (`topics create` does);
    # only the table changelog and the assignor topic are Faust's own.
    source = app.topic(*INPUT_TOPICS, key_type=bytes, value_type=bytes,
                       key_serializer="raw", value_serializer="raw")
    # use_partitioner: a batch is written after its events, outside any one event's context, so
    # the changelog partition comes from the key (murmur2, as every producer of the input topics
    # uses), which is the partition of the order's input events.
    table = app.Table("order-state", default=None, key_type=bytes, value_type=bytes,
                      partitions=settings.order_topic_partitions,
                      use_partitioner=True)  # raw: the app's serializers
    stores = StoreDirectory()
    outputs = OutputProducer(settings.kafka_bootstrap_servers)
    processor = Processor(table, stores, outputs.send)  # type: ignore[arg-type]

    @app.task
    async def read_stores() -> None:
        try:
            await stores.run(settings.kafka_bootstrap_servers)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            crash("stores reader", exc)

    @table.on_recover
    async def recovered() -> None:
        processor.recount()

    @app.timer(PROGRESS_LOG_SECONDS)
    async def progress() -> None:
        log.info("processed %d events; %d stores known; assigned %s", processor.handled,
                 len(stores.histories), sorted(str(tp) for tp in app.consumer.assignment()))

    watch = StallWatch(STALL_SECONDS)

    @app.timer(WATCHDOG_INTERVAL_SECONDS)
    async def watchdog() -> None:
        now = asyncio.get_running_loop().time()
        for tp in list(app.consumer.assignment()):
            if tp.topic not in INPUT_TOPICS:
                continue
            position = await app.consumer.position(tp)
            if watch.stalled(tp, position, app.consumer.highwater(tp), now):
                crash("order agent", RuntimeError(f"{tp.topic}[{tp.partition}] stalled at offset {position} "
                                                  f"for {STALL_SECONDS:.0f}s with records behind it"))

    skipped = SkippedRecords(settings.kafka_bootstrap_servers, APP_ID, Record.from_kafka)

    @app.on_partitions_revoked.connect
    async def revoked(*args: Any, **kwargs: Any) -> None:
        watch.forget_all()
        skipped.forget()

    @app.agent(source)
    async def process(stream: faust.StreamT) -> None:
        try:
            await stores.ready.wait()
            log.info("stores topic read (%d stores): consuming orders", len(stores.histories))
            batches = cast(Stream, stream).take_events  # StreamT does not declare it; Stream does
            async for events in batches(BATCH_MAX, within=BATCH_WITHIN_SECONDS):
                records = [Record(m.topic, m.partition, m.offset, m.key, m.value, int(m.timestamp * 1000))
                           for m in (event.message for event in events)]
                await processor.handle_batch(by_time(await skipped.complete(records)))
                HEALTH.beat("order-processor", max_silence_s=3600)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            crash("order agent", exc)

    return ProcessorApp(app, processor, stores)


def crash(component: str, exc: BaseException) -> None:
    """An agent that stops consuming must not go unnoticed: count it and exit non-zero, so
    the supervisor restarts the worker, which resumes from its last commit."""
    metrics.AGENT_CRASHES.inc()
    HEALTH.fail(component, repr(exc))
    log.critical("%s crashed, exiting: %r", component, exc, exc_info=exc)
    sys.stderr.flush()
    os._exit(CRASH_EXIT_CODE)
