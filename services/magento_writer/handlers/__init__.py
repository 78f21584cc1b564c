"""One handler per input event type; each returns the result events to publish."""

from __future__ import annotations

from schemas.envelope import Event
from schemas.events.lifecycle import (
    MagentoCancelRequestedV1,
    MagentoOrderRequestedV1,
    MagentoShipmentRequestedV1,
)
from schemas.events.reservations import ReservationPlacedV1, ReservationReleasedV1
from services.magento_writer.context import WriterContext
from services.magento_writer.handlers.create import create_order
from services.magento_writer.handlers.lifecycle import cancel_order, ship_order
from services.magento_writer.handlers.reservations import apply_placed, apply_released

HANDLED = (
    MagentoOrderRequestedV1,
    MagentoCancelRequestedV1,
    MagentoShipmentRequestedV1,
    ReservationPlacedV1,
    ReservationReleasedV1,
)


def handles(event: Event) -> bool:
    return isinstance(event, HANDLED)


def handle(ctx: WriterContext, event: Event) -> list[Event]:
    if isinstance(event, MagentoOrderRequestedV1):
        return [create_order(ctx, event)]
    if isinstance(event, MagentoCancelRequestedV1):
        return [cancel_order(ctx, event)]
    if isinstance(event, MagentoShipmentRequestedV1):
        return [ship_order(ctx, event)]
    if isinstance(event, ReservationPlacedV1):
        return [apply_placed(ctx, event)]
    if isinstance(event, ReservationReleasedV1):
        return [apply_released(ctx, event)]
    return []
