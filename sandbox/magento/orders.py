"""Sales orders: direct persistence (`OrderRepository::save`), reads, and the state machine of
cancel / hold / invoice / ship / comments (Magento\\Sales\\Model\\Order rules)."""

from __future__ import annotations

import copy
import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sandbox.magento import directory
from sandbox.magento.catalog import Catalog
from sandbox.magento.clock import now_str
from sandbox.magento.errors import (
    ADDRESS_NOT_SAVED,
    NO_SUCH_PRODUCT,
    PRODUCT_NOT_AVAILABLE,
    QTY_NOT_AVAILABLE,
    UNIQUE_VIOLATION,
    MagentoError,
    not_found,
)
from sandbox.magento.inventory import Inventory
from sandbox.magento.schema import render

ORDER_DEF = "sales-data-order-interface"
DEFAULT_STATUS = {
    "new": "pending",
    "processing": "processing",
    "complete": "complete",
    "canceled": "canceled",
    "closed": "closed",
    "holded": "holded",
    "payment_review": "payment_review",
}
INVOICE_PREFIX = "Invoice Document Validation Error(s):\n"
SHIPMENT_PREFIX = "Shipment Document Validation Error(s):\n"
NOT_INVOICE_STATES = ("payment_review", "holded", "canceled", "complete", "closed")
NOT_SHIP_STATES = ("payment_review", "holded", "canceled")
Order = dict[str, Any]
# Order\Address\Validator::$required (+ telephone, required by the default address attribute config);
# parent_id is set by the save itself.
ADDRESS_REQUIRED = (
    ("postcode", "Zip code"),
    ("lastname", "Last name"),
    ("street", "Street"),
    ("city", "City"),
    ("email", "Email"),
    ("telephone", "Phone Number"),
    ("country_id", "Country"),
    ("firstname", "First Name"),
    ("address_type", "Address Type"),
)
# Laminas EmailAddress as Magento configures it (no TLD list check): local-part@hostname.
_EMAIL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z0-9-]+$")


def address_warnings(address: dict[str, Any]) -> list[str]:
    r"""Order\Address\Validator::validate, run by the order address resource before every save."""
    warnings = [f'"{label}" is required. Enter and try again.' for key, label in ADDRESS_REQUIRED if key not in address]
    email = address.get("email")
    if not email or not _EMAIL.match(str(email)):
        warnings.append("Email has a wrong format")
    if address.get("address_type") not in ("billing", "shipping"):
        warnings.append("Address type doesn't match required options")
    return warnings


def with_region(address: dict[str, Any]) -> dict[str, Any]:
    r"""The region as Order\Address reads it back: a region id of the address's country gives the
    directory's code (and its name when no region text was sent); any other id is kept as sent."""
    out = dict(address)
    region_id = out.get("region_id")
    known = directory.region(int(region_id)) if region_id else None
    if known is not None and known.country_id == out.get("country_id"):
        out["region_code"] = known.code
        out["region"] = out.get("region") or known.name
    return out


def _qty(item: dict[str, Any], key: str) -> float:
    return float(item.get(key) or 0.0)


def qty_to_invoice(item: dict[str, Any]) -> float:
    return max(0.0, _qty(item, "qty_ordered") - _qty(item, "qty_invoiced") - _qty(item, "qty_canceled"))


def qty_to_ship(item: dict[str, Any]) -> float:
    return max(
        0.0,
        _qty(item, "qty_ordered")
        - _qty(item, "qty_shipped")
        - _qty(item, "qty_refunded")
        - _qty(item, "qty_canceled"),
    )


def can_invoice(order: Order) -> bool:
    return order.get("state") not in NOT_INVOICE_STATES and any(qty_to_invoice(i) > 0 for i in order["items"])


def can_ship(order: Order) -> bool:
    if order.get("state") in NOT_SHIP_STATES or order.get("is_virtual"):
        return False
    return any(qty_to_ship(i) > 0 and not i.get("is_virtual") for i in order["items"])


def can_cancel(order: Order) -> bool:
    """Order::canCancel: not on hold / payment review / canceled / complete / closed; some qty left
    to invoice."""
    if order.get("state") in ("holded", "payment_review", "canceled", "complete", "closed"):
        return False
    return any(qty_to_invoice(i) > 0 for i in order["items"])


class OrderBook:
    """Orders with indexes by (increment_id, store_id) and ext_order_id. MagentoState holds the lock."""

    def __init__(self, catalog: Catalog, inventory: Inventory) -> None:
        self.catalog = catalog
        self.inventory = inventory
        self.orders: dict[int, Order] = {}
        self.by_increment: dict[tuple[str, int], int] = {}
        self.by_ext: dict[str, set[int]] = defaultdict(set)
        self.sequences: dict[int, int] = defaultdict(int)
        self.invoices: dict[int, dict[str, Any]] = {}
        self.shipments: dict[int, dict[str, Any]] = {}
        # Called with each new shipment while the lock is held (the module's save_after observers).
        self.shipment_observers: list[Callable[[dict[str, Any]], None]] = []
        # Called with each order whose state became canceled, while the lock is held (the module's
        # sales_order_save_after observer: the order's save transaction).
        self.cancel_observers: list[Callable[[Order], None]] = []
        self._ids: dict[str, int] = defaultdict(int)
        self.deleted: set[int] = set()

    def _next(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    # ---- persistence -------------------------------------------------------------------------------
    def get(self, entity_id: int) -> Order:
        order = self.orders.get(entity_id)
        if order is None:
            raise not_found()
        return order

    def save(self, entity: dict[str, Any], url_store_id: int, enforce_stock: bool) -> Order:
        """OrderRepository::save: sparse update when entity_id is given, else insert."""
        if entity.get("entity_id") is not None:
            return self._update(entity)
        return self._insert(entity, url_store_id, enforce_stock)

    def _update(self, entity: dict[str, Any]) -> Order:
        order = self.get(int(entity["entity_id"]))
        columns = {
            k: v
            for k, v in entity.items()
            if k
            not in (
                "entity_id",
                "items",
                "billing_address",
                "payment",
                "status_histories",
                "extension_attributes",
            )
        }
        if "increment_id" in columns or "store_id" in columns:
            key = (
                str(columns.get("increment_id", order["increment_id"])),
                int(columns.get("store_id") or order["store_id"]),
            )
            if key in self.by_increment and self.by_increment[key] != order["entity_id"]:
                raise MagentoError(400, UNIQUE_VIOLATION)
            del self.by_increment[(order["increment_id"], order["store_id"])]
            self.by_increment[key] = order["entity_id"]
        if "ext_order_id" in columns and order.get("ext_order_id"):
            self.by_ext[order["ext_order_id"]].discard(order["entity_id"])
        order.update(columns)
        if order.get("ext_order_id"):
            self.by_ext[order["ext_order_id"]].add(order["entity_id"])
        order["updated_at"] = now_str()
        return order

    def _insert(self, entity: dict[str, Any], url_store_id: int, enforce_stock: bool) -> Order:
        store_id = entity.get("store_id")
        if store_id is None:
            store_id = url_store_id or 1
        store = self.catalog.stores.get(int(store_id))
        if store is None:
            raise MagentoError(
                404, "The store that was requested wasn't found. Verify the store and try again."
            )
        increment_id = entity.get("increment_id")
        if increment_id is None:
            self.sequences[store.id] += 1
            increment_id = f"{store.increment_prefix}{self.sequences[store.id]:09d}"
        if (increment_id, store.id) in self.by_increment:
            raise MagentoError(400, UNIQUE_VIOLATION)
        self._check_addresses(entity)
        items = [dict(i) for i in entity.get("items") or []]
        stock_id = self.catalog.stock_id_for_store(store.id)
        if enforce_stock:
            self._check_salable(items, store.website_id, stock_id)
        entity_id = self._next("order")
        now = now_str()
        order: Order = {
            k: v
            for k, v in entity.items()
            if k not in ("items", "billing_address", "payment", "status_histories", "extension_attributes")
        }
        order.update(
            entity_id=entity_id,
            store_id=store.id,
            increment_id=increment_id,
            created_at=order.get("created_at") or now,
            updated_at=now,
        )
        order["store_name"] = order.get("store_name") or store.name
        for item in items:
            item.update(
                item_id=self._next("item"),
                order_id=entity_id,
                store_id=store.id,
                created_at=now,
                updated_at=now,
            )
            for key in ("qty_canceled", "qty_invoiced", "qty_shipped", "qty_refunded"):
                item.setdefault(key, 0.0)
        order["items"] = items
        order["total_item_count"] = order.get("total_item_count") or len(items)
        ext = copy.deepcopy(entity.get("extension_attributes") or {})
        assignments = ext.pop("shipping_assignments", None) or []
        order["_ext"] = ext
        shipping = (assignments[0] or {}).get("shipping") if assignments else None
        order["_shipping_method"] = (shipping or {}).get("method")
        order["_shipping_total"] = (shipping or {}).get("total")
        ship_addr = (shipping or {}).get("address")
        if ship_addr:
            order["_shipping_address"] = {
                **with_region(ship_addr),
                "entity_id": self._next("address"),
                "parent_id": entity_id,
                "address_type": "shipping",
            }
            if not order.get("customer_email"):
                order["customer_email"] = ship_addr.get("email")
        billing = entity.get("billing_address")
        if billing:
            order["billing_address"] = {
                **with_region(billing),
                "entity_id": self._next("address"),
                "parent_id": entity_id,
                "address_type": billing.get("address_type") or "billing",
            }
            order["billing_address_id"] = order["billing_address"]["entity_id"]
        payment = entity.get("payment")
        if payment:
            order["payment"] = {**payment, "entity_id": self._next("payment"), "parent_id": entity_id}
        order["status_histories"] = [
            {
                **h,
                "entity_id": self._next("history"),
                "parent_id": entity_id,
                "created_at": h.get("created_at") or now,
                "entity_name": h.get("entity_name") or "order",
            }
            for h in entity.get("status_histories") or []
        ]
        order["_stock_id"] = stock_id
        order["_reserved"] = enforce_stock
        self.orders[entity_id] = order
        self.by_increment[(increment_id, store.id)] = entity_id
        if order.get("ext_order_id"):
            self.by_ext[order["ext_order_id"]].add(entity_id)
        if enforce_stock:
            for item in items:
                self._reserve(order, item["sku"], -_qty(item, "qty_ordered"), "order_placed")
        return order

    @staticmethod
    def _check_addresses(entity: dict[str, Any]) -> None:
        """The address resource's validation; the first failing address aborts the whole save."""
        assignments = (entity.get("extension_attributes") or {}).get("shipping_assignments") or []
        shipping = ((assignments[0] or {}).get("shipping") or {}).get("address") if assignments else None
        addresses = [entity.get("billing_address")]
        if shipping:
            addresses.append({**shipping, "address_type": "shipping"})
        for address in addresses:
            warnings = address_warnings(address) if address else []
            if warnings:
                raise MagentoError(400, ADDRESS_NOT_SAVED, ["\n".join(warnings)])

    def _check_salable(self, items: list[dict[str, Any]], website_id: int, stock_id: int) -> None:
        wanted: dict[str, float] = defaultdict(float)
        for item in items:
            sku = item.get("sku")
            product = self.catalog.products.get(str(sku))
            if product is None:
                raise MagentoError(400, NO_SUCH_PRODUCT)
            if not product.enabled or website_id not in product.website_ids:
                raise MagentoError(400, PRODUCT_NOT_AVAILABLE)
            qty = _qty(item, "qty_ordered")
            if qty <= 0:
                raise MagentoError(
                    400,
                    'Invalid value of "%value" provided for the %fieldName field.',
                    {"value": str(item.get("qty_ordered")), "fieldName": "qty_ordered"},
                )
            wanted[product.sku] += qty
        for sku, qty in wanted.items():
            if self.inventory.salable(sku, stock_id) < qty:
                raise MagentoError(400, QTY_NOT_AVAILABLE)

    def _reserve(self, order: Order, sku: str, qty: float, event: str) -> None:
        if qty:
            self.inventory.append(
                order["_stock_id"],
                sku,
                qty,
                {
                    "event_type": event,
                    "object_type": "order",
                    "object_id": str(order["entity_id"]),
                    "object_increment_id": order["increment_id"],
                },
            )

    def delete(self, entity_id: int) -> None:
        """The merchant deletes the order (reservations stay, as MSI has no delete compensation)."""
        order = self.get(entity_id)
        del self.orders[entity_id]
        self.by_increment.pop((order["increment_id"], order["store_id"]), None)
        if order.get("ext_order_id"):
            self.by_ext[order["ext_order_id"]].discard(entity_id)
        self.deleted.add(entity_id)

    # ---- state machine ------------------------------------------------------------------------------
    def _set_state(self, order: Order, state: str) -> None:
        order["state"] = state
        order["status"] = DEFAULT_STATUS[state]
        order["updated_at"] = now_str()

    def _check_complete(self, order: Order) -> None:
        if (
            order.get("state") in (None, "new", "processing")
            and not can_invoice(order)
            and not can_ship(order)
        ):
            self._set_state(order, "complete")
        elif order.get("state") in (None, "new"):
            self._set_state(order, "processing")

    def cancel(self, entity_id: int) -> bool:
        order = self.get(entity_id)
        if not can_cancel(order):
            return False
        for item in order["items"]:
            to_cancel = min(qty_to_invoice(item), qty_to_ship(item))
            item["qty_canceled"] = _qty(item, "qty_canceled") + to_cancel
            if order.get("_reserved"):
                self._reserve(order, item["sku"], to_cancel, "order_canceled")
        invoiced = any(_qty(i, "qty_invoiced") - _qty(i, "qty_refunded") > 0 for i in order["items"])
        if not invoiced:
            self._set_state(order, "canceled")
            order["total_canceled"] = order.get("grand_total")
            order["base_total_canceled"] = order.get("base_grand_total")
            for observer in self.cancel_observers:
                observer(order)
        else:
            self._set_state(order, "processing" if can_ship(order) else "complete")
        return True

    def hold(self, entity_id: int) -> bool:
        order = self.get(entity_id)
        if order.get("state") in ("canceled", "payment_review", "complete", "closed", "holded"):
            raise MagentoError(400, "A hold action is not available.")
        order["hold_before_state"], order["hold_before_status"] = order.get("state"), order.get("status")
        self._set_state(order, "holded")
        return True

    def unhold(self, entity_id: int) -> bool:
        order = self.get(entity_id)
        if order.get("state") != "holded":
            raise MagentoError(400, "You cannot remove the hold.")
        order["state"], order["status"] = order.pop("hold_before_state"), order.pop("hold_before_status")
        order["updated_at"] = now_str()
        return True

    def add_comment(self, entity_id: int, history: dict[str, Any]) -> bool:
        """2.4.7+ behaviour: the comment is stored with its status; the order status is not changed."""
        order = self.get(entity_id)
        order["status_histories"].append(
            {
                **history,
                "entity_id": self._next("history"),
                "parent_id": entity_id,
                "created_at": now_str(),
                "entity_name": history.get("entity_name") or "order",
                "is_customer_notified": history.get("is_customer_notified") or 0,
                "is_visible_on_front": history.get("is_visible_on_front") or 0,
            }
        )
        order["updated_at"] = now_str()
        return True

    def _requested(
        self, order: Order, items: list[dict[str, Any]] | None, remaining: Any, prefix: str, kind: str
    ) -> dict[int, float]:
        by_id = {int(i["item_id"]): i for i in order["items"]}
        if not items:
            return {iid: remaining(i) for iid, i in by_id.items() if remaining(i) > 0}
        wanted: dict[int, float] = {}
        for req in items:
            item = by_id.get(int(req.get("order_item_id") or 0))
            if item is None:
                raise MagentoError(
                    400,
                    prefix + f"The {kind} contains one or more items that are not part of "
                    "the original order.",
                )
            qty = float(req.get("qty") or 0)
            if qty > remaining(item):
                verb = "invoice" if kind == "invoice" else "ship"
                state = "uninvoiced" if kind == "invoice" else "unshipped"
                raise MagentoError(
                    400,
                    prefix + f"The quantity to {verb} must not be greater than the {state} "
                    f'quantity for product SKU "{item["sku"]}".',
                )
            if qty > 0:
                wanted[int(item["item_id"])] = qty
        return wanted

    def invoice(self, entity_id: int, items: list[dict[str, Any]] | None) -> int:
        order = self.get(entity_id)
        if order.get("state") in NOT_INVOICE_STATES:
            raise MagentoError(
                400,
                INVOICE_PREFIX + "An invoice cannot be created when an order has a status of "
                f"{order.get('status')}",
            )
        if not can_invoice(order):
            raise MagentoError(400, INVOICE_PREFIX + "The order does not allow an invoice to be created.")
        wanted = self._requested(order, items, qty_to_invoice, INVOICE_PREFIX, "invoice")
        if not wanted:
            raise MagentoError(400, INVOICE_PREFIX + "You can't create an invoice without products.")
        first = not self.invoices or all(inv["order_id"] != entity_id for inv in self.invoices.values())
        amount = 0.0
        for item in order["items"]:
            qty = wanted.get(int(item["item_id"]), 0.0)
            item["qty_invoiced"] = _qty(item, "qty_invoiced") + qty
            amount += qty * float(item.get("price") or 0.0)
        if first:
            amount += float(order.get("shipping_amount") or 0.0)
        if not can_invoice(order):
            amount = float(order.get("grand_total") or 0.0) - float(order.get("total_invoiced") or 0.0)
        for col in ("total_invoiced", "base_total_invoiced", "total_paid", "base_total_paid"):
            order[col] = round(float(order.get(col) or 0.0) + amount, 4)
        order["total_due"] = round(float(order.get("grand_total") or 0.0) - order["total_paid"], 4)
        order["base_total_due"] = order["total_due"]
        invoice_id = self._next("invoice")
        self.invoices[invoice_id] = {
            "entity_id": invoice_id,
            "order_id": entity_id,
            "items": wanted,
            "grand_total": amount,
            "created_at": now_str(),
        }
        self._check_complete(order)
        return invoice_id

    def ship(
        self, entity_id: int, items: list[dict[str, Any]] | None, tracks: list[dict[str, Any]] | None
    ) -> int:
        order = self.get(entity_id)
        if order.get("state") in NOT_SHIP_STATES:
            raise MagentoError(
                400,
                SHIPMENT_PREFIX + "A shipment cannot be created when an order has a status of "
                f"{order.get('status')}",
            )
        if not can_ship(order):
            raise MagentoError(400, SHIPMENT_PREFIX + "The order does not allow a shipment to be created.")
        wanted = self._requested(order, items, qty_to_ship, SHIPMENT_PREFIX, "shipment")
        if not wanted:
            raise MagentoError(400, SHIPMENT_PREFIX + "You can't create a shipment without products.")
        for item in order["items"]:
            qty = wanted.get(int(item["item_id"]), 0.0)
            if not qty:
                continue
            item["qty_shipped"] = _qty(item, "qty_shipped") + qty
            self.inventory.deduct_source(item["sku"], order["_stock_id"], qty)
            if order.get("_reserved"):
                self._reserve(order, item["sku"], qty, "shipment_created")
        shipment_id = self._next("shipment")
        self.shipments[shipment_id] = {
            "entity_id": shipment_id,
            "order_id": entity_id,
            "items": wanted,
            "tracks": list(tracks or []),
            "created_at": now_str(),
        }
        for observer in self.shipment_observers:
            observer(self.shipments[shipment_id])
        self._check_complete(order)
        return shipment_id

    def close(self, entity_id: int) -> None:
        """Sandbox shortcut for a full offline refund: state/status closed."""
        order = self.get(entity_id)
        for item in order["items"]:
            item["qty_refunded"] = _qty(item, "qty_invoiced")
        order["total_refunded"] = order.get("total_paid")
        self._set_state(order, "closed")

    # ---- output -------------------------------------------------------------------------------------
    @staticmethod
    def raw(order: Order) -> dict[str, Any]:
        """All stored columns (sandbox admin view), including the shipping address and method."""
        out = {k: copy.deepcopy(v) for k, v in order.items() if not k.startswith("_")}
        out["shipping_address"] = copy.deepcopy(order.get("_shipping_address"))
        out["shipping_method"] = order.get("_shipping_method")
        out["extension_attributes"] = copy.deepcopy(order.get("_ext") or {})
        return out

    @staticmethod
    def render(order: Order) -> dict[str, Any]:
        """The API view (GET /V1/orders/{id}): shipping address under shipping_assignments, nulls omitted."""
        out: dict[str, Any] = {k: v for k, v in order.items() if not k.startswith("_")}
        ext: dict[str, Any] = dict(order.get("_ext") or {})
        if order.get("_shipping_address") or order.get("_shipping_method"):
            shipping = {
                "address": order.get("_shipping_address"),
                "method": order.get("_shipping_method"),
                "total": order.get("_shipping_total"),
            }
            ext["shipping_assignments"] = [
                {"shipping": shipping, "items": order["items"], "stock_id": order.get("_stock_id")}
            ]
        out["extension_attributes"] = ext
        rendered: dict[str, Any] = render(ORDER_DEF, out)
        return rendered
