"""The Faust application: one agent over the co-partitioned order topics, the per-order
table, the stores reader and the expiry sweeper."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NoReturn

import faust
from faust.types import TP

from schemas import DecodeError, topics
from services.common.faust_app import App, table_options, worker_options
from services.common.logging import get_logger
from services.common.metrics import HEALTH
from services.common.output_producer import OutputProducer
from services.common.partitioned_table import PartitionedTable
from services.common.records import InputRecord
from services.common.settings import Settings
from services.common.skipped_records import SkippedRecords
from services.inventory_reserver import metrics
from services.inventory_reserver.partitions import partition_for
from services.inventory_reserver.processor import Reserver
from services.stores.directory import StoreDirectory

log = get_logger(__name__)

CRASH_EXIT_CODE = 70


class CatalogueTopic(faust.Topic):
    """A topic of our catalogue: created by ``ensure_topics``, never declared by Faust."""

    async def declare(self) -> None:
        return None


class AcknowledgedSink:
    """Outputs through the app's own producer (services/common/output_producer.py), each awaited
    until the broker acknowledges it."""

    def __init__(self, producer: OutputProducer) -> None:
        self._producer = producer

    async def send(self, topic: str, key: str, value: bytes) -> None:
        await (await self._producer.send(topic, key.encode(), value))


@dataclass
class ReserverApp:
    app: faust.App
    reserver: Reserver
    stores: StoreDirectory


def die(component: str, exc: BaseException) -> NoReturn:
    """Count, log and end the process at once with ``CRASH_EXIT_CODE``: nothing after the last
    commit is committed, so the supervisor's restart handles the failed event again."""
    metrics.CRASHES.labels(component=component).inc()
    HEALTH.fail(f"reserver.{component}", repr(exc))
    log.error("reserver crashed; exiting", component=component, error=repr(exc), exc_info=exc)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(CRASH_EXIT_CODE)


def app_id() -> str:
    return f"{topics.PREFIX}-inventory-reserver"



READ_BACK_CHECK_SECONDS = 1.0
READ_BACK_AFTER_SECONDS = 5.0  # an input partition behind and not moving this long is read back


def build_app(settings: Settings) -> ReserverApp:
    n = settings.order_topic_partitions
    app = App(
        app_id(),
        settings,  # brokers, TLS and SASL (services/common/kafka_security.py)
        **worker_options(settings, "inventory-reserver"),
    )
    # Per-order reservation state. ``use_partitioner``: the changelog partition comes from the
    # key (the same murmur2 partitioner as the source topics), so the sweeper may write it too.
    # Keys are bytes: Faust serializes every other non-Record key type as JSON ('"store:order"'),
    # which would hash a changelog record to another partition than its source record; raw
    # keys keep them equal, so each worker recovers exactly the orders of its partitions.
    table = app.Table("reservations-by-order", default=None, key_type=bytes, value_type=bytes,
                      partitions=n, use_partitioner=True, options=table_options(settings))
    source = CatalogueTopic(app, topics=[topics.AMAZON_ORDERS, topics.MAGENTO_RESULTS],
                            key_serializer="raw", value_serializer="raw", partitions=n)
    stores = StoreDirectory(settings)
    # Outputs and the table's changelog go through one plain producer, each acknowledged before
    # the handler returns (services/common/partitioned_table.py says why not Faust's buffer).
    outputs = OutputProducer(settings)
    reserver = Reserver(PartitionedTable(table, n, send=outputs.send_to), stores, AcknowledgedSink(outputs))
    bundle = ReserverApp(app, reserver, stores)

    skipped = SkippedRecords(settings, app_id())

    handling = asyncio.Lock()  # the agent and the read-back timer fold one record at a time
    inputs = {topics.AMAZON_ORDERS, topics.MAGENTO_RESULTS}

    @app.on_partitions_revoked.connect
    async def revoked(*args: Any, **kwargs: Any) -> None:
        skipped.forget()

    @app.on_partitions_assigned.connect
    async def on_assigned(*args: Any, **kwargs: Any) -> None:
        assigned: set[TP] = args[1]  # (app, assigned); mode signals pass the sender first
        await skipped.prime([(tp.topic, tp.partition) for tp in assigned if tp.topic in inputs])

    async def handle(r: InputRecord) -> None:
        await reserver.on_record(r.topic, r.partition, r.offset, r.key, r.value, r.timestamp_ms)

    @app.timer(READ_BACK_CHECK_SECONDS)
    async def seek_back_stalled() -> None:
        """Input partitions the stream stopped delivering (services/common/skipped_records.py)."""
        if not stores.ready.is_set():
            return
        try:
            async with handling:
                await skipped.seek_back(app.consumer, READ_BACK_AFTER_SECONDS)
        except Exception as exc:  # noqa: BLE001
            die("read-back", exc)

    @app.agent(source, name="reserve-orders")
    async def reserve_orders(stream: Any) -> None:
        await stores.wait_ready()
        async for event in stream.events():
            m = event.message
            try:
                here = InputRecord.from_faust(m)
                async with handling:
                    for r in await skipped.complete([here]):  # records the stream skipped come first
                        await handle(r)
            except Exception as exc:  # noqa: BLE001 - any unexpected error ends the process
                # Exit here, inside the loop: leaving it would let Faust ack (and commit) the
                # event that failed, so the restart would skip it (faust-streaming #315).
                die("agent", exc)

    async def dead_letter_store_event(r: InputRecord, exc: DecodeError) -> None:
        await reserver.dead_letter(f"undecodable store event: {exc}", type(exc).__name__, r.topic, r.partition,
                                   r.offset, r.key, r.value, r.timestamp_ms)

    @app.task
    async def read_stores() -> None:
        try:
            await stores.run(dead_letter_store_event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001
            die("stores", exc)

    sweep_interval = settings.reserver_sweep_interval_seconds

    @app.timer(sweep_interval)
    async def sweep() -> None:
        recovered = app.tables.recovery.completed.is_set()  # type: ignore[attr-defined]
        if app.rebalancing or not recovered or not stores.ready.is_set():
            return
        try:
            active = {tp.partition for tp in app.assignor.assigned_actives() if tp.topic == topics.AMAZON_ORDERS}
            await reserver.sweep(datetime.now(UTC), interrupted=lambda: bool(app.rebalancing),
                                 owns=lambda key: partition_for(key, n) in active)
            HEALTH.beat("reserver.sweep", max_silence_s=max(sweep_interval * 8, 120.0))
        except Exception as exc:  # noqa: BLE001
            die("sweep", exc)

    return bundle
