"""State transitions of one order's reservation.

``apply`` judges one input event with the store config in force at its ``occurred_at``.
``settle`` releases what time alone releases (expiry, the store turning reservations off)
up to a moment; callers settle up to an event's ``occurred_at`` before applying it, and the
sweeper settles up to the wall clock. Both emit ``occurred_at`` from the data (``expires_at``,
the setting's ``effective_at``), so a replay reproduces the same facts."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from schemas.envelope import Event
from schemas.events.magento import MagentoOrderCreatedV1
from schemas.events.poller import AmazonOrderChangedV1
from schemas.events.reservations import ReleaseReason
from schemas.types import StoreConfig
from services.inventory_reserver.domain import events
from services.inventory_reserver.domain.policy import (
    is_canceled,
    is_pending,
    magento_order_expected,
    reservable_items,
    reserving,
    tracked,
)
from services.inventory_reserver.domain.state import Phase, ReservationState
from services.stores.history import StoreHistory

OrderInput = AmazonOrderChangedV1 | MagentoOrderCreatedV1


class Decision(NamedTuple):
    state: ReservationState
    outputs: tuple[Event, ...] = ()


def _release(state: ReservationState, reason: ReleaseReason, at: datetime,
             causation_id: str | None) -> Decision:
    fact = events.released(state, reason, at, causation_id)
    return Decision(state.model_copy(update={"phase": Phase.CLOSED, "awaiting_magento_order": False,
                                             "closed_reason": f"released:{reason}"}), (fact,))


def _close(state: ReservationState, why: str, **update: object) -> Decision:
    return Decision(state.model_copy(update={"phase": Phase.CLOSED, "closed_reason": why, **update}))


def apply(state: ReservationState | None, event: OrderInput, config: StoreConfig | None) -> Decision:
    """One input event for this order. ``config``: the store's config at ``event.occurred_at``
    (None: the store was not integrated then, so the order is not tracked)."""
    state = state or ReservationState.new(event.key)
    if isinstance(event, MagentoOrderCreatedV1):
        return _on_magento_order_created(state, event)
    return _on_amazon_order_changed(state, event, config)


def _on_magento_order_created(state: ReservationState, event: MagentoOrderCreatedV1) -> Decision:
    """The Magento order holds the stock from now on: release a held reservation.

    Before any Amazon fact (or while open), only remember it: live, the order's Pending and
    later facts always come first (a Magento order is requested only after the order leaves
    Pending), but a replay reads the topics side by side and may deliver this result first. The
    Amazon facts then take the path they took live (``_open`` places and releases at once), so
    the rebuilt state does not depend on how the topics were interleaved."""
    if not state.magento_order_created:
        state = state.model_copy(update={"magento_order_created": True, "magento_created_at": event.occurred_at,
                                         "magento_created_event_id": event.event_id})
    if state.phase is Phase.HELD:
        return _release(state, "magento_order_created", event.occurred_at, event.event_id)
    return Decision(state)


def _on_amazon_order_changed(state: ReservationState, event: AmazonOrderChangedV1,
                             config: StoreConfig | None) -> Decision:
    order = event.data.order
    state = state.model_copy(update={"last_status": order.status})
    if state.phase is Phase.CLOSED:
        return Decision(state)
    if state.phase is Phase.NEW:
        if config is None or not tracked(order, config, event.data.initial_import):
            return _close(state, "untracked")
        if not is_pending(order.status):
            return _close(state, "not_pending_when_first_seen")
        state = state.model_copy(update={"phase": Phase.OPEN})
    if state.phase is Phase.OPEN:
        return _open(state, event, config)
    return _held(state, event, config)


def _open(state: ReservationState, event: AmazonOrderChangedV1, config: StoreConfig | None) -> Decision:
    order = event.data.order
    if not is_pending(order.status):
        return _close(state, "left_pending_unreserved")
    if config is None or not reserving(config):
        return Decision(state)  # may still be reserved if the store turns reservations on
    reservable = reservable_items(order)
    if reservable.problem:
        fact = events.failed(state, reservable.problem, event.occurred_at, event.event_id)
        return Decision(state.model_copy(update={"phase": Phase.CLOSED, "closed_reason": "failed"}), (fact,))
    if not reservable.items:
        return Decision(state)  # nothing unshipped to hold: not a failure
    days = config.settings.reservation_expiry_days
    state = state.model_copy(update={
        "phase": Phase.HELD,
        "items": reservable.items,
        "magento_stock_id": config.magento_stock_id,
        "placed_at": event.occurred_at,
        "expires_at": event.occurred_at + timedelta(days=days) if days else None,
    })
    placed = events.placed(state, event.occurred_at, event.event_id)
    if state.magento_order_created and state.magento_created_at is not None:
        at = max(state.magento_created_at, event.occurred_at)  # never before the placement
        released = _release(state, "magento_order_created", at, state.magento_created_event_id)
        return Decision(released.state, (placed, *released.outputs))
    return Decision(state, (placed,))


def _held(state: ReservationState, event: AmazonOrderChangedV1, config: StoreConfig | None) -> Decision:
    order = event.data.order
    if is_pending(order.status):
        return Decision(state)
    if is_canceled(order.status):
        return _release(state, "canceled", event.occurred_at, event.event_id)
    if config is not None and magento_order_expected(order, config):
        return Decision(state.model_copy(update={"awaiting_magento_order": True}))
    return _release(state, "shipped", event.occurred_at, event.event_id)


def _setting_off_at(state: ReservationState, history: StoreHistory | None,
                    until: datetime) -> datetime | None:
    """When, after placement and up to ``until``, the store stopped reserving (or was disabled)."""
    if history is None or state.placed_at is None:
        return None
    for at, config in zip(history.times, history.configs, strict=True):
        if state.placed_at < at <= until and not reserving(config):
            return at
    return None


def settle(state: ReservationState, history: StoreHistory | None, until: datetime) -> Decision:
    """Release a held reservation that expired, or whose store stopped reserving, by ``until``;
    whichever happened first wins."""
    if state.phase is not Phase.HELD:
        return Decision(state)
    candidates: list[tuple[datetime, ReleaseReason]] = []
    if state.expires_at is not None and state.expires_at <= until:
        candidates.append((state.expires_at, "expired"))
    off_at = _setting_off_at(state, history, until)
    if off_at is not None:
        candidates.append((off_at, "store_setting"))
    if not candidates:
        return Decision(state)
    at, reason = min(candidates)
    return _release(state, reason, at, None)


def handle(state: ReservationState | None, event: OrderInput, history: StoreHistory | None) -> Decision:
    """Settle up to the event's time, then apply it with the config in force at that time."""
    state = state or ReservationState.new(event.key)
    settled = settle(state, history, event.occurred_at)
    config = history.at(event.occurred_at) if history is not None else None
    applied = apply(settled.state, event, config)
    return Decision(applied.state, settled.outputs + applied.outputs)
