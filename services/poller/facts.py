"""Pure: turn the orders of one page into order-change facts, given what was seen before.

An order yields a fact only when its fingerprint differs from the stored one. The fact's
identity is (sequence number, fingerprint digest): re-reading the same state (overlapping
windows, a restart before the fingerprint was stored) gives the same event id, while an
order that returns to an earlier state (A → B → A) still gets a new one.

Facts are ``amazon.order.changed`` v3: the order with its details (``DetailedAmazonOrder``, what
``services.poller.mapping.map_order`` returns; a plain ``AmazonOrder`` goes out with empty details).
The details the Magento writer maps (gift messages, delivery instructions, B2B, ...) are part of the
fingerprint (see changes.py); a delivery window alone is no change."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from schemas.envelope import order_key
from schemas.events.poller import AmazonOrderChangedDataV3, AmazonOrderChangedV1, AmazonOrderChangedV3, detailed
from schemas.types import AmazonOrder, ShipmentTrack
from services.poller.changes import changed_fields, fingerprint
from services.poller.state import FingerprintUpdate, StoredFingerprint

PRODUCER = "poller"


@dataclass(frozen=True)
class PageFacts:
    events: tuple[AmazonOrderChangedV1, ...]
    updates: tuple[FingerprintUpdate, ...]
    unchanged: int


def latest_per_order(orders: Iterable[AmazonOrder]) -> list[AmazonOrder]:
    """One order per id (the most recently updated), in first-seen order."""
    best: dict[str, AmazonOrder] = {}
    for o in orders:
        cur = best.get(o.amazon_order_id)
        if cur is None or o.last_updated >= cur.last_updated:
            best[o.amazon_order_id] = o
    return list(best.values())


def order_facts(store_id: str, orders: Iterable[AmazonOrder], stored: Mapping[str, StoredFingerprint],
                observed_at: datetime, initial_import: bool = False,
                tracks: Mapping[str, tuple[ShipmentTrack, ...]] | None = None) -> PageFacts:
    """``tracks``: each order's shipment tracks by Amazon order id (of the copy ``latest_per_order`` keeps)."""
    tracks = tracks or {}
    events: list[AmazonOrderChangedV1] = []
    updates: list[FingerprintUpdate] = []
    unchanged = 0
    for order in latest_per_order(orders):
        order_tracks = tracks.get(order.amazon_order_id, ())
        fp = fingerprint(order, order_tracks)
        prev = stored.get(order.amazon_order_id)
        if prev is not None and (prev.digest == fp.digest or order.last_updated < prev.last_updated):
            unchanged += 1  # same state again, or an older view than the one already published
            continue
        seq = (prev.seq if prev else 0) + 1
        key = order_key(store_id, order.amazon_order_id)
        data = AmazonOrderChangedDataV3(
            store_id=store_id, order=detailed(order), changes=changed_fields(prev.fields if prev else None, fp),
            initial_import=initial_import, observed_at=observed_at, tracks=order_tracks)
        events.append(AmazonOrderChangedV3.build(key=key, occurred_at=order.last_updated, producer=PRODUCER,
                                                 data=data, identity=(seq, fp.digest)))
        updates.append(FingerprintUpdate(order.amazon_order_id, fp.digest, fp.fields,
                                         order.last_updated, seq))
    return PageFacts(tuple(events), tuple(updates), unchanged)
