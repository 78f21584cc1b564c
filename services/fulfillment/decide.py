"""Which package to confirm to Amazon for one Magento shipment (pure: no I/O, no clock).

One Magento shipment is one Amazon package, whatever happens to it later:

* ``packageReferenceId`` is the Magento shipment's entity id (a positive integer, as Amazon wants,
  sent as a string), so a retry, a replay or a corrected tracking number edits that package and
  never adds a second one.
* One tracking number per package: the shipment's latest track (a correction is a track added or
  changed later). Magento does not say which items travel under which track of one shipment, so
  a shipment's earlier tracks are not split into packages of their own (``ignored_tracks`` names them).
* Items: the Magento items' Amazon order item ids (``ext_order_item_id``), else the SKU when one
  Amazon item has it; whole units only, never more than Amazon still has unshipped (plus what this
  package already holds, when editing).
* No echo: an order fulfilled by Amazon, or a shipment whose tracking numbers Amazon already holds
  under packages of its own (the writer ships the Magento order when Amazon says Shipped, copying
  Amazon's packages), is never confirmed back; neither is a shipment without a tracking number on
  an order Amazon already shows as Shipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from schemas.events.fulfillment import (
    AmazonPackage,
    MagentoShipmentRecordedData,
    PackageItem,
    ShipmentItem,
    ShipmentTrack,
)
from schemas.types import FulfillmentSettings
from services.fulfillment.carriers import OTHER, carrier_for

NOT_SHIPPABLE = frozenset({"CANCELLED", "UNFULFILLABLE"})
NOT_YET = frozenset({"PENDING", "PENDING_AVAILABILITY"})


@dataclass(frozen=True)
class AmazonItem:
    order_item_id: str
    sku: str | None
    quantity_ordered: int
    quantity_shipped: int


@dataclass(frozen=True)
class HeldPackage:
    package_reference_id: str
    carrier: str | None
    tracking_number: str | None
    items: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class AmazonOrderView:
    """What Amazon holds for the order (``getOrder`` v2026-01-01 with FULFILLMENT, PACKAGES and CANCELLATION)."""

    order_id: str
    status: str
    fulfilled_by: str
    marketplace_id: str | None
    items: tuple[AmazonItem, ...]
    packages: tuple[HeldPackage, ...] = ()
    buyer_requested_cancel: bool = False  # an item carries the buyer's cancellation request

    @classmethod
    def from_v2026(cls, order: Mapping[str, Any]) -> AmazonOrderView:
        """Tolerant: absent blocks read as empty, unknown fields are ignored."""
        fulfillment = _obj(order.get("fulfillment"))
        items = []
        for item in order.get("orderItems") or []:
            if not isinstance(item, dict) or not item.get("orderItemId"):
                continue
            done = _obj(item.get("fulfillment"))
            items.append(AmazonItem(
                order_item_id=str(item["orderItemId"]),
                sku=_obj(item.get("product")).get("sellerSku"),
                quantity_ordered=int(item.get("quantityOrdered") or 0),
                quantity_shipped=int(done.get("quantityFulfilled") or 0),
            ))
        packages = tuple(
            HeldPackage(
                package_reference_id=str(p.get("packageReferenceId")),
                carrier=p.get("carrier"),
                tracking_number=p.get("trackingNumber"),
                items=tuple((str(i.get("orderItemId")), int(i.get("quantity") or 0))
                            for i in p.get("packageItems") or [] if isinstance(i, dict)),
            )
            for p in order.get("packages") or []
            if isinstance(p, dict) and p.get("packageReferenceId") is not None
        )
        return cls(
            order_id=str(order.get("orderId") or ""),
            status=str(fulfillment.get("fulfillmentStatus") or "UNKNOWN").upper(),
            fulfilled_by=str(fulfillment.get("fulfilledBy") or "MERCHANT").upper(),
            marketplace_id=_obj(order.get("salesChannel")).get("marketplaceId"),
            items=tuple(items),
            packages=packages,
            buyer_requested_cancel=any(
                _obj(_obj(_obj(item).get("cancellation")).get("cancellationRequest")).get("requester") == "BUYER"
                for item in order.get("orderItems") or []
            ),
        )


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class Confirm:
    package: AmazonPackage
    edit: bool  # Amazon holds this package already: the call changes it
    ignored_tracks: tuple[str, ...] = ()


@dataclass(frozen=True)
class Held:
    """Amazon already holds this package as it is (an earlier call went through, its answer maybe
    lost to a crash): confirmed, with nothing to send."""

    package: AmazonPackage


@dataclass(frozen=True)
class Skip:
    """Nothing to send, and nothing wrong: echo, FBA, setting off, no tracking yet."""

    reason: str


@dataclass(frozen=True)
class Refuse:
    """Cannot be confirmed as the shipment is: the merchant has to act (the reason says how)."""

    reason: str


Decision = Confirm | Held | Skip | Refuse


def package_reference_id(shipment_id: int) -> str:
    if shipment_id < 1:
        raise ValueError(f"a Magento shipment id is positive, not {shipment_id}")
    return str(shipment_id)


def _same(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and "".join(str(a).split()).upper() == "".join(str(b).split()).upper()


def _latest_track(tracks: tuple[ShipmentTrack, ...]) -> tuple[ShipmentTrack | None, tuple[str, ...]]:
    usable = sorted((t for t in tracks if t.track_number.strip()), key=lambda t: t.track_id)
    if not usable:
        return None, ()
    return usable[-1], tuple(t.track_number for t in usable[:-1] if not _same(t.track_number, usable[-1].track_number))


def amazon_item(item: ShipmentItem, order: AmazonOrderView) -> AmazonItem | None:
    """The Amazon item a Magento shipment item ships: by Amazon order item id, else by SKU when
    exactly one Amazon item has it."""
    if item.amazon_order_item_id is not None:
        return next((i for i in order.items if i.order_item_id == item.amazon_order_item_id), None)
    matches = [i for i in order.items if i.sku and i.sku == item.sku]
    return matches[0] if len(matches) == 1 else None


def decide(shipment: MagentoShipmentRecordedData, order: AmazonOrderView,
           settings: FulfillmentSettings | None = None, *, recorded_at: datetime | None = None) -> Decision:
    """The package to confirm for ``shipment`` on ``order`` as Amazon holds it now, under the
    store's fulfillment ``settings`` (``schemas.types.fulfillment_of``; default: send, no mapping)."""
    settings = settings or FulfillmentSettings()
    if not settings.send_shipments:
        return Skip("Send shipments to Amazon is off for this store")
    if order.fulfilled_by == "AMAZON":
        return Skip("the order is fulfilled by Amazon")
    if order.status in NOT_SHIPPABLE:
        return Refuse(f"Amazon shows the order as {order.status.title()}")
    if order.status in NOT_YET:
        return Refuse("Amazon shows the order as Pending: it must not be shipped before Amazon releases it")

    reference = package_reference_id(shipment.shipment_id)
    held = next((p for p in order.packages if p.package_reference_id == reference), None)
    others = [p for p in order.packages if p.package_reference_id != reference]
    if held is None and any(_same(t.track_number, p.tracking_number) for t in shipment.tracks for p in others):
        return Skip("Amazon already holds this shipment's tracking number: the shipment mirrors Amazon's")
    track, ignored = _latest_track(shipment.tracks)
    if track is None:
        if order.status == "SHIPPED":
            return Skip("Amazon already shows the order as Shipped and the shipment has no tracking number")
        return Skip("waiting for a tracking number (Amazon requires one)")

    wanted: dict[str, int] = {}
    by_id = {i.order_item_id: i for i in order.items}
    for item in shipment.items:
        if not float(item.quantity).is_integer():
            return Refuse(f"SKU {item.sku}: {item.quantity:g} is not a whole number of units")
        amazon = amazon_item(item, order)
        if amazon is None:
            return Refuse(f"SKU {item.sku} is not an item of Amazon order {order.order_id}")
        wanted[amazon.order_item_id] = wanted.get(amazon.order_item_id, 0) + int(item.quantity)
    if not wanted:
        return Refuse("the shipment holds no items")
    if held is None and order.status == "SHIPPED":
        return Refuse("Amazon already shows every item as shipped; this shipment is not one of its packages")
    in_package = dict(held.items) if held else {}
    for item_id, quantity in wanted.items():
        amazon = by_id[item_id]
        room = amazon.quantity_ordered - amazon.quantity_shipped + in_package.get(item_id, 0)
        if quantity > room:
            return Refuse(f"SKU {amazon.sku or item_id}: {quantity} shipped in Magento, "
                          f"Amazon has {max(room, 0)} left to ship")

    carrier_code, carrier_name = carrier_for(track.carrier_code, track.title, settings.carrier_mapping)
    if carrier_code == OTHER and not carrier_name:
        return Refuse("the tracking number has no carrier: set the carrier's name on the track")
    items = tuple(PackageItem(amazon_order_item_id=i, quantity=q) for i, q in sorted(wanted.items()))
    ship_date = shipment.shipped_at or recorded_at
    if ship_date is None:
        return Refuse("the shipment has no date")
    package = AmazonPackage(
        package_reference_id=reference,
        carrier_code=carrier_code,
        carrier_name=carrier_name,
        shipping_method=None,
        tracking_number=track.track_number.strip(),
        ship_date=ship_date,
        items=items,
    )
    if held is not None and _same(held.tracking_number, track.track_number) \
            and (_same(held.carrier, carrier_code) or _same(held.carrier, carrier_name)) \
            and sorted(held.items) == [(i.amazon_order_item_id, i.quantity) for i in items]:
        return Held(package)
    return Confirm(package, edit=held is not None, ignored_tracks=ignored)
