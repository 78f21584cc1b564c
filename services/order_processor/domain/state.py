"""The per-order state the processor keeps (one Faust table row per order key)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict

from schemas.envelope import split_order_key
from schemas.events.poller import DetailedAmazonOrder
from schemas.types import MagentoState, ShipmentTrack

# Fixed namespace for our order ids: changing it would change every order's id.
ORDER_NAMESPACE = uuid.UUID("0b5e3b8e-4f0c-5d6a-9b1e-3c2a7d4e8f10")

# How many recent non-poller event ids an order remembers to drop exact duplicates (a
# 48-bit prefix of each id: compact, and collisions within one order are negligible).
RECENT_IDS = 64
ID_PREFIX = 12
MAX_PARKED = 32


def order_id_for(key: str) -> str:
    """Our id for an order: derived from its key, so every replay agrees."""
    return str(uuid.uuid5(ORDER_NAMESPACE, key))


class OrderState(BaseModel):
    """Everything the rules need to judge the next event for one order. Serialisable
    (``to_bytes``/``from_bytes``); treated as immutable by ``apply`` (it copies)."""

    model_config = ConfigDict(extra="ignore", validate_assignment=False)

    key: str
    store_id: str
    amazon_order_id: str
    order_id: str
    excluded: bool = False  # existed at integration and not imported: never tracked
    merchant_id: int = 1
    # The newest applied poller snapshot with its details (v3+ facts; empty details for older facts):
    # declared as the subclass so the details survive the table's round trip, and a state stored while
    # this held a plain ``AmazonOrder`` loads with the details empty.
    order: DetailedAmazonOrder | None = None
    tracks: tuple[ShipmentTrack, ...] = ()  # the newest snapshot's package tracks (v2 facts)
    on_tab: bool = False
    reserved: bool = False
    invoiced: bool = False
    magento_state: MagentoState = MagentoState.NONE
    magento_order_number: str | None = None
    magento_order_id: int | None = None
    magento_complete: bool = False
    request_seq: int = 0  # last MagentoOrderRequested sequence
    auto_retries: int = 0  # re-requests after a failure, triggered by Amazon changes
    cancel_seq: int = 0
    shipment_seq: int = 0
    last_failure: str | None = None  # last "Cannot create sales order" entry written
    log_seq: int = 0
    last_action: str | None = None
    version: int = 0  # OrderView version last published
    recent_ids: tuple[str, ...] = ()
    # Events of other topics that arrived before the order's first Amazon fact (topics are
    # consumed side by side, so a reservation can overtake the fact that caused it).
    parked: tuple[str, ...] = ()

    @classmethod
    def new(cls, key: str) -> OrderState:
        store_id, amazon_order_id = split_order_key(key)
        return cls(key=key, store_id=store_id, amazon_order_id=amazon_order_id, order_id=order_id_for(key))

    def to_dict(self) -> dict[str, object]:
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, value: dict[str, object]) -> OrderState:
        return cls.model_validate(value)

    def to_bytes(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> OrderState:
        return cls.model_validate_json(raw)

    def seen(self, event_id: str) -> bool:
        return event_id.replace("-", "")[:ID_PREFIX] in self.recent_ids

    def remember(self, event_id: str) -> None:
        self.recent_ids = (*self.recent_ids[-(RECENT_IDS - 1):], event_id.replace("-", "")[:ID_PREFIX])
