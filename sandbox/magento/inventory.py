"""MSI: per-stock quantities, the append-only reservation ledger, salable quantity, and the
module-provided idempotent reservation command (`POST /V1/sales-channel/reservations`)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sandbox.magento.errors import MagentoError


@dataclass(frozen=True)
class Reservation:
    reservation_id: int
    stock_id: int
    sku: str
    quantity: float
    metadata: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "reservation_id": self.reservation_id,
            "stock_id": self.stock_id,
            "sku": self.sku,
            "quantity": self.quantity,
            "metadata": self.metadata,
        }


class Inventory:
    """Not thread-safe on its own (MagentoState locks)."""

    def __init__(self) -> None:
        self.quantities: dict[tuple[str, int], float] = {}
        self.reservations: list[Reservation] = []
        self._reserved: dict[tuple[str, int], float] = defaultdict(float)
        self.applied_keys: dict[str, list[int]] = {}

    def set_quantity(self, sku: str, stock_id: int, quantity: float) -> None:
        self.quantities[(sku, stock_id)] = float(quantity)

    def deduct_source(self, sku: str, stock_id: int, quantity: float) -> None:
        """Shipment: physical quantity leaves the source."""
        key = (sku, stock_id)
        self.quantities[key] = self.quantities.get(key, 0.0) - quantity

    def append(self, stock_id: int, sku: str, quantity: float, metadata: dict[str, Any]) -> Reservation:
        res = Reservation(
            len(self.reservations) + 1,
            stock_id,
            sku,
            float(quantity),
            json.dumps(metadata, separators=(",", ":")),
        )
        self.reservations.append(res)
        self._reserved[(sku, stock_id)] += float(quantity)
        return res

    def reserved(self, sku: str, stock_id: int) -> float:
        return self._reserved.get((sku, stock_id), 0.0)

    def salable(self, sku: str, stock_id: int) -> float:
        """indexed qty of the stock + SUM(reservations) (min_qty 0)."""
        return self.quantities.get((sku, stock_id), 0.0) + self.reserved(sku, stock_id)

    def apply_command(self, command: Any, known_skus: set[str] | dict[str, Any]) -> bool:
        """The Sales Channel module's idempotent reservation command. True if newly applied."""
        key, stock_id, items, metadata = validate_command(command)
        if key in self.applied_keys:
            return False
        missing = sorted({sku for sku, _ in items if sku not in known_skus})
        if missing:
            raise MagentoError(
                400, "Following products with requested skus were not found: %1", [", ".join(missing)]
            )
        ids = [self.append(stock_id, sku, qty, metadata).reservation_id for sku, qty in items]
        self.applied_keys[key] = ids
        return True


def _required(name: str) -> MagentoError:
    return MagentoError(400, '"%fieldName" is required. Enter and try again.', {"fieldName": name})


def _invalid(name: str, value: Any) -> MagentoError:
    return MagentoError(
        400,
        'Invalid value of "%value" provided for the %fieldName field.',
        {"value": str(value), "fieldName": name},
    )


EVENT_TYPES = ("amazon_pending_reserve", "amazon_pending_release")


def validate_command(command: Any) -> tuple[str, int, list[tuple[str, float]], dict[str, Any]]:
    if not isinstance(command, dict):
        raise _required("command")
    key = command.get("reservation_key")
    if not isinstance(key, str) or not key.strip():
        raise _required("reservation_key")
    stock_id = command.get("stock_id")
    if isinstance(stock_id, bool) or not isinstance(stock_id, int | str) or not str(stock_id).isdigit():
        raise _invalid("stock_id", stock_id)
    raw_items = command.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise _required("items")
    items: list[tuple[str, float]] = []
    for item in raw_items:
        if not isinstance(item, dict) or not isinstance(item.get("sku"), str) or not item["sku"]:
            raise _required("sku")
        qty = item.get("quantity")
        if isinstance(qty, bool) or not isinstance(qty, int | float) or qty == 0:
            raise _invalid("quantity", qty)
        items.append((item["sku"], float(qty)))
    metadata = command.get("metadata")
    if not isinstance(metadata, dict):
        raise _required("metadata")
    if metadata.get("event_type") not in EVENT_TYPES:
        raise _invalid("event_type", metadata.get("event_type"))
    if metadata.get("object_type") != "amazon_order":
        raise _invalid("object_type", metadata.get("object_type"))
    if not isinstance(metadata.get("object_id"), str) or not metadata["object_id"]:
        raise _required("object_id")
    meta = {
        "event_type": metadata["event_type"],
        "object_type": "amazon_order",
        "object_id": metadata["object_id"],
    }
    return key, int(stock_id), items, meta
