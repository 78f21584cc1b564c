"""Poller events. ``amazon.order.changed`` (key: order) is the source of every order fact;
``store.poll.completed`` (key: store id) records each successful poll window."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from schemas.envelope import Event, Model
from schemas.types import AmazonOrder, ShipmentTrack


class AmazonOrderChangedData(Model):
    store_id: str
    order: AmazonOrder
    # What changed since the poller's previous fact for this order ("new" on first sighting).
    changes: tuple[str, ...] = ()
    # True when seen by the initial import at integration time (SPEC §2).
    initial_import: bool = False
    observed_at: datetime


class AmazonOrderChangedV1(Event):
    EVENT_TYPE: ClassVar[str] = "amazon.order.changed"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["amazon.order.changed"] = "amazon.order.changed"
    schema_version: Literal[1] = 1
    data: AmazonOrderChangedData


class AmazonOrderChangedDataV2(AmazonOrderChangedData):
    # The carrier and tracking number of each package Amazon reports (merchant-fulfilled orders,
    # Orders API ``includedData=PACKAGES``), in Amazon's order; empty when there are none.
    tracks: tuple[ShipmentTrack, ...] = ()


class AmazonOrderChangedV2(AmazonOrderChangedV1):
    """v2: the order's shipment tracks (carrier + tracking number), for the Magento shipment.

    A subclass of v1 on purpose: every consumer written against v1 (``isinstance``, ``data.order``)
    reads v2 unchanged. v1 facts are not upcast: they carry no tracks, and an upcast would change
    the type a replay of old facts decodes to for no gain; read tracks with ``tracks_of``."""

    SCHEMA_VERSION: ClassVar[int] = 2
    schema_version: Literal[2] = 2  # type: ignore[assignment]
    data: AmazonOrderChangedDataV2


def tracks_of(event: AmazonOrderChangedV1) -> tuple[ShipmentTrack, ...]:
    """The shipment tracks of an order fact (none for a v1 fact)."""
    return event.data.tracks if isinstance(event.data, AmazonOrderChangedDataV2) else ()


class StorePollCompletedData(Model):
    store_id: str
    window_start: datetime
    window_end: datetime
    orders_seen: int = Field(ge=0)
    events_published: int = Field(ge=0)
    completed_at: datetime


class StorePollCompletedV1(Event):
    EVENT_TYPE: ClassVar[str] = "store.poll.completed"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["store.poll.completed"] = "store.poll.completed"
    schema_version: Literal[1] = 1
    data: StorePollCompletedData
