"""Order transitions. Each returns a new ``SimOrder`` (the old one is left untouched) with a
strictly later ``last_updated_time``. Amazon publishes no state machine; the random walk
follows research §4: PENDING → UNSHIPPED → (PARTIALLY_SHIPPED →) SHIPPED for merchant orders,
PENDING → SHIPPED for FBA, cancellations from PENDING/UNSHIPPED, buyer cancel requests."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sandbox.spapi.generator import OrderFactory
from sandbox.spapi.model import FULFILLMENT_STATUSES, PRE_PAYMENT_STATUSES, SimOrder, SimPackage

PENDING_TIMEOUT = timedelta(days=21)
"""Amazon cancels orders still PENDING after 21 days (Seller Central help G40571)."""


class TransitionError(ValueError):
    """The transition is not possible for this order (e.g. shipping more than ordered)."""


def _next_version(order: SimOrder, at: datetime) -> SimOrder:
    new = order.clone()
    at = at.replace(microsecond=0)
    new.last_updated_time = max(at, order.last_updated_time + timedelta(seconds=1))
    return new


def set_status(order: SimOrder, status: str, at: datetime, factory: OrderFactory) -> SimOrder:
    """Force any status; item quantities and prices follow it."""
    if status not in FULFILLMENT_STATUSES:
        raise TransitionError(f"unknown fulfillment status {status!r}")
    if status == "SHIPPED":
        return ship(order, None, at, factory)
    if status == "CANCELLED":
        return cancel(order, at, cancelled_by="SELLER", reason=None)
    new = _next_version(order, at)
    new.status = status
    new.priced = status not in PRE_PAYMENT_STATUSES
    if status in ("PENDING", "PENDING_AVAILABILITY", "UNSHIPPED"):
        for item in new.items:
            item.quantity_shipped = 0
        new.packages = []
    return new


def ship(order: SimOrder, quantities: dict[str, int] | None, at: datetime, factory: OrderFactory) -> SimOrder:
    """Ship ``quantities`` (order item id → units; ``None`` = everything left). Merchant orders
    must have left PENDING first (Amazon: pending orders must not be shipped); FBA may ship
    straight from PENDING."""
    if order.status in ("CANCELLED", "UNFULFILLABLE"):
        raise TransitionError(f"order {order.order_id} is {order.status}")
    if order.status in PRE_PAYMENT_STATUSES and order.fulfilled_by == "MERCHANT":
        raise TransitionError(f"merchant order {order.order_id} is {order.status} and must not be shipped")
    wanted = (
        quantities if quantities is not None else {i.order_item_id: i.quantity_unshipped for i in order.items}
    )
    by_id = {item.order_item_id: item for item in order.items}
    for item_id, units in wanted.items():
        if item_id not in by_id:
            raise TransitionError(f"order {order.order_id} has no item {item_id}")
        if units < 0 or units > by_id[item_id].quantity_unshipped:
            raise TransitionError(
                f"cannot ship {units} of item {item_id} ({by_id[item_id].quantity_unshipped} left)"
            )
    shipped_now = [(item_id, units) for item_id, units in wanted.items() if units > 0]
    if not shipped_now:
        raise TransitionError(f"nothing left to ship in order {order.order_id}")
    new = _next_version(order, at)
    new.priced = True
    for item in new.items:
        item.quantity_shipped += wanted.get(item.order_item_id, 0)
    if new.fulfilled_by == "MERCHANT":
        carrier, service, tracking = factory.package_parts()
        new.packages.append(
            SimPackage(
                f"PKG-{new.order_id}-{len(new.packages) + 1}",
                new.last_updated_time,
                carrier,
                service,
                tracking,
                shipped_now,
            )
        )
    all_shipped = all(item.quantity_unshipped == 0 for item in new.items)
    new.status = "SHIPPED" if all_shipped else "PARTIALLY_SHIPPED"
    return new


def cancel(
    order: SimOrder, at: datetime, cancelled_by: str = "SELLER", reason: str | None = None
) -> SimOrder:
    if order.status in ("SHIPPED", "CANCELLED"):
        raise TransitionError(f"order {order.order_id} is already {order.status}")
    new = _next_version(order, at)
    new.status = "CANCELLED"
    new.cancelled_by = cancelled_by
    new.cancel_reason = (
        reason
        or next((i.cancel_request_reason for i in new.items if i.cancel_request_reason), None)
        or "Cancelled by seller"
    )
    return new


def request_cancellation(
    order: SimOrder, at: datetime, reason: str, item_ids: list[str] | None = None
) -> SimOrder:
    """The buyer asks to cancel (``orderItems[].cancellation.cancellationRequest``); status is unchanged."""
    if order.status in ("SHIPPED", "CANCELLED", "UNFULFILLABLE"):
        raise TransitionError(f"order {order.order_id} is {order.status}; nothing to cancel")
    known = {item.order_item_id for item in order.items}
    unknown = set(item_ids or ()) - known
    if unknown:
        raise TransitionError(f"order {order.order_id} has no item(s) {sorted(unknown)}")
    new = _next_version(order, at)
    for item in new.items:
        if item_ids is None or item.order_item_id in item_ids:
            item.cancel_request_reason = reason
    return new


def random_step(order: SimOrder, at: datetime, rng: random.Random, factory: OrderFactory) -> SimOrder:
    """One plausible next step for an open order."""
    roll = rng.random()
    if order.status == "PENDING_AVAILABILITY":
        return set_status(order, "PENDING", at, factory)
    if order.status == "PENDING":
        if roll < 0.07 or at - order.created_time > PENDING_TIMEOUT:
            return cancel(order, at, cancelled_by="SYSTEM", reason="Payment not authorized")
        if order.fulfilled_by == "AMAZON":
            return ship(order, None, at, factory)
        return set_status(order, "UNSHIPPED", at, factory)
    if order.status == "UNSHIPPED":
        if roll < 0.06:
            return request_cancellation(order, at, factory.cancel_reason())
        if roll < 0.12 or any(item.cancel_request_reason for item in order.items):
            return cancel(order, at, cancelled_by="SELLER")
        splittable = [item for item in order.items if item.quantity_unshipped > 1] or order.items
        if roll < 0.3 and (len(order.items) > 1 or order.items[0].quantity_unshipped > 1):
            item = rng.choice(splittable)
            units = max(1, item.quantity_unshipped // 2) if len(order.items) == 1 else item.quantity_unshipped
            return ship(order, {item.order_item_id: units}, at, factory)
        return ship(order, None, at, factory)
    if order.status == "PARTIALLY_SHIPPED":
        return ship(order, None, at, factory)
    raise TransitionError(f"order {order.order_id} is {order.status}; no further transitions")
