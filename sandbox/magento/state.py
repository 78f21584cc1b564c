"""MagentoState: the whole in-memory Magento behind one re-entrant lock, plus the sandbox admin API
(the same operations are exposed over HTTP under `/_sandbox/...`)."""

from __future__ import annotations

import threading
from typing import Any

from sandbox.magento.auth import Credentials
from sandbox.magento.catalog import STATUS_DISABLED, STATUS_ENABLED, Catalog, StoreView, Website
from sandbox.magento.customers import CustomerBook
from sandbox.magento.directory import Currencies
from sandbox.magento.faults import CallRecord, Fault, FaultKind, FaultPlan
from sandbox.magento.fulfillment import FulfillmentOutbox
from sandbox.magento.inventory import Inventory
from sandbox.magento.orders import OrderBook


class MagentoState:
    """Thread-safe: every public method takes `self.lock`; route handlers take it too.

    Switches: `developer_mode` (errors carry `trace`, 500s are not masked), `enforce_stock_on_create`
    (PUT /V1/orders/create checks products/salable qty and reserves like order placement; False = pure
    persistence as in real Magento), `scalar_ids_as_strings` (invoice/ship ids as "12" instead of 12),
    `integration_bearer_enabled` (accept an integration access token as Bearer)."""

    def __init__(
        self,
        developer_mode: bool = False,
        enforce_stock_on_create: bool = True,
        base_url: str = "http://localhost/",
    ) -> None:
        self.lock = threading.RLock()
        self.developer_mode = developer_mode
        self.enforce_stock_on_create = enforce_stock_on_create
        self.scalar_ids_as_strings = False
        self.base_url = base_url
        self._init()

    def _init(self) -> None:
        self.catalog = Catalog()
        self.inventory = Inventory()
        self.orders = OrderBook(self.catalog, self.inventory)
        self.fulfillment = FulfillmentOutbox(self.orders)  # our module's outbox (deploy/magento-module)
        self.fulfillment.attach()
        self.customers = CustomerBook(self.catalog)
        self.credentials = Credentials()
        self.credentials.admin_users["admin"] = "admin123"
        self.faults = FaultPlan()
        self.call_log: list[CallRecord] = []
        self.currencies = Currencies()  # allowed currencies and exchange rates (GET /V1/directory/currency)

    @property
    def integration_bearer_enabled(self) -> bool:
        return self.credentials.integration_bearer_enabled

    @integration_bearer_enabled.setter
    def integration_bearer_enabled(self, value: bool) -> None:
        self.credentials.integration_bearer_enabled = value

    def reset(self) -> None:
        with self.lock:
            self._init()

    # ---- stores -------------------------------------------------------------------------------------
    def create_website(self, code: str, name: str | None = None, stock_id: int = 1) -> dict[str, Any]:
        with self.lock:
            wid = self.catalog.next_website_id()
            site = self.catalog.add_website(
                Website(wid, code, name or code, default_group_id=wid, stock_id=stock_id)
            )
            return {**site.render(), "stock_id": site.stock_id}

    def create_store_view(
        self,
        code: str,
        name: str | None = None,
        website_code: str = "base",
        currency: str = "USD",
        locale: str = "en_US",
        timezone: str = "America/Los_Angeles",
        increment_prefix: str | None = None,
        is_active: bool = True,
    ) -> dict[str, Any]:
        """Default increment prefix: '' for store 1, else the store id (Magento's sequence profile)."""
        with self.lock:
            website = self.catalog.website_by_code(website_code)
            if website is None:
                raise ValueError(f"unknown website {website_code!r}")
            sid = self.catalog.next_store_id()
            prefix = increment_prefix if increment_prefix is not None else ("" if sid == 1 else str(sid))
            store = self.catalog.add_store(
                StoreView(
                    sid,
                    code,
                    name or code,
                    website.id,
                    website.default_group_id,
                    int(is_active),
                    currency,
                    locale,
                    timezone,
                    prefix,
                )
            )
            return store.render()

    def set_currency_rate(self, base: str, to: str, rate: float, allow: bool = True) -> None:
        """Stores > Currency Rates (base → to); ``allow``: also add ``to`` to the allowed currencies."""
        with self.lock:
            self.currencies.set_rate(base, to, rate)
            if allow:
                self.currencies.allow(to)

    # ---- catalog / stock ----------------------------------------------------------------------------
    def create_product(
        self,
        sku: str,
        name: str | None = None,
        price: float = 10.0,
        enabled: bool = True,
        qty: float | dict[int, float] | None = 100,
        type_id: str = "simple",
        website_ids: list[int] | None = None,
    ) -> dict[str, Any]:
        """Create or update a product; `qty` = stock quantity (a number = stock 1, or {stock_id: qty})."""
        with self.lock:
            product = self.catalog.add_product(
                sku, name or sku, price, STATUS_ENABLED if enabled else STATUS_DISABLED, type_id, website_ids
            )
            quantities = qty if isinstance(qty, dict) else ({1: qty} if qty is not None else {})
            for stock_id, value in quantities.items():
                self.inventory.set_quantity(sku, int(stock_id), float(value))
            return product.render()

    def set_product_enabled(self, sku: str, enabled: bool) -> None:
        with self.lock:
            self.catalog.product(sku).status = STATUS_ENABLED if enabled else STATUS_DISABLED

    def set_stock(self, sku: str, qty: float, stock_id: int = 1) -> None:
        with self.lock:
            self.inventory.set_quantity(sku, stock_id, qty)

    def salable_qty(self, sku: str, stock_id: int = 1) -> float:
        with self.lock:
            return self.inventory.salable(sku, stock_id)

    def reservations(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r.as_dict() for r in self.inventory.reservations]

    # ---- credentials --------------------------------------------------------------------------------
    def issue_admin_token(self, ttl_s: float | None = 4 * 3600) -> str:
        with self.lock:
            return self.credentials.issue_admin_token(ttl_s=ttl_s)

    def expire_admin_token(self, token: str) -> None:
        with self.lock:
            self.credentials.expire_admin_token(token)

    def create_integration(
        self, name: str = "sales-channel", resources: list[str] | None = None
    ) -> dict[str, Any]:
        """Keys for OAuth 1.0a (and the access token for Bearer). `resources` = ACL ids (default: all)."""
        with self.lock:
            return self.credentials.create_integration(name, resources).as_dict()

    # ---- orders -------------------------------------------------------------------------------------
    def list_orders(self) -> list[dict[str, Any]]:
        with self.lock:
            return [OrderBook.raw(o) for o in self.orders.orders.values()]

    def get_order(self, entity_id: int) -> dict[str, Any]:
        with self.lock:
            return OrderBook.raw(self.orders.get(entity_id))

    def shipments(self, order_id: int | None = None) -> list[dict[str, Any]]:
        """Shipments made by ``POST /V1/order/{orderId}/ship`` (of one order), with their ``tracks``
        as sent (``track_number``, ``title``, ``carrier_code``)."""
        with self.lock:
            return [
                {**s, "items": dict(s["items"]), "tracks": [dict(t) for t in s["tracks"]]}
                for s in self.orders.shipments.values()
                if order_id is None or s["order_id"] == order_id
            ]

    def count_orders(self, ext_order_id: str) -> int:
        with self.lock:
            return len(self.orders.by_ext.get(ext_order_id, ()))

    def orders_by_ext(self, ext_order_id: str) -> list[dict[str, Any]]:
        with self.lock:
            ids = sorted(self.orders.by_ext.get(ext_order_id, ()))
            return [OrderBook.raw(self.orders.orders[i]) for i in ids]

    def list_customers(self) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(c) for c in self.customers.customers.values()]

    def delete_order(self, entity_id: int) -> None:
        with self.lock:
            self.orders.delete(entity_id)

    def close_order(self, entity_id: int) -> None:
        with self.lock:
            self.orders.close(entity_id)

    # ---- faults and call log ------------------------------------------------------------------------
    def inject_fault(
        self, route: str, kind: FaultKind = "status", times: int = 1, status: int = 500
    ) -> Fault:
        """route: "PUT /V1/orders/create" (method + template) or "*";
        kind: status | lock_wait | commit_then_drop."""
        with self.lock:
            return self.faults.add(route, kind, times, status)

    def set_latency(self, ms: float, route: str = "*") -> None:
        with self.lock:
            self.faults.latency_ms[route] = float(ms)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def take_fault(self, route: str) -> Fault | None:
        with self.lock:
            return self.faults.take(route)

    def record_call(self, record: CallRecord) -> None:
        with self.lock:
            self.call_log.append(record)

    def calls(self, route: str | None = None) -> list[dict[str, Any]]:
        """Mutating calls (method != GET) in order: method, route, path, store_code, status, at, fault."""
        with self.lock:
            return [c.as_dict() for c in self.call_log if route is None or c.route == route]

    def clear_calls(self) -> None:
        with self.lock:
            self.call_log.clear()
