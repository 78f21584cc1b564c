"""The reserver's event handling, independent of Faust: decode, judge, publish, store.

Outputs are published (and acknowledged) before the order's new state is written, and the state's
changelog record is acknowledged before the handler returns (so before Faust may commit the
input offset): a crash or a rebalance in between re-emits the same deterministic facts instead of
losing them or a state change."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime

from schemas import DecodeError, Event, decode, encode
from schemas.envelope import order_key, split_order_key
from schemas.events.magento import MagentoOrderCreatedV1
from schemas.events.poller import AmazonOrderChangedV1
from schemas.events.reservations import ReservationFailedV1, ReservationPlacedV1, ReservationReleasedV1
from schemas.topics import RESERVATIONS, dead_letter_topic
from services.common.deadletters import dead_letter, record_time
from services.common.logging import get_logger
from services.common.partitioned_table import States
from services.inventory_reserver import metrics
from services.inventory_reserver.domain import Decision, ReservationState, handle, reserved_units, settle
from services.inventory_reserver.domain.ledger import OrderInput
from services.inventory_reserver.sink import Sink
from services.stores.directory import StoreDirectory

log = get_logger(__name__)

SERVICE = "inventory_reserver"
DLQ_TOPIC = dead_letter_topic(SERVICE)


class UnknownStore(ValueError):
    pass


class Reserver:
    def __init__(self, table: States, stores: StoreDirectory, sink: Sink) -> None:
        self.table = table
        self.stores = stores
        self.sink = sink
        # One order is judged at a time: the sweeper and the agent never race on one key.
        self.lock = asyncio.Lock()
        self.units: Counter[tuple[str, str]] = Counter()

    # --- input -------------------------------------------------------------------------

    async def on_record(self, topic: str, partition: int, offset: int, key: bytes | None,
                        value: bytes | None, timestamp_ms: int | None) -> None:
        metrics.EVENTS.labels(topic=topic).inc()
        try:
            event = self._relevant(decode(value or b""))
            if event is None:
                return
            store_id = split_order_key(event.key)[0]
            history = self.stores.history(store_id)
            if history is None:
                await self.stores.sync()
                history = self.stores.history(store_id)
            if history is None:
                raise UnknownStore(f"no store {store_id!r} on the stores topic")
        except (DecodeError, UnknownStore, ValueError) as exc:
            await self.dead_letter(str(exc), type(exc).__name__, topic, partition, offset,
                                   key, value, timestamp_ms)
            return
        async with self.lock:
            state = self._load(event.key)
            decision = handle(state, event, history)
            log.debug("judged", key=event.key, event_type=event.event_type, topic=topic, partition=partition,
                      offset=offset, before=state.phase.value, after=decision.state.phase.value,
                      outputs=[o.event_type for o in decision.outputs])
            await self._commit(state, decision)

    def _relevant(self, event: Event) -> OrderInput | None:
        if isinstance(event, AmazonOrderChangedV1):
            expected = order_key(event.data.store_id, event.data.order.amazon_order_id)
            if event.key != expected:
                raise ValueError(f"key {event.key!r} does not match its order {expected!r}")
            return event
        if isinstance(event, MagentoOrderCreatedV1):
            split_order_key(event.key)  # raises ValueError when it is not an order key
            return event
        return None  # other facts on these topics do not concern reservations

    async def dead_letter(self, reason: str, error_type: str, topic: str, partition: int, offset: int,
                          key: bytes | None, value: bytes | None, timestamp_ms: int | None) -> None:
        letter = dead_letter(service=SERVICE, reason=reason, error=error_type,
                             occurred_at=record_time(timestamp_ms), raw_key=key, raw_value=value,
                             source_topic=topic, partition=partition, offset=offset)
        await self.sink.send(DLQ_TOPIC, letter.key, encode(letter))
        metrics.DEAD_LETTERS.inc()
        log.warning("dead letter", reason=reason, topic=topic, partition=partition, offset=offset)

    # --- time ------------------------------------------------------------------------------

    async def sweep(self, now: datetime, interrupted: Callable[[], bool] = lambda: False,
                    owns: Callable[[str], bool] = lambda key: True) -> int:
        """Release what expired (or whose store stopped reserving) by ``now``, for the keys this
        worker ``owns`` (its active partitions). Returns releases. Stops early when
        ``interrupted()`` (a rebalance: the partitions may no longer be ours)."""
        released = 0
        for key in [k for k, _ in self._held() if owns(k)]:
            if interrupted():
                return released
            async with self.lock:
                state = self._load(key)
                decision = settle(state, self.stores.history(state.store_id), now)
                released += len(decision.outputs)
                await self._commit(state, decision)
        self.refresh_units(owns)
        return released

    def _held(self) -> Iterator[tuple[str, ReservationState]]:
        for key, raw in list(self.table.items()):
            if raw is not None:
                state = ReservationState.from_bytes(raw)
                if state.held:
                    yield key.decode(), state

    # --- state -----------------------------------------------------------------------------

    def _load(self, key: str) -> ReservationState:
        raw = self.table.get(key.encode())
        return ReservationState.from_bytes(raw) if raw is not None else ReservationState.new(key)

    async def _commit(self, before: ReservationState, decision: Decision) -> None:
        for fact in decision.outputs:
            await self.sink.send(RESERVATIONS, fact.key, encode(fact))
            _count(fact)
        if decision.state != before:
            await self.table.put_many({decision.state.key.encode(): decision.state.to_bytes()})
            self._adjust_units(before, -1)
            self._adjust_units(decision.state, +1)
        if decision.outputs:
            metrics.export_reserved_units(self.units)

    def _adjust_units(self, state: ReservationState, sign: int) -> None:
        if state.held:
            for item in state.items:
                self.units[(state.store_id, item.sku)] += sign * item.quantity
                if not self.units[(state.store_id, item.sku)]:
                    del self.units[(state.store_id, item.sku)]

    def refresh_units(self, owns: Callable[[str], bool] = lambda key: True) -> None:
        """Recompute this worker's aggregate from its table (after recovery or a rebalance)."""
        self.units = reserved_units(state for key, state in self._held() if owns(key))
        metrics.export_reserved_units(self.units)


def _count(fact: Event) -> None:
    if isinstance(fact, ReservationPlacedV1):
        metrics.PLACED.labels(store=fact.data.store_id).inc()
    elif isinstance(fact, ReservationReleasedV1):
        metrics.RELEASED.labels(store=fact.data.store_id, reason=fact.data.reason).inc()
        if fact.data.reason == "expired":
            metrics.EXPIRED.labels(store=fact.data.store_id).inc()
    elif isinstance(fact, ReservationFailedV1):
        metrics.FAILED.labels(store=fact.data.store_id).inc()
