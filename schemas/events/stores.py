"""Store events (owner: the store registry, ``sales-channel stores``). Key: store id."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from schemas.envelope import Event, Model
from schemas.types import StoreConfig


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
