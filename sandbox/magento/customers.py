"""Customers (AccountManagement::createAccount, CustomerRepository reads): one account per email per
website, as with Magento's default "share customer accounts per website" scope. MagentoState holds
the lock."""

from __future__ import annotations

import copy
from typing import Any

from sandbox.magento.catalog import Catalog
from sandbox.magento.clock import now_str
from sandbox.magento.errors import INVALID_FIELD_VALUE, REQUIRED_FIELD, MagentoError, not_found
from sandbox.magento.schema import render

CUSTOMER_DEF = "customer-data-customer-interface"
DUPLICATE_EMAIL = "A customer with the same email address already exists in an associated website."
GENERAL_GROUP = 1
Customer = dict[str, Any]


class CustomerBook:
    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self.customers: dict[int, Customer] = {}
        self.by_email: dict[tuple[str, int], int] = {}  # (lower-case email, website id) -> id
        self._next_id = 0

    def get(self, customer_id: int) -> Customer:
        customer = self.customers.get(customer_id)
        if customer is None:
            raise not_found()
        return customer

    def create(self, data: dict[str, Any], url_store_id: int) -> Customer:
        """``POST /V1/customers``: the URL's store (the default store view for ``all``) gives the
        website and store unless the body names them; ``id`` in the body is ignored."""
        for name in ("email", "firstname", "lastname"):
            if not str(data.get(name) or "").strip():
                raise MagentoError(400, REQUIRED_FIELD, {"fieldName": name})
        email = str(data["email"]).strip()
        local, _, domain = email.partition("@")
        if not local or "." not in domain:
            raise MagentoError(400, INVALID_FIELD_VALUE, {"value": email, "fieldName": "email"})
        store = self.catalog.stores.get(int(data.get("store_id") or url_store_id or 1))
        if store is None or store.id == 0:
            store = self.catalog.stores[1]
        website_id = int(data.get("website_id") or store.website_id)
        key = (email.lower(), website_id)
        if key in self.by_email:
            raise MagentoError(400, DUPLICATE_EMAIL)
        self._next_id += 1
        now = now_str()
        customer: Customer = {
            **copy.deepcopy({k: v for k, v in data.items() if k not in ("id", "addresses")}),
            "id": self._next_id,
            "email": email,
            "group_id": int(data.get("group_id") or GENERAL_GROUP),
            "store_id": store.id,
            "website_id": website_id,
            "created_in": store.name,
            "created_at": now,
            "updated_at": now,
            "disable_auto_group_change": int(data.get("disable_auto_group_change") or 0),
            "addresses": [],
        }
        self.customers[customer["id"]] = customer
        self.by_email[key] = customer["id"]
        return customer

    @staticmethod
    def render(customer: Customer) -> dict[str, Any]:
        rendered: dict[str, Any] = render(CUSTOMER_DEF, customer)
        return rendered
