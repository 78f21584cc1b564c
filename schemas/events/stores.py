"""Store events (owner: the store registry, ``sales-channel stores``). Key: store id."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from schemas.envelope import Event, Model
from schemas.types import StoreConfig, StoreConfigV2, StoreConfigV3


class StoreConfiguredData(Model):
    change: Literal["integrated", "updated", "disabled", "enabled"]
    effective_at: datetime
    config: StoreConfig


class StoreConfiguredV1(Event):
    """A store was integrated, changed, disabled or enabled. Carries the whole config as it
    is from ``effective_at`` on, so a replay sees settings as they were at each moment."""

    EVENT_TYPE: ClassVar[str] = "store.configured"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["store.configured"] = "store.configured"
    schema_version: Literal[1] = 1
    data: StoreConfiguredData


class StoreConfiguredDataV2(StoreConfiguredData):
    config: StoreConfigV2


class StoreConfiguredV2(StoreConfiguredV1):
    """v2: the configuration carries the store's fulfillment settings (issue 18). A subclass of v1
    on purpose: every reader written against v1 (``isinstance``, ``data.config``) reads v2 unchanged.
    v1 events are not upcast (a v1 configuration stays equal to itself); ``schemas.types.fulfillment_of``
    reads the settings of either, v1 having the defaults."""

    SCHEMA_VERSION: ClassVar[int] = 2
    schema_version: Literal[2] = 2  # type: ignore[assignment]
    data: StoreConfiguredDataV2

    def upcast(self) -> Event:
        return self


class StoreConfiguredDataV3(StoreConfiguredDataV2):
    config: StoreConfigV3


class StoreConfiguredV3(StoreConfiguredV2):
    """v3: the configuration carries the store's time zone (issue 21), in which the Orders tab shows
    its dates. A subclass of v2 as v2 is of v1; older events are not upcast (``schemas.types.time_zone_of``
    reads UTC for them)."""

    SCHEMA_VERSION: ClassVar[int] = 3
    schema_version: Literal[3] = 3  # type: ignore[assignment]
    data: StoreConfiguredDataV3

    def upcast(self) -> Event:
        return self
