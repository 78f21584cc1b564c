"""The Faust ``App`` both stream processors use: stock Faust, connected to the brokers as the
settings say (``kafka_security.faust_options``: broker URLs, TLS/SASL credentials), with the stream
consumer's fetch wait and table recovery's end offsets adjusted only where
``services.common.broker_quirks`` says the broker needs it (notes #9, #12). On Apache Kafka this
is ``faust.App`` with Faust's own transport."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import faust
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TP
from kafka import TopicPartition
from mode.utils.objects import cached_property
from mode.utils.queues import FlowControlEvent

from services.common import broker_quirks
from services.common.kafka import end_offsets
from services.common.kafka_security import faust_options
from services.common.settings import Settings
from services.common.topic_admin import cluster_replication


def worker_datadir(settings: Settings, service: str) -> Path:
    """Where this worker of ``service`` keeps its table stores: several workers of one app may
    run on a host (``WORKER_INDEX``), and a RocksDB store is locked by the process that opened it."""
    return settings.data_dir / service / f"worker-{settings.worker_index}"


# RocksDB table stores keep one database per partition, each with Faust's defaults of a 2 GiB
# block cache, 500 MiB compressed cache and three 64 MiB memtables: memory then grows with the
# data written until those caps. These bound a worker's table memory to about 40 MiB per
# partition; reads of orders not in the cache go to disk (the OS page cache).
ROCKSDB_OPTIONS: dict[str, int] = {
    "write_buffer_size": 16 * 1024**2,
    "max_write_buffer_number": 2,
    "target_file_size_base": 16 * 1024**2,
    "block_cache_size": 4 * 1024**2,
    "block_cache_compressed_size": 1 * 1024**2,
}


def worker_options(settings: Settings, service: str) -> dict[str, Any]:
    """What every Faust worker of ours shares: its store and directory, the order topics' partition
    count and the cluster's replication, no standby replicas (each worker recovers its own partitions
    from its store and changelog; the reserver's sweeper must see only its active ones), at-least-once,
    the group timeouts of ``Settings``, raw keys and values (the producers' murmur2 partitions) and
    no web server (``/metrics`` and ``/healthz`` are ours). Asks the cluster for its size."""
    return dict(
        store=settings.faust_store,
        datadir=str(worker_datadir(settings, service)),
        topic_partitions=settings.order_topic_partitions,
        topic_replication_factor=cluster_replication(settings),
        table_standby_replicas=0,
        processing_guarantee="at_least_once",
        broker_session_timeout=settings.kafka_session_timeout_ms / 1000,
        broker_heartbeat_interval=settings.kafka_heartbeat_interval_ms / 1000,
        broker_rebalance_timeout=settings.kafka_rebalance_timeout_ms / 1000,
        broker_max_poll_interval=settings.kafka_max_poll_interval_ms / 1000,
        consumer_auto_offset_reset="earliest",
        key_serializer="raw",
        value_serializer="raw",
        web_enabled=False,
    )


def table_options(settings: Settings) -> dict[str, int]:
    """Store options of a table (a new dict each time: Faust's RocksDB store pops from it)."""
    return dict(ROCKSDB_OPTIONS) if settings.faust_store.startswith("rocksdb") else {}


async def exact_highwaters(settings: Settings, reported: Mapping[TP, int]) -> dict[TP, int]:
    """``reported`` end offsets confirmed against the broker (never lowered)."""
    if not any(end > 0 for end in reported.values()):
        return dict(reported)
    by_kafka_tp = {TopicPartition(tp.topic, tp.partition): tp for tp in reported}
    exact = await asyncio.get_running_loop().run_in_executor(None, end_offsets, settings, list(by_kafka_tp))
    return {tp: max(reported[tp], exact.get(ktp, 0)) for ktp, tp in by_kafka_tp.items()}


class ExactEndsConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: faust_aiokafka.Transport) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # Faust hard-codes a 1.5 s fetch wait, which some brokers hold a fetch for (note #12).
        wait_ms = broker_quirks.stream_fetch_max_wait_ms()
        if wait_ms is not None:
            consumer._fetch_max_wait_ms = wait_ms
        return consumer

    async def _highwaters(self, partitions: list[TP]) -> Mapping[TP, int]:
        reported = await super()._highwaters(partitions)
        if self.consumer.in_transaction:  # last stable offsets: not ours to second-guess
            return reported
        return await exact_highwaters(cast(App, self.transport.app).settings, reported)


class ExactEndsConsumer(faust_aiokafka.Consumer):
    def _new_consumer_thread(self) -> faust_aiokafka.AIOKafkaConsumerThread:
        return ExactEndsConsumerThread(self, loop=self.loop, beacon=self.beacon)


class ExactEndsTransport(faust_aiokafka.Transport):
    Consumer = ExactEndsConsumer


class ResumeOnceFlowControl(FlowControlEvent):
    """Flow control whose ``resume()`` clears the stream queues only when flow was suspended.

    Stock mode clears every queue on each ``resume()``. Table recovery resumes flow, awaits the
    consumer's seek to the committed offsets and resumes again; records the fetcher queued in
    between (already past the fetch position) were thrown away, so after a restart the first
    fetch of a partition never reached the agent (docs/tansu-notes.md #10, reproduction
    docs/repro/faust_skip_after_restart.py: 4 of 5 trials on Kafka lose records, 0 of 5 with this).
    A rebalance still empties the queues: Faust suspends flow and calls ``clear()`` itself."""

    def resume(self) -> None:
        if not self.is_active():
            super().resume()


class App(faust.App):
    """``faust.App`` connected as ``settings`` say, with :class:`ResumeOnceFlowControl`; on a broker
    whose end offsets can be short, with :class:`ExactEndsTransport` as its consumer transport
    (recovery reads each changelog to its real end, note #9)."""

    def __init__(self, id: str, settings: Settings, **options: Any) -> None:
        super().__init__(id, **faust_options(settings), **options)
        self.settings = settings

    @cached_property
    def flow_control(self) -> FlowControlEvent:
        return ResumeOnceFlowControl(loop=self.loop)

    def _new_transport(self) -> Any:
        if broker_quirks.short_end_offsets():
            return ExactEndsTransport(self.conf.broker_consumer, self)
        return super()._new_transport()


class Worker(faust.Worker):
    """``faust.Worker`` whose log handlers collapse repeated client warnings (a lost broker makes
    aiokafka log every retry, ~110 lines a second): services/common/logging.py ``RepeatFilter``."""

    def on_setup_root_logger(self, logger: Any, level: int) -> None:
        super().on_setup_root_logger(logger, level)
        from services.common.logging import RepeatFilter

        repeat = RepeatFilter()
        for handler in logger.handlers:
            if not any(isinstance(f, RepeatFilter) for f in handler.filters):
                handler.addFilter(repeat)
