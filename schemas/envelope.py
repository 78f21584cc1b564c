"""The event envelope shared by every topic.

An event is a frozen pydantic model with a deterministic ``event_id``: the same fact,
published twice (overlapping polls, a restart, a replay), carries the same id, so
consumers recognise it as one.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, field_serializer

# A fixed namespace: changing it would change every event id ever published.
EVENT_NAMESPACE = uuid.UUID("6f1c3a52-7d0e-4c1b-9a52-5a1e5c0d1a77")

KEY_SEPARATOR = ":"


def order_key(store_id: str, amazon_order_id: str) -> str:
    """The partition key of every order topic: store id + Amazon order id."""
    if KEY_SEPARATOR in store_id:
        raise ValueError(f"store id {store_id!r} must not contain {KEY_SEPARATOR!r}")
    return f"{store_id}{KEY_SEPARATOR}{amazon_order_id}"


def split_order_key(key: str) -> tuple[str, str]:
    store_id, _, amazon_order_id = key.partition(KEY_SEPARATOR)
    if not amazon_order_id:
        raise ValueError(f"not an order key: {key!r}")
    return store_id, amazon_order_id


def event_id_for(event_type: str, key: str, *identity: object) -> str:
    """Deterministic event id from the event type, its key and what makes the fact unique."""
    name = "|".join([event_type, key, *(str(part) for part in identity)])
    return str(uuid.uuid5(EVENT_NAMESPACE, name))


class Model(BaseModel):
    """Base of every payload: immutable, tolerant of fields added by newer producers."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Event(Model):
    """Envelope fields common to every event. Subclasses pin ``event_type`` and
    ``schema_version`` with ``Literal`` types and add a typed ``data`` payload."""

    EVENT_TYPE: ClassVar[str] = ""
    SCHEMA_VERSION: ClassVar[int] = 0

    event_id: str
    event_type: str
    schema_version: int
    key: str
    occurred_at: datetime
    producer: str
    causation_id: str | None = None

    @field_serializer("occurred_at")
    def _iso(self, value: datetime) -> str:
        return value.isoformat()

    @classmethod
    def tag(cls) -> str:
        return f"{cls.EVENT_TYPE}@{cls.SCHEMA_VERSION}"

    def upcast(self) -> Event:
        """Return the newest version of this event; the latest version returns itself."""
        return self

    @classmethod
    def build(cls, *, key: str, occurred_at: datetime, producer: str, data: Any,
              identity: tuple[object, ...], causation_id: str | None = None) -> Any:
        return cls(  # type: ignore[call-arg]  # subclasses declare ``data``
            event_id=event_id_for(cls.EVENT_TYPE, key, *identity),
            event_type=cls.EVENT_TYPE,
            schema_version=cls.SCHEMA_VERSION,
            key=key,
            occurred_at=occurred_at,
            producer=producer,
            causation_id=causation_id,
            data=data,
        )
