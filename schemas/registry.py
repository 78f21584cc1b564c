"""Every registered event model, as one discriminated union on (event type, version)."""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Annotated, Any, Union

from pydantic import Discriminator, Tag, TypeAdapter, ValidationError

from schemas.envelope import Event
from schemas.events.deadletter import DeadLetterV1
from schemas.events.fulfillment import (
    AmazonCancellationV1,
    AmazonCancelRequestedV1,
    MagentoCancellationRecordedV1,
    MagentoShipmentRecordedV1,
    ShipmentConfirmationV1,
)
from schemas.events.lifecycle import (
    MagentoCancelRequestedV1,
    MagentoOrderRequestedV1,
    MagentoOrderRequestedV2,
    MagentoShipmentRequestedV1,
    MagentoShipmentRequestedV2,
    OrderLogAppendedV1,
    OrderLogAppendedV2,
    OrderStateChangedV1,
)
from schemas.events.magento import (
    MagentoOrderCanceledV1,
    MagentoOrderCanceledV2,
    MagentoOrderCreatedV1,
    MagentoOrderDeletedV1,
    MagentoOrderFailedV1,
    MagentoOrderShippedV1,
    MagentoOrderShippedV2,
    MagentoReservationSyncedV1,
)
from schemas.events.pii import PiiErasedV1
from schemas.events.poller import (
    AmazonOrderChangedV1,
    AmazonOrderChangedV2,
    AmazonOrderChangedV3,
    AmazonOrderChangedV4,
    StorePollCompletedV1,
)
from schemas.events.requests import MagentoRetryRequestedV1, MagentoRetryRequestedV2
from schemas.events.reservations import ReservationFailedV1, ReservationPlacedV1, ReservationReleasedV1
from schemas.events.stores import StoreConfiguredV1, StoreConfiguredV2, StoreConfiguredV3

EVENT_MODELS: tuple[type[Event], ...] = (
    StoreConfiguredV1,
    StoreConfiguredV2,
    StoreConfiguredV3,
    AmazonOrderChangedV1,
    AmazonOrderChangedV2,
    AmazonOrderChangedV3,
    AmazonOrderChangedV4,
    StorePollCompletedV1,
    OrderStateChangedV1,
    OrderLogAppendedV1,
    OrderLogAppendedV2,
    MagentoOrderRequestedV1,
    MagentoOrderRequestedV2,
    MagentoCancelRequestedV1,
    MagentoShipmentRequestedV1,
    MagentoShipmentRequestedV2,
    MagentoOrderCreatedV1,
    MagentoOrderFailedV1,
    MagentoOrderDeletedV1,
    MagentoOrderCanceledV1,
    MagentoOrderCanceledV2,
    MagentoOrderShippedV1,
    MagentoOrderShippedV2,
    MagentoReservationSyncedV1,
    ReservationPlacedV1,
    ReservationReleasedV1,
    ReservationFailedV1,
    MagentoRetryRequestedV1,
    MagentoRetryRequestedV2,
    DeadLetterV1,
    MagentoShipmentRecordedV1,
    ShipmentConfirmationV1,
    AmazonCancelRequestedV1,
    AmazonCancellationV1,
    MagentoCancellationRecordedV1,
    PiiErasedV1,
)


class DecodeError(ValueError):
    """Bytes that are not a valid event of any registered type and version."""


def registered_events() -> tuple[type[Event], ...]:
    return EVENT_MODELS


def _tag_of(value: Any) -> str | None:
    if isinstance(value, dict):
        return f"{value.get('event_type')}@{value.get('schema_version')}"
    if isinstance(value, Event):
        return value.tag()
    return None


@cache
def _adapter() -> TypeAdapter[Any]:
    members = tuple(Annotated[model, Tag(model.tag())] for model in EVENT_MODELS)
    return TypeAdapter(Annotated[Union[members], Discriminator(_tag_of)])  # type: ignore[arg-type]  # noqa: UP007


# Events as we encode them name their type and version side by side near the start; that lets
# decode validate straight from JSON with the one model (pydantic-core's fast path). Anything
# else, or anything that model rejects, takes the general path, which also explains the error.
_TAG_NEAR_START = re.compile(rb'"event_type":\s*"([A-Za-z0-9_.\-]+)",\s*"schema_version":\s*(\d+)')
_TAG_SEARCH_BYTES = 512


@cache
def _models_by_tag() -> dict[str, type[Event]]:
    return {model.tag(): model for model in EVENT_MODELS}


def decode(raw: bytes | str) -> Event:
    """Decode one event and upcast it to the newest version of its type."""
    if isinstance(raw, bytes) and (found := _TAG_NEAR_START.search(raw, 0, _TAG_SEARCH_BYTES)):
        model = _models_by_tag().get(f"{found[1].decode()}@{int(found[2])}")
        if model is not None:
            try:
                return _newest(model.model_validate_json(raw))
            except ValidationError:
                pass  # the general path below says what is wrong
    try:
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DecodeError(f"not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise DecodeError("an event must be a JSON object")
    try:
        event: Event = _adapter().validate_python(value)
    except ValidationError as exc:
        tag = _tag_of(value)
        raise DecodeError(f"invalid event {tag}: {exc.errors(include_url=False)[:3]}") from exc
    return _newest(event)


def _newest(event: Event) -> Event:
    while (newer := event.upcast()) is not event:
        event = newer
    return event


def encode(event: Event) -> bytes:
    return event.model_dump_json(exclude_none=False).encode()
