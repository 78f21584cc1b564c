"""Result events on MAGENTO_RESULTS. Identity = (command event id, outcome), so a redelivered
command's result carries the same event id; occurred_at = the command's occurred_at."""

from __future__ import annotations

from typing import Any

from schemas.envelope import Event
from schemas.events.magento import (
    MagentoOrderCanceledData,
    MagentoOrderCanceledDataV2,
    MagentoOrderCanceledV1,
    MagentoOrderCanceledV2,
    MagentoOrderCreatedData,
    MagentoOrderCreatedV1,
    MagentoOrderDeletedData,
    MagentoOrderDeletedV1,
    MagentoOrderFailedData,
    MagentoOrderFailedV1,
    MagentoOrderShippedData,
    MagentoOrderShippedDataV2,
    MagentoOrderShippedV1,
    MagentoOrderShippedV2,
    MagentoReservationSyncedData,
    MagentoReservationSyncedV1,
)

PRODUCER = "magento_writer"


def _build(model: type[Event], command: Event, outcome: str, data: Any) -> Any:
    return model.build(
        key=command.key,
        occurred_at=command.occurred_at,
        producer=PRODUCER,
        data=data,
        identity=(command.event_id, outcome),
        causation_id=command.event_id,
    )


def created(command: Event, data: MagentoOrderCreatedData) -> MagentoOrderCreatedV1:
    result: MagentoOrderCreatedV1 = _build(MagentoOrderCreatedV1, command, "created", data)
    return result


def failed(command: Event, data: MagentoOrderFailedData) -> MagentoOrderFailedV1:
    result: MagentoOrderFailedV1 = _build(MagentoOrderFailedV1, command, "failed", data)
    return result


def deleted(command: Event, data: MagentoOrderDeletedData) -> MagentoOrderDeletedV1:
    result: MagentoOrderDeletedV1 = _build(MagentoOrderDeletedV1, command, "deleted", data)
    return result


def canceled(command: Event, data: MagentoOrderCanceledData) -> MagentoOrderCanceledV1:
    """v2 (with ``magento_state``, what Magento holds) when the data carries it."""
    model = MagentoOrderCanceledV2 if isinstance(data, MagentoOrderCanceledDataV2) else MagentoOrderCanceledV1
    result: MagentoOrderCanceledV1 = _build(model, command, "canceled", data)
    return result


def shipped(command: Event, data: MagentoOrderShippedData) -> MagentoOrderShippedV1:
    """v2 (with ``magento_state``, what Magento holds) when the data carries it."""
    model = MagentoOrderShippedV2 if isinstance(data, MagentoOrderShippedDataV2) else MagentoOrderShippedV1
    result: MagentoOrderShippedV1 = _build(model, command, "shipped", data)
    return result


def synced(command: Event, data: MagentoReservationSyncedData) -> MagentoReservationSyncedV1:
    result: MagentoReservationSyncedV1 = _build(MagentoReservationSyncedV1, command, "synced", data)
    return result
