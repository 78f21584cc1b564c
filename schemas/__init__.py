"""Versioned event models and the topic catalogue of Sales Channel.

Every event on every topic is one of the pydantic models registered here. Decode with
:func:`schemas.registry.decode` (which also upcasts old versions) and encode with
:func:`schemas.registry.encode`.
"""

from schemas.envelope import Event, event_id_for, order_key, split_order_key
from schemas.registry import DecodeError, decode, encode, registered_events

__all__ = [
    "DecodeError",
    "Event",
    "decode",
    "encode",
    "event_id_for",
    "order_key",
    "registered_events",
    "split_order_key",
]
