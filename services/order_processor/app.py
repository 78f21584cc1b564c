"""The Faust application: thin agents around ``Processor``. One agent reads the four
co-partitioned order topics as one stream, so each order's events are folded in order;
a table keyed by order key holds each order's serialised state (changelog-backed)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from dataclasses import dataclass
from typing import Any

import faust

from schemas.topics import PREFIX
from services.common.kafka import faust_broker_url
from services.common.metrics import HEALTH
from services.common.settings import Settings
from services.order_processor import metrics
from services.order_processor.processor import INPUT_TOPICS, Processor, Record
from services.order_processor.stores import StoreDirectory
from services.order_processor.watchdog import StallWatch

log = logging.getLogger(__name__)

APP_ID = f"{PREFIX}-order-processor"
CRASH_EXIT_CODE = 70
STREAM_BUFFER = 64
STALL_SECONDS = float(os.environ.get("ORDER_PROCESSOR_STALL_SECONDS", "60"))
WATCHDOG_INTERVAL_SECONDS = 5.0
PROGRESS_LOG_SECONDS = float(os.environ.get("ORDER_PROCESSOR_PROGRESS_SECONDS", "30"))


@dataclass
class ProcessorApp:
    app: faust.App
    processor: Processor
    stores: StoreDirectory



def build_app(settings: Settings) -> ProcessorApp:
    app = faust.App(
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
        # A small fetch buffer: Faust polls again only once the agent has taken what it buffered,
        # so a deep buffer at a few hundred events/s exceeds max.poll.interval (10 s on Tansu in
        # tests) and the member is evicted mid-stream (UnknownMemberId on commit, then a stall).
        stream_buffer_maxsize=STREAM_BUFFER,
        broker_max_poll_records=STREAM_BUFFER,
        key_serializer="raw",
        value_serializer="raw",
    )
    # Catalogue topics are not internal, so Faust never declares them (`topics create` does);
    # only the table changelog and the assignor topic are Faust's own.
    source = app.topic(*INPUT_TOPICS, key_type=bytes, value_type=bytes,
                       key_serializer="raw", value_serializer="raw")
    table = app.Table("order-state", default=None, key_type=bytes, value_type=bytes,
                      partitions=settings.order_topic_partitions)  # raw: the app's serializers
    stores = StoreDirectory()
    outputs: dict[str, Any] = {}

    async def send(topic: str, key: bytes, value: bytes) -> object:
        channel = outputs.get(topic)
        if channel is None:
            channel = outputs[topic] = app.topic(topic, key_serializer="raw", value_serializer="raw")
        # force: send now, not "attached" to the source offset's commit. Outputs must reach the
        # producer before the table's changelog write (see processor.py), and commits may be rare.
        return await channel.send(key=key, value=value, force=True)

    processor = Processor(table, stores, send)  # type: ignore[arg-type]

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

    @app.on_partitions_revoked.connect
    async def revoked(*args: Any, **kwargs: Any) -> None:
        watch.forget_all()

    @app.agent(source)
    async def process(stream: faust.StreamT) -> None:
        try:
            await stores.ready.wait()
            log.info("stores topic read (%d stores): consuming orders", len(stores.histories))
            async for event in stream.events():
                message = event.message
                await processor.handle(Record(message.topic, message.partition, message.offset,
                                              message.key, message.value, int(message.timestamp * 1000)))
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
