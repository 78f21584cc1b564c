"""Fault injection: failing or slow answers for the next N calls of an operation, and one
malformed order in the next searchOrders answer of a seller (to test dead-letter paths)."""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass
from typing import Any

OPERATIONS = ("searchOrders", "getOrder", "token", "confirmShipment", "createFeedDocument", "createFeed", "getFeed",
              "getFeedDocument")
ANY_OPERATION = "*"
MALFORMED_KINDS = ("unknown_status", "missing_field")


@dataclass
class FaultRule:
    operation: str
    seller_id: str | None
    status: int | None
    latency_seconds: float
    remaining: int

    def matches(self, operation: str, seller_id: str | None) -> bool:
        return (
            self.remaining > 0
            and self.operation in (operation, ANY_OPERATION)
            and (self.seller_id is None or self.seller_id == seller_id)
        )


@dataclass(frozen=True)
class Fault:
    status: int | None
    latency_seconds: float


@dataclass(frozen=True)
class MalformedOrder:
    kind: str
    field: str = "createdTime"
    """For ``missing_field``: a dotted path, e.g. ``salesChannel`` or ``orderItems.0.product``."""
    value: str = "LOST_IN_SPACE"
    """For ``unknown_status``: the fulfillmentStatus to send."""
    order_id: str | None = None
    """Corrupt this order when it is on the page; ``None``: the first order of the page."""


class FaultInjector:
    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._malformed: dict[str, MalformedOrder] = {}
        self._lock = threading.Lock()

    def add(
        self,
        operation: str,
        count: int = 1,
        status: int | None = None,
        latency_seconds: float = 0.0,
        seller_id: str | None = None,
    ) -> None:
        if operation not in OPERATIONS and operation != ANY_OPERATION:
            raise ValueError(f"unknown operation {operation!r}; use one of {OPERATIONS} or '*'")
        if status is None and latency_seconds <= 0:
            raise ValueError("a fault needs a status, a latency, or both")
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._rules.append(FaultRule(operation, seller_id, status, latency_seconds, count))

    def take(self, operation: str, seller_id: str | None) -> Fault:
        """The fault (if any) for this call; uses up one call of each matching rule kind."""
        status: int | None = None
        latency = 0.0
        with self._lock:
            for rule in self._rules:
                if not rule.matches(operation, seller_id):
                    continue
                if rule.status is not None and status is None:
                    status = rule.status
                    latency = max(latency, rule.latency_seconds)
                    rule.remaining -= 1
                elif rule.status is None and latency == 0.0:
                    latency = rule.latency_seconds
                    rule.remaining -= 1
            self._rules = [rule for rule in self._rules if rule.remaining > 0]
        return Fault(status, latency)

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [vars(rule).copy() for rule in self._rules]

    def arm_malformed(self, seller_id: str, malformed: MalformedOrder) -> None:
        if malformed.kind not in MALFORMED_KINDS:
            raise ValueError(f"unknown malformed kind {malformed.kind!r}; use one of {MALFORMED_KINDS}")
        with self._lock:
            self._malformed[seller_id] = malformed

    def corrupt_page(self, seller_id: str, orders: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """If a malformed order is armed for the seller and a target is on the page, corrupt it once."""
        with self._lock:
            malformed = self._malformed.get(seller_id)
            if malformed is None:
                return orders
            targets = [
                i
                for i, order in enumerate(orders)
                if malformed.order_id is None or order.get("orderId") == malformed.order_id
            ]
            if not targets:
                return orders
            del self._malformed[seller_id]
        result = list(orders)
        result[targets[0]] = corrupt(orders[targets[0]], malformed)
        return result

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._malformed.clear()


def corrupt(order: dict[str, Any], malformed: MalformedOrder) -> dict[str, Any]:
    broken = copy.deepcopy(order)
    if malformed.kind == "unknown_status":
        fulfillment = broken.setdefault("fulfillment", {})
        fulfillment["fulfillmentStatus"] = malformed.value
        return broken
    *parents, last = malformed.field.split(".")
    node: Any = broken
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        del node[int(last)]
    else:
        node.pop(last, None)
    return broken
