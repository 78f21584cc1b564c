"""Pure change detection: what of an order matters downstream, and what changed.

A fingerprint is a flat, ordered mapping of the fields that matter (status, per-item shipped
and unshipped quantities and buyer cancel requests, totals, latest ship date, shipment tracks) plus its
digest. Two observations of an order with the same digest are the same fact; anything else
Amazon touches (``lastUpdatedTime`` alone, a delivery window, a gift message) is not a change."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from schemas.types import AmazonOrder, Money, ShipmentTrack

NEW = "new"


@dataclass(frozen=True)
class Fingerprint:
    fields: Mapping[str, str]
    digest: str

    @classmethod
    def of(cls, fields: Mapping[str, str]) -> Fingerprint:
        ordered = dict(sorted(fields.items()))
        raw = json.dumps(ordered, separators=(",", ":"), sort_keys=True).encode()
        return cls(ordered, hashlib.sha256(raw).hexdigest()[:32])


def _money(value: Money | None) -> str:
    return f"{value.amount.normalize():f} {value.currency}" if value is not None else ""


def fingerprint(order: AmazonOrder, tracks: tuple[ShipmentTrack, ...] = ()) -> Fingerprint:
    fields: dict[str, str] = {
        "status": order.status.value,
        "order_total": _money(order.order_total),
        "shipping_total": _money(order.shipping_total),
        "latest_ship_date": order.latest_ship_date.isoformat() if order.latest_ship_date else "",
        "buyer_cancel_requested": str(order.buyer_cancel_requested).lower(),
    }
    for item in order.items:
        prefix = f"items.{item.order_item_id}"
        fields[f"{prefix}.shipped"] = str(item.quantity_shipped)
        fields[f"{prefix}.unshipped"] = str(max(item.quantity_ordered - item.quantity_shipped, 0))
        fields[f"{prefix}.buyer_cancel_requested"] = str(item.buyer_cancel_requested).lower()
    if tracks:  # only when there are any: the digest of an order without packages stays what it was
        fields["tracks"] = "\n".join(f"{t.carrier}\t{t.tracking_number}" for t in tracks)
    return Fingerprint.of(fields)


def changed_fields(previous: Mapping[str, str] | None, current: Fingerprint) -> tuple[str, ...]:
    """What changed since ``previous`` (``("new",)`` on first sighting; empty when nothing did)."""
    if previous is None:
        return (NEW,)
    keys = set(previous) | set(current.fields)
    return tuple(sorted(k for k in keys if previous.get(k) != current.fields.get(k)))
