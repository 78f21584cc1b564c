"""Pure change detection: what of an order matters downstream, and what changed.

A fingerprint is a flat, ordered mapping of the fields that matter (status, per-item shipped
and unshipped quantities and buyer cancel requests, totals, latest ship date, shipment tracks, and the
details the Magento writer maps: buyer company, PO number, buyer tax registrations, delivery phone and
instructions, gift messages and wrap, IOSS number, items without a seller SKU) plus its digest. Two
observations of an order with the same digest are the same fact; anything else Amazon touches
(``lastUpdatedTime`` alone, a delivery window) is not a change.

The fingerprint's fields are stored (``poller_order_fingerprints``), so the details, buyer PII among
them, enter it only as one digest (``details``), and only when the order has any: the digest of an
order without them stays what it was before they counted."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from schemas.events.poller import DetailedAmazonOrder
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
        if not item.sku.strip():
            fields[f"{prefix}.no_sku"] = "true"
    if tracks:  # only when there are any: the digest of an order without packages stays what it was
        fields["tracks"] = "\n".join(f"{t.carrier}\t{t.tracking_number}" for t in tracks)
    if isinstance(order, DetailedAmazonOrder) and (details := _details(order)):
        fields["details"] = hashlib.sha256(details.encode()).hexdigest()[:32]
    return Fingerprint.of(fields)


def _details(order: DetailedAmazonOrder) -> str:
    """The details the Magento writer maps, as one string ("" when the order has none)."""
    prefs = order.delivery_preferences
    parts = {
        "company": order.buyer_company_name,
        "po": order.buyer_purchase_order_number,
        "tax": [[r.registration_type, r.number, r.legal_name] for r in order.buyer_tax_registrations],
        "phone": order.delivery_phone,
        "instructions": [x for x in (prefs.drop_off_location, prefs.address_instruction) if x] if prefs else None,
        "gifts": [[i.order_item_id, i.gift.message, i.gift.wrap_level] for i in order.items if i.gift is not None],
        "ioss": order.ioss_number,
    }
    present = {k: v for k, v in parts.items() if v}
    return json.dumps(present, sort_keys=True, separators=(",", ":")) if present else ""


def changed_fields(previous: Mapping[str, str] | None, current: Fingerprint) -> tuple[str, ...]:
    """What changed since ``previous`` (``("new",)`` on first sighting; empty when nothing did)."""
    if previous is None:
        return (NEW,)
    keys = set(previous) | set(current.fields)
    return tuple(sorted(k for k in keys if previous.get(k) != current.fields.get(k)))
