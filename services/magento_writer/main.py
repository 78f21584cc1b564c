"""``sales-channel magento-writer``: wire the client, ledger and Kafka loop, then run until SIGTERM."""

from __future__ import annotations

import gc
import signal
from collections.abc import Sequence
from types import FrameType

from sqlalchemy.exc import SQLAlchemyError

from schemas import Event
from schemas.topics import ORDER_COMMANDS, ORDER_LIFECYCLE, PREFIX, RESERVATIONS
from schemas.types import AmazonOrder
from services.common import metrics as common_metrics
from services.common.deadletters import DeadLetters
from services.common.kafka import make_consumer, make_producer
from services.common.lag import export_consumer_lag
from services.common.logging import get_logger
from services.common.retry import MAGENTO_CALL, RetryPolicy
from services.common.settings import Settings
from services.common.stuck_loop import StuckLoopWatchdog
from services.magento_writer.catalog import Catalog
from services.magento_writer.context import WriterContext
from services.magento_writer.handlers import answers_for, handles
from services.magento_writer.ledger import Ledger
from services.magento_writer.magento.auth import resolve_auth
from services.magento_writer.magento.client import MagentoClient
from services.magento_writer.runner import WriterLoop
from services.pii import access as pii_access

SERVICE = "magento_writer"
GROUP_ID = f"{PREFIX}.magento-writer"  # follows TOPIC_PREFIX like every group
log = get_logger(__name__)


def commands_in_flight(settings: Settings) -> int:
    """Commands executing at once: ``WRITER_CONCURRENCY`` (Magento calls in flight, the client's cap)
    plus a quarter more. A command spends ~10 % of its time outside Magento calls (ledger round trips,
    handing over its results); with exactly as many commands as call slots, a slot sat idle meanwhile.
    The extra commands do that work while every call slot stays busy; Magento never sees more than
    ``WRITER_CONCURRENCY`` calls at once."""
    return settings.writer_concurrency + max(1, settings.writer_concurrency // 4)


def build_context(settings: Settings, policy: RetryPolicy | None = None) -> WriterContext:
    client = MagentoClient(
        settings.magento_base_url,
        resolve_auth(settings.magento_auth_ref, settings.secrets_file),
        max_connections=settings.writer_concurrency,
    )
    if not settings.magento_reservations_module:
        log.warning(
            "reservations_not_synced",
            reason="MAGENTO_RESERVATIONS_MODULE is false: reservations are not applied in Magento",
        )
    return WriterContext(
        client=client,
        ledger=Ledger(settings.database_url, commands_in_flight(settings)),
        catalog=Catalog(client),
        policy=policy or MAGENTO_CALL,
        payment_method=settings.magento_payment_method,
        shipping_method=settings.magento_shipping_method,
        reservations_module=settings.magento_reservations_module,
    )


def prefetch_buyer_keys(commands: Sequence[Event]) -> None:
    """The data keys of a polled batch's sealed orders in one key-store query, instead of one per
    order when its handler opens it (issue 20: sealing's cost to the writer). An optimisation only:
    when the store cannot be read now, each handler reads its own key under its retry policy."""
    carried = (getattr(getattr(c, "data", None), "order", None) for c in commands)  # order requests carry one
    orders = [order for order in carried if isinstance(order, AmazonOrder)]
    try:
        pii_access.prefetch(orders)
    except (SQLAlchemyError, OSError) as exc:
        log.warning("buyer_keys_prefetch_failed", orders=len(orders), error=type(exc).__name__)


def build_loop(settings: Settings, ctx: WriterContext, group_id: str = GROUP_ID) -> WriterLoop:
    concurrency = commands_in_flight(settings)
    # A short fetch wait: the loop also schedules finished orders' next commands between polls.
    consumer = make_consumer(settings, group_id, [], max_poll_records=concurrency * 2, fetch_max_wait_ms=50)
    producer = make_producer(settings)
    loop = WriterLoop(
        consumer, producer, DeadLetters(producer, SERVICE), lambda e: answers_for(ctx, e), handles, concurrency,
        on_batch=prefetch_buyer_keys,
    )
    # ORDER_LIFECYCLE: commands written before the split (issue 15); its view facts are skipped.
    loop.subscribe([ORDER_COMMANDS, ORDER_LIFECYCLE, RESERVATIONS])
    return loop


def run(settings: Settings) -> None:
    common_metrics.serve(settings.metrics_port)
    ctx = build_context(settings)
    loop = build_loop(settings, ctx)

    def stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping", signal=signum)
        loop.stop_event.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # What start-up built (libraries, clients, models) is never garbage: keep full collections, which
    # stop every worker thread, from walking it again (~75 ms each otherwise).
    gc.collect()
    gc.freeze()
    log.info("magento_writer_started", magento=settings.magento_base_url, concurrency=settings.writer_concurrency)
    lag = export_consumer_lag(SERVICE, loop.consumer, settings)
    watchdog = StuckLoopWatchdog("magento_writer").start()
    try:
        loop.run()
    finally:
        watchdog.stop()
        lag.stop()
        loop.consumer.close()
        loop.producer.flush(10)
        loop.producer.close(10)
        ctx.client.close()
        ctx.ledger.dispose()
