"""``apply(state, event, store_config) -> Outcome``: the product's order rules, pure."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from schemas.envelope import Event
from schemas.events.fulfillment import AmazonCancellationV1, ShipmentConfirmationV1
from schemas.events.lifecycle import LogLevel
from schemas.events.magento import (
    MagentoOrderCanceledV1,
    MagentoOrderCanceledV2,
    MagentoOrderCreatedV1,
    MagentoOrderDeletedV1,
    MagentoOrderFailedV1,
    MagentoOrderShippedV1,
    MagentoOrderShippedV2,
)
from schemas.events.poller import AmazonOrderChangedV1, detailed_order_of, tracks_of
from schemas.events.requests import MagentoRetryRequestedV1, MagentoRetryRequestedV2
from schemas.events.reservations import ReservationFailedV1, ReservationPlacedV1, ReservationReleasedV1
from schemas.registry import decode, encode
from schemas.types import AmazonStatus, MagentoState, StoreConfig, TabStatus
from services.order_processor.domain import messages as msg
from services.order_processor.domain.admission import admitted
from services.order_processor.domain.effects import Effects
from services.order_processor.domain.state import MAX_PARKED, OrderState
from services.order_processor.domain.status import (
    CANCELED,
    JOINS_TAB,
    SHIPPED,
    tab_status,
    wants_magento_order,
)

# Re-requests of a failed Magento order triggered by Amazon changes (user retries are unlimited).
MAX_AUTO_RETRIES = 3

# A Magento order exists and can still be canceled or shipped.
HAS_MAGENTO_ORDER = frozenset({MagentoState.CREATED, MagentoState.COMPLETE})
# No Magento order will ever be requested again.
FINAL = frozenset({MagentoState.CREATED, MagentoState.COMPLETE, MagentoState.CANCELED, MagentoState.DELETED})


@dataclass(frozen=True)
class Outcome:
    """The new state (None: still untracked) and the events to publish, in order.
    ``changed`` is False when the event was a duplicate, stale or irrelevant."""

    state: OrderState | None
    outputs: list[Event] = field(default_factory=list)
    changed: bool = False


def apply(state: OrderState | None, event: Event, config: StoreConfig | None) -> Outcome:
    """Fold one input event into an order. Never mutates ``state``."""
    if isinstance(event, AmazonOrderChangedV1):
        return _order_changed(state, event, config)
    handler = _HANDLERS.get(type(event))
    if handler is None or (state is not None and state.excluded):
        return Outcome(state)
    if state is None or state.order is None:
        return _park(state or OrderState.new(event.key), event)
    if state.seen(event.event_id):
        return Outcome(state)
    fx = Effects(state.model_copy(), event, config)
    fx.state.remember(event.event_id)
    before = _tab(fx.state)
    handler(fx, event)
    _status_transition(fx, before, joined=False)
    fx.publish_view(state)
    return Outcome(fx.state, fx.outputs, changed=True)


def _tab(state: OrderState) -> TabStatus | None:
    return tab_status(state.order.status, state.magento_complete) if state.order else None


def _status_transition(fx: Effects, before: TabStatus | None, *, joined: bool) -> None:
    after = _tab(fx.state)
    if after == before or after is None or before is None:
        return
    if after is TabStatus.CANCELED:
        fx.log(msg.AMAZON_CANCELED)
    elif after is TabStatus.COMPLETED:
        fx.log(msg.COMPLETED)
    elif fx.state.on_tab and not joined:
        fx.log(msg.status_updated(after))


# --- Amazon facts ------------------------------------------------------------------------


def _order_changed(state: OrderState | None, event: AmazonOrderChangedV1, config: StoreConfig | None) -> Outcome:
    order = event.data.order
    if state is None or (state.order is None and not state.excluded):
        if config is None:
            return Outcome(state)
        base = state or OrderState.new(event.key)
        if not admitted(event, config):
            return Outcome(base.model_copy(update={"excluded": True, "parked": ()}), changed=True)
        state = base
    elif state.excluded or (state.order is not None and order.last_updated <= state.order.last_updated):
        return Outcome(state)  # excluded forever, duplicate or stale
    original = state
    fx = Effects(state.model_copy(), event, config)
    s = fx.state
    first = s.order is None
    before = _tab(s)
    s.order = detailed_order_of(event)
    s.tracks = tracks_of(event)
    if config is not None:
        s.merchant_id = config.merchant_id
    joined = not s.on_tab and (order.status in JOINS_TAB)
    if joined:
        s.on_tab = True
        fx.log(msg.IMPORTED)
    if first and order.status in CANCELED:
        fx.log(msg.AMAZON_CANCELED)
    _status_transition(fx, before, joined=joined)
    if order.status is AmazonStatus.SHIPPED and not s.invoiced and s.on_tab:
        s.invoiced = True
        fx.log(msg.INVOICED)
    _magento_after_amazon_change(fx, event, first)
    fx.publish_view(original)
    if first and s.parked:
        return _unpark(s, fx.outputs, config)
    return Outcome(s, fx.outputs, changed=True)


def _park(state: OrderState, event: Event) -> Outcome:
    """Keep an event that arrived before the order's first Amazon fact, to apply it after."""
    if state.seen(event.event_id) or len(state.parked) >= MAX_PARKED:
        return Outcome(state)
    parked = state.model_copy(update={"parked": (*state.parked, encode(event).decode())})
    parked.remember(event.event_id)
    return Outcome(parked, changed=True)


def _unpark(state: OrderState, outputs: list[Event], config: StoreConfig | None) -> Outcome:
    events = [decode(raw) for raw in state.parked]
    current = state.model_copy(update={"parked": (), "recent_ids": ()})
    outputs = list(outputs)
    for event in events:
        outcome = apply(current, event, config)
        current = outcome.state or current
        outputs.extend(outcome.outputs)
    return Outcome(current, outputs, changed=True)


def _magento_after_amazon_change(fx: Effects, event: AmazonOrderChangedV1, first: bool) -> None:
    s, config = fx.state, fx.config
    assert s.order is not None
    if s.order.status in CANCELED:
        if s.magento_state in HAS_MAGENTO_ORDER and s.cancel_seq == 0:
            fx.request_cancel()
        return
    _maybe_ship(fx)
    if config is None or not s.on_tab or not wants_magento_order(s.order, config.settings):
        return
    if s.magento_state is MagentoState.NONE:
        fx.request_magento_order("status_changed")
    elif (s.magento_state is MagentoState.FAILED and not first and event.data.changes
          and s.auto_retries < MAX_AUTO_RETRIES):
        s.auto_retries += 1
        fx.request_magento_order("order_changed")


def _maybe_ship(fx: Effects) -> None:
    s, config = fx.state, fx.config
    if (config is not None and config.settings.create_invoice_and_shipment and s.order is not None
            and s.order.status in SHIPPED and s.magento_state is MagentoState.CREATED and s.shipment_seq == 0):
        fx.request_shipment()


# --- Magento results ---------------------------------------------------------------------


def _created(fx: Effects, event: MagentoOrderCreatedV1) -> None:
    s = fx.state
    if s.magento_state in FINAL:
        return
    s.magento_state = MagentoState.CREATED
    s.magento_order_number = event.data.magento_order_number
    s.magento_order_id = event.data.magento_order_id
    fx.log(msg.magento_created(event.data.magento_order_number))
    assert s.order is not None
    if s.order.status in CANCELED:
        fx.request_cancel()
    else:
        _maybe_ship(fx)


def _failed(fx: Effects, event: MagentoOrderFailedV1) -> None:
    s = fx.state
    if s.magento_state is not MagentoState.REQUESTED or event.data.request_seq != s.request_seq:
        return  # a stale result of an earlier request
    s.magento_state = MagentoState.FAILED
    message = msg.magento_failed(event.data.reason)
    if message != s.last_failure:
        s.last_failure = message
        fx.log(message, LogLevel.ERROR)


def _deleted(fx: Effects, event: MagentoOrderDeletedV1) -> None:
    s = fx.state
    if s.magento_state is MagentoState.DELETED:
        return
    s.magento_state = MagentoState.DELETED
    s.magento_order_number = event.data.magento_order_number
    fx.log(msg.magento_deleted(event.data.magento_order_number))


def _canceled(fx: Effects, event: MagentoOrderCanceledV1) -> None:
    s = fx.state
    number = event.data.magento_order_number
    if event.data.ok:
        if s.magento_state in HAS_MAGENTO_ORDER:
            s.magento_state = MagentoState.CANCELED
            fx.log(msg.magento_canceled(number))
        return
    message = msg.magento_cancel_failed(number, event.data.reason)
    if message != s.last_action:
        fx.log(message, LogLevel.ERROR)


def _shipped(fx: Effects, event: MagentoOrderShippedV1) -> None:
    """Complete: the status turns Completed (logged by the transition). Anything else is a ship
    that did not complete: logged as a failed action with the writer's reason, once per reason."""
    s = fx.state
    if event.data.complete:
        if s.magento_state is MagentoState.CREATED:
            s.magento_complete = True
            s.magento_state = MagentoState.COMPLETE
        return
    message = msg.magento_ship_failed(event.data.magento_order_number, event.data.reason)
    if message != s.last_action:
        fx.log(message, LogLevel.ERROR)


# --- Amazon's answers to what Magento did (issue 18) --------------------------------------


def _confirmation(fx: Effects, event: ShipmentConfirmationV1) -> None:
    """A package Amazon accepted is logged with its carrier and tracking number; a confirmation
    that failed is logged as a failed action, once per reason. Skipped ones (echoes, FBA, the
    store's setting off, no tracking number yet) need nothing from the merchant: not logged."""
    data = event.data
    if data.outcome == "confirmed" and data.package is not None:
        message = msg.shipment_confirmed(data.package.carrier, data.package.tracking_number)
        if message != fx.state.last_action:
            fx.log(message)
    elif data.outcome == "failed":
        message = msg.shipment_not_confirmed(data.reason)
        if message != fx.state.last_action:
            fx.log(message, LogLevel.ERROR)


def _cancellation(fx: Effects, event: AmazonCancellationV1) -> None:
    """A seller cancellation sent by feed, then accepted or refused (an error, with Amazon's reason;
    a shipped order is refused before any feed is sent). Each entry once in a row."""
    data = event.data
    if data.outcome == "sent":
        message, level = msg.CANCELLATION_SENT, LogLevel.INFO
    elif data.outcome == "accepted":
        message, level = msg.CANCELLATION_ACCEPTED, LogLevel.INFO
    else:
        message, level = msg.cancellation_refused(data.reason), LogLevel.ERROR
    if message != fx.state.last_action:
        fx.log(message, level)


# --- reservations and user requests ------------------------------------------------------


def _reserved(fx: Effects, event: ReservationPlacedV1) -> None:
    if not fx.state.reserved:
        fx.state.reserved = True
        fx.log(msg.INVENTORY_RESERVED)


def _released(fx: Effects, event: ReservationReleasedV1) -> None:
    if fx.state.reserved:
        fx.state.reserved = False
        fx.log(msg.INVENTORY_RELEASED)


def _reservation_failed(fx: Effects, event: ReservationFailedV1) -> None:
    message = msg.reservation_failed(event.data.reason)
    if message != fx.state.last_action:
        fx.log(message, LogLevel.ERROR)


def _user_retry(fx: Effects, event: MagentoRetryRequestedV1) -> None:
    """Every request is logged with who made it (SPEC §11), acted on or not."""
    request = event.upcast()  # v1 names no kind of requester
    assert isinstance(request, MagentoRetryRequestedV2)
    fx.log(msg.retry_requested(request.data.requested_by, request.data.via))
    s = fx.state
    if s.magento_state not in (MagentoState.FAILED, MagentoState.NONE):
        return  # outstanding, created, deleted or canceled: nothing to retry
    if fx.config is None or s.order is None or not s.on_tab or not wants_magento_order(s.order, fx.config.settings):
        return
    s.auto_retries = 0
    fx.request_magento_order("user_retry")


_HANDLERS: dict[type[Event], Callable[[Effects, object], None]] = {
    MagentoOrderCreatedV1: _created,  # type: ignore[dict-item]
    MagentoOrderFailedV1: _failed,  # type: ignore[dict-item]
    MagentoOrderDeletedV1: _deleted,  # type: ignore[dict-item]
    MagentoOrderCanceledV1: _canceled,  # type: ignore[dict-item]
    MagentoOrderCanceledV2: _canceled,  # type: ignore[dict-item]
    MagentoOrderShippedV1: _shipped,  # type: ignore[dict-item]
    MagentoOrderShippedV2: _shipped,  # type: ignore[dict-item]
    ReservationPlacedV1: _reserved,  # type: ignore[dict-item]
    ReservationReleasedV1: _released,  # type: ignore[dict-item]
    ReservationFailedV1: _reservation_failed,  # type: ignore[dict-item]
    MagentoRetryRequestedV2: _user_retry,  # type: ignore[dict-item]
    MagentoRetryRequestedV1: _user_retry,  # type: ignore[dict-item]
    ShipmentConfirmationV1: _confirmation,  # type: ignore[dict-item]
    AmazonCancellationV1: _cancellation,  # type: ignore[dict-item]
}
