"""The Faust application: thin agents around ``Processor``. One agent reads the four
co-partitioned order topics as one stream, so each order's events are folded in order;
a table keyed by order key holds each order's serialised state (changelog-backed)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

import faust
from faust.streams import Stream
from faust.types import TP

from schemas.topics import PREFIX
from services.common.faust_app import App, table_options, worker_options
from services.common.metrics import HEALTH
from services.common.output_producer import OutputProducer
from services.common.partitioned_table import PartitionedTable
from services.common.settings import Settings
from services.common.skipped_records import SkippedRecords
from services.order_processor import metrics
from services.order_processor.aligner import TimeAligner
from services.order_processor.checkpoint import Checkpoint
from services.order_processor.processor import INPUT_TOPICS, Processor, Record
from services.order_processor.watchdog import StallWatch
from services.stores.directory import StoreDirectory

log = logging.getLogger(__name__)

APP_ID = f"{PREFIX}-order-processor"
CRASH_EXIT_CODE = 70
# Events folded per batch: outputs of a batch are sent together and their deliveries awaited
# once, then each order's state is written once. BATCH_WITHIN bounds the wait for a full batch.
BATCH_MAX = int(os.environ.get("ORDER_PROCESSOR_BATCH_MAX", "500"))
BATCH_WITHIN_SECONDS = float(os.environ.get("ORDER_PROCESSOR_BATCH_WITHIN_SECONDS", "0.05"))
STREAM_BUFFER = int(os.environ.get("ORDER_PROCESSOR_STREAM_BUFFER", str(2 * BATCH_MAX)))
# Timestamp alignment of the co-partitioned inputs (aligner.py): how long a record may wait for
# a partition of unknown position / one known to have records not received yet, and how many
# records may be held in all.
ALIGN_IDLE_SECONDS = float(os.environ.get("ORDER_PROCESSOR_ALIGN_IDLE_SECONDS", "0.2"))
ALIGN_BEHIND_SECONDS = float(os.environ.get("ORDER_PROCESSOR_ALIGN_BEHIND_SECONDS", "10"))
COMMIT_INTERVAL_SECONDS = 1.0
ALIGN_READ_BACK_SECONDS = 5.0  # an input partition behind and not moving this long is read back directly
ALIGN_MAX_HELD = int(os.environ.get("ORDER_PROCESSOR_ALIGN_MAX_HELD", "20000"))
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
        settings,  # brokers, TLS and SASL (services/common/kafka_security.py)
        **worker_options(settings, "order-processor"),
        producer_acks=-1,
        # A bounded fetch buffer: Faust polls again only once the agent has taken what it buffered,
        # so a buffer deeper than a few seconds of work exceeds max.poll.interval (10 s in
        # tests) and the member is evicted mid-stream (UnknownMemberId on commit, then a stall).
        stream_buffer_maxsize=STREAM_BUFFER,
        broker_max_poll_records=BATCH_MAX,
        # Commits are ours (checkpoint.py), after folding; Faust's own timer and counter are off.
        broker_commit_interval=10**6,
        broker_commit_every=10**12,
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
                      use_partitioner=True, options=table_options(settings))  # raw: the app's serializers
    stores = StoreDirectory(settings)
    outputs = OutputProducer(settings)
    # States go to the changelog through the same plain producer as the outputs (put_many).
    states = PartitionedTable(table, settings.order_topic_partitions, send=outputs.send_to)
    processor = Processor(states, stores, outputs.send)

    @app.task
    async def read_stores() -> None:
        try:
            await stores.run()
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

    skipped = SkippedRecords(settings, APP_ID)
    aligner: TimeAligner[Record] = TimeAligner(INPUT_TOPICS, max_idle_s=ALIGN_IDLE_SECONDS,
                                               max_behind_s=ALIGN_BEHIND_SECONDS, max_held=ALIGN_MAX_HELD)
    # the consumer exists once the worker starts: looked up at each commit
    checkpoint = Checkpoint(states, commit=lambda: app.consumer.commit(), interval_s=COMMIT_INTERVAL_SECONDS)
    folding = asyncio.Lock()  # the agent and the timer fold one batch at a time

    def behind(tp: tuple[str, int]) -> bool | None:
        """Has this input partition records we have not received? None: not known yet."""
        end = skipped.end_of(tp, app.consumer.highwater(TP(*tp)))
        expected = skipped.expected.get(tp)
        if end is None or expected is None:
            return None
        return expected < end

    async def fold_ready() -> None:
        """Fold what the aligner releases and checkpoint it (checkpoint.py): Faust commits an
        offset only once every record before it is acked, so a record held back is never
        committed unfolded."""
        async with folding:
            now = asyncio.get_running_loop().time()
            await skipped.seek_back(app.consumer, ALIGN_READ_BACK_SECONDS)  # partitions the stream stopped delivering
            records = aligner.release(behind, now)
            if not records:
                await checkpoint.commit_if_due(now)
                return
            await checkpoint.close(await processor.fold(records), records, now)
            HEALTH.beat("order-processor", max_silence_s=3600)

    @app.timer(BATCH_WITHIN_SECONDS)
    async def fold_timer() -> None:
        try:
            await fold_ready()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:
            crash("order agent", exc)

    @app.on_partitions_revoked.connect
    async def revoked(*args: Any, **kwargs: Any) -> None:
        watch.forget_all()
        skipped.forget()

    @app.on_partitions_assigned.connect
    async def on_assigned(*args: Any, **kwargs: Any) -> None:
        assigned: set[TP] = args[1]  # (app, assigned); mode signals pass the sender first
        await skipped.prime([(tp.topic, tp.partition) for tp in assigned if tp.topic in INPUT_TOPICS])

    @app.agent(source)
    async def process(stream: faust.StreamT) -> None:
        try:
            await stores.wait_ready()
            log.info("stores topic read (%d stores): consuming orders", len(stores.histories))
            manual = cast(Stream, stream).noack()  # acked by the checkpoint, once folded
            async for event in manual.events():
                record = Record.from_faust(event.message)
                checkpoint.delivered(record, partial(manual.ack, event))
                now = asyncio.get_running_loop().time()
                for r in await skipped.complete([record]):
                    if r is not record:
                        checkpoint.read_aside(r)
                    aligner.add(r, now)
                if len(aligner) >= BATCH_MAX:
                    await fold_ready()
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
