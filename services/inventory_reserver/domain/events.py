"""The reserver's facts. Ids are deterministic: one placement, one release and one failure
per order, ever; ``occurred_at`` comes from the source event (or ``expires_at``), never the clock."""

from __future__ import annotations

from datetime import datetime

from schemas.events.reservations import (
    ReleaseReason,
    ReservationFailedData,
    ReservationFailedV1,
    ReservationPlacedData,
    ReservationPlacedV1,
    ReservationReleasedData,
    ReservationReleasedV1,
)
from services.inventory_reserver.domain.state import ReservationState

PRODUCER = "inventory_reserver"


def placed(state: ReservationState, occurred_at: datetime, causation_id: str | None) -> ReservationPlacedV1:
    event: ReservationPlacedV1 = ReservationPlacedV1.build(
        key=state.key, occurred_at=occurred_at, producer=PRODUCER, identity=(state.key, "placed"),
        causation_id=causation_id,
        data=ReservationPlacedData(store_id=state.store_id, amazon_order_id=state.amazon_order_id,
                                   magento_stock_id=state.magento_stock_id, items=state.items,
                                   expires_at=state.expires_at))
    return event


def released(state: ReservationState, reason: ReleaseReason, occurred_at: datetime,
             causation_id: str | None) -> ReservationReleasedV1:
    event: ReservationReleasedV1 = ReservationReleasedV1.build(
        key=state.key, occurred_at=occurred_at, producer=PRODUCER, identity=(state.key, "released"),
        causation_id=causation_id,
        data=ReservationReleasedData(store_id=state.store_id, amazon_order_id=state.amazon_order_id,
                                     magento_stock_id=state.magento_stock_id, items=state.items,
                                     reason=reason))
    return event


def failed(state: ReservationState, reason: str, occurred_at: datetime,
           causation_id: str | None) -> ReservationFailedV1:
    event: ReservationFailedV1 = ReservationFailedV1.build(
        key=state.key, occurred_at=occurred_at, producer=PRODUCER, identity=(state.key, "failed"),
        causation_id=causation_id,
        data=ReservationFailedData(store_id=state.store_id, amazon_order_id=state.amazon_order_id,
                                   reason=reason))
    return event
