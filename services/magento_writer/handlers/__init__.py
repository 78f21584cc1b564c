"""One handler per input event type, each deciding one result; ``answers_for`` is what the runner
publishes: a command's recorded first answer, or the handler's result once recorded (``answers.py``)."""

from __future__ import annotations

from schemas.envelope import Event
from schemas.events.lifecycle import (
    MagentoCancelRequestedV1,
    MagentoOrderRequestedV1,
    MagentoShipmentRequestedV1,
)
from schemas.events.reservations import ReservationPlacedV1, ReservationReleasedV1
from services.common.logging import get_logger
from services.magento_writer import metrics
from services.magento_writer.answers import Answer
from services.magento_writer.context import WriterContext
from services.magento_writer.handlers.create import create_order
from services.magento_writer.handlers.lifecycle import cancel_order, ship_order
from services.magento_writer.handlers.reservations import apply_placed, apply_released

log = get_logger(__name__)
HANDLED = (
    MagentoOrderRequestedV1,
    MagentoCancelRequestedV1,
    MagentoShipmentRequestedV1,
    ReservationPlacedV1,
    ReservationReleasedV1,
)


def handles(event: Event) -> bool:
    return isinstance(event, HANDLED)


def answers_for(ctx: WriterContext, event: Event) -> list[Answer]:
    """What to publish for one input. A command answered before (killed between publishing and
    committing, redelivered, replayed) gets its recorded answer again, byte for byte, and nothing
    runs; otherwise the handler's result, recorded before it is returned for publishing."""
    if not handles(event):
        return []
    kept = ctx.ledger.answer(event.event_id)
    if kept is not None:
        metrics.ANSWERS_RESENT.labels(event.event_type).inc()
        log.info("answer_resent", key=event.key, command=event.event_id, result=kept.event.event_id)
        return [kept]
    return [ctx.ledger.keep_answer(event.event_id, _run(ctx, event))]


def handle(ctx: WriterContext, event: Event) -> list[Event]:
    """The result events of one input, as ``answers_for`` decides them."""
    return [a.event for a in answers_for(ctx, event)]


def _run(ctx: WriterContext, event: Event) -> Event:
    if isinstance(event, MagentoOrderRequestedV1):
        return create_order(ctx, event)
    if isinstance(event, MagentoCancelRequestedV1):
        return cancel_order(ctx, event)
    if isinstance(event, MagentoShipmentRequestedV1):
        return ship_order(ctx, event)
    if isinstance(event, ReservationPlacedV1):
        return apply_placed(ctx, event)
    if isinstance(event, ReservationReleasedV1):
        return apply_released(ctx, event)
    raise TypeError(f"no handler for {event.event_type}")
