"""Fast decoding for the projector: read the event tag from the first bytes, skip the event
types the Orders tab does not use without validating them, and validate the others straight
from JSON with their own model (no union dispatch), then upcast old versions to the newest.
Unknown tags go through the registry (which upcasts as well)."""

from __future__ import annotations

import re

from pydantic import ValidationError

from schemas import DecodeError, Event, decode
from schemas.events.lifecycle import OrderLogAppendedV1, OrderLogAppendedV2, OrderStateChangedV1
from schemas.events.pii import PiiErasedV1
from schemas.events.poller import StorePollCompletedV1
from schemas.events.stores import StoreConfiguredV1

USED: dict[tuple[bytes, bytes], type[Event]] = {
    (m.EVENT_TYPE.encode(), str(m.SCHEMA_VERSION).encode()): m
    for m in (OrderStateChangedV1, OrderLogAppendedV2, OrderLogAppendedV1, StoreConfiguredV1, StorePollCompletedV1,
              PiiErasedV1)
}
# Commands on the pre-split order-lifecycle topic (issue 15): skipped unvalidated.
IGNORED = {b"magento.order.requested", b"magento.cancel.requested", b"magento.shipment.requested"}
_TAG = re.compile(rb'"event_type"\s*:\s*"([^"]{1,100})"\s*,\s*"schema_version"\s*:\s*(\d{1,4})')


def decode_used(raw: bytes) -> Event | None:
    """The event if the Orders tab uses it, None if it is one it ignores; DecodeError if invalid."""
    match = _TAG.search(raw, 0, 512)
    if match is not None:
        event_type, version = match.group(1), match.group(2)
        if event_type in IGNORED:
            return None
        model = USED.get((event_type, version))
        if model is not None:
            try:
                event = model.model_validate_json(raw)
            except ValidationError as exc:
                raise DecodeError(
                    f"invalid event {event_type.decode(errors='replace')}@{version.decode()}: "
                    f"{exc.errors(include_url=False)[:3]}"
                ) from exc
            while (newer := event.upcast()) is not event:
                event = newer
            return event
    return decode(raw)
