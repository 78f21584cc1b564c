"""Input records in, their outputs out: decode (poison goes to the dead-letter topic), load each
order's state, ``apply`` the rules, send the outputs. What a batch produced is made durable by
``checkpoint.py`` (outputs acknowledged, then states stored, then input offsets committed)."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence

from schemas import DecodeError, decode, encode
from schemas.envelope import Event
from schemas.events.lifecycle import MagentoOrderRequestedV1, OrderLogAppendedV1, OrderStateChangedV1
from schemas.events.magento import MagentoReservationSyncedV1
from schemas.events.poller import AmazonOrderChangedV1
from schemas.topics import (
    AMAZON_CONFIRMATIONS,
    AMAZON_ORDERS,
    MAGENTO_RESULTS,
    RESERVATIONS,
    USER_REQUESTS,
    dead_letter_topic,
    topic_of,
)
from schemas.types import StoreConfig
from services.common.deadletters import dead_letter, record_time
from services.common.partitioned_table import States
from services.common.records import InputRecord
from services.order_processor import metrics
from services.order_processor.checkpoint import Folded, make_durable
from services.order_processor.domain import OrderState, apply
from services.order_processor.domain.messages import IMPORTED
from services.order_processor.domain.status import tab_status
from services.stores.directory import StoreDirectory

log = logging.getLogger(__name__)

# Which event types each input topic may carry; anything else is dead-lettered.
ACCEPTED: dict[str, frozenset[str]] = {
    AMAZON_ORDERS: frozenset({"amazon.order.changed"}),
    MAGENTO_RESULTS: frozenset({"magento.order.created", "magento.order.failed", "magento.order.deleted",
                                "magento.order.canceled", "magento.order.shipped",
                                "magento.reservation.synced"}),
    RESERVATIONS: frozenset({"reservation.placed", "reservation.released", "reservation.failed"}),
    USER_REQUESTS: frozenset({"order.magento_retry.requested", "order.amazon_cancel.requested"}),
    AMAZON_CONFIRMATIONS: frozenset({"amazon.shipment.confirmation", "amazon.cancellation"}),
}
INPUT_TOPICS = tuple(ACCEPTED)
SERVICE = "order_processor"
DEAD_LETTERS = dead_letter_topic(SERVICE)

Send = Callable[[str, bytes, bytes], Awaitable[object]]


Record = InputRecord  # the name the processor and its tests use


class Poison(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class Processor:
    def __init__(self, table: States, stores: StoreDirectory, send: Send) -> None:
        self.table = table
        self.stores = stores
        self.send = send
        self.status_counts = metrics.StatusCounts()
        self.handled = 0

    async def handle(self, record: Record) -> None:
        """Fold one record and make it durable (tests and tools; the app checkpoints batches)."""
        await make_durable(await self.fold([record]), self.table)

    async def fold(self, records: Sequence[Record]) -> Folded:
        """Fold ``records`` in order: outputs are sent without waiting for each, one new state per
        order. Nothing is durable yet: ``checkpoint.py`` awaits the deliveries, then stores the
        states (the changelog must never get ahead of the outputs it implies)."""
        staged: dict[bytes, OrderState] = {}
        folded = Folded()
        for record in records:
            started = time.perf_counter()
            self.handled += 1
            try:
                event = self._decode(record)
                if isinstance(event, MagentoReservationSyncedV1):
                    metrics.count_event(event.event_type)
                    continue
                key = event.key.encode()
                state = staged[key] if key in staged else self._load(key)
                config = await self._config(event, state)
                outcome = apply(state, event, config)
            except Poison as exc:
                folded.deliveries.append(await self._dead_letter(record, exc.code, exc.detail, exc))
                continue
            except Exception as exc:  # a bug or impossible input must not stop the partition
                log.exception("cannot process %s[%s]@%s", record.topic, record.partition, record.offset)
                folded.deliveries.append(await self._dead_letter(record, "processing_error", str(exc), exc))
                continue
            metrics.count_event(event.event_type)
            if outcome.changed and outcome.state is not None:
                folded.deliveries.extend([await self.send(topic_of(out.event_type), key, encode(out))
                                          for out in outcome.outputs])
                staged[key] = outcome.state
                self._observe(state, outcome.state, outcome.outputs)
            metrics.DURATION.observe(time.perf_counter() - started)
        folded.states = {key: state.to_bytes() for key, state in staged.items()}
        return folded

    def _load(self, key: bytes) -> OrderState | None:
        raw = self.table.get(key)
        return OrderState.from_bytes(raw) if raw else None

    def _decode(self, record: Record) -> Event:
        accepted = ACCEPTED.get(record.topic)
        if accepted is None:
            raise Poison("unexpected_topic", record.topic)
        try:
            event = decode(record.value or b"")
        except DecodeError as exc:
            raise Poison("decode_error", str(exc)) from exc
        if event.event_type not in accepted:
            raise Poison("unexpected_event", f"{event.event_type} on {record.topic}")
        if record.key is not None and record.key.decode(errors="replace") != event.key:
            raise Poison("key_mismatch", f"record key {record.key!r} != event key {event.key!r}")
        return event

    async def _config(self, event: Event, state: OrderState | None) -> StoreConfig | None:
        store_id = state.store_id if state else event.key.partition(":")[0]
        config = self.stores.config_at(store_id, event.occurred_at)
        if config is None and isinstance(event, AmazonOrderChangedV1):
            await self.stores.sync()  # the store may have been integrated a moment ago
            config = self.stores.config_at(store_id, event.occurred_at)
            if config is None:
                raise Poison("unknown_store", f"no store {store_id!r} on the stores topic")
        return config

    async def _dead_letter(self, record: Record, code: str, detail: str, exc: BaseException) -> object:
        metrics.DEAD_LETTERS.labels(code).inc()
        event = dead_letter(service=SERVICE, reason=f"{code}: {detail}"[:2000], error=exc,
                            occurred_at=record_time(record.timestamp_ms), raw_key=record.key,
                            raw_value=record.value, source_topic=record.topic, partition=record.partition,
                            offset=record.offset)
        return await self.send(DEAD_LETTERS, event.key.encode(), encode(event))

    def _observe(self, old: OrderState | None, new: OrderState, outputs: list[Event]) -> None:
        for out in outputs:
            if isinstance(out, OrderLogAppendedV1) and out.data.entry.message == IMPORTED:
                metrics.IMPORTS.labels(new.store_id).inc()
            elif isinstance(out, MagentoOrderRequestedV1):
                metrics.MAGENTO_REQUESTS.labels(new.store_id).inc()
        if any(isinstance(o, OrderStateChangedV1) for o in outputs):
            self.status_counts.move(new.store_id, status_of(old), status_of(new))

    def recount(self) -> None:
        """After table recovery (each rebalance): count every tracked order of this worker once."""
        self.status_counts.reset()
        for raw in list(self.table.values()):
            if raw:
                state = OrderState.from_bytes(raw)
                self.status_counts.move(state.store_id, None, status_of(state))


def status_of(state: OrderState | None) -> str | None:
    if state is None or state.excluded or state.order is None or state.version == 0:
        return None
    return tab_status(state.order.status, state.magento_complete).value
