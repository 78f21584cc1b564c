"""Websites, store views and products (the parts of Store/Catalog the writer reads)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sandbox.magento.clock import now_str
from sandbox.magento.errors import NO_SUCH_PRODUCT, MagentoError

STATUS_ENABLED = 1
STATUS_DISABLED = 2


@dataclass
class Website:
    id: int
    code: str
    name: str
    default_group_id: int
    stock_id: int = 1

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "default_group_id": self.default_group_id,
        }


@dataclass
class StoreView:
    id: int
    code: str
    name: str
    website_id: int
    store_group_id: int
    is_active: int = 1
    currency: str = "USD"
    locale: str = "en_US"
    timezone: str = "America/Los_Angeles"
    increment_prefix: str = ""

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "code": self.code,
            "name": self.name,
            "website_id": self.website_id,
            "store_group_id": self.store_group_id,
            "is_active": self.is_active,
        }

    def render_config(self, base_url: str) -> dict[str, Any]:
        url = base_url.rstrip("/") + "/"
        return {
            "id": self.id,
            "code": self.code,
            "website_id": self.website_id,
            "locale": self.locale,
            "base_currency_code": self.currency,
            "default_display_currency_code": self.currency,
            "timezone": self.timezone,
            "weight_unit": "lbs",
            "base_url": url,
            "base_link_url": url,
            "base_static_url": url + "static/",
            "base_media_url": url + "media/",
            "secure_base_url": url,
            "secure_base_link_url": url,
            "secure_base_static_url": url + "static/",
            "secure_base_media_url": url + "media/",
        }


@dataclass
class Product:
    id: int
    sku: str
    name: str
    price: float
    status: int = STATUS_ENABLED
    type_id: str = "simple"
    website_ids: list[int] = field(default_factory=lambda: [1])
    weight: float | None = None
    created_at: str = field(default_factory=now_str)
    updated_at: str = field(default_factory=now_str)

    @property
    def enabled(self) -> bool:
        return self.status == STATUS_ENABLED

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "sku": self.sku,
            "name": self.name,
            "attribute_set_id": 4,
            "price": self.price,
            "status": self.status,
            "visibility": 4,
            "type_id": self.type_id,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "weight": self.weight,
            "extension_attributes": {"website_ids": list(self.website_ids)},
            "product_links": [],
            "options": [],
            "media_gallery_entries": [],
            "tier_prices": [],
            "custom_attributes": [],
        }


class Catalog:
    """Registry of websites, store views and products. Not thread-safe on its own (MagentoState locks)."""

    def __init__(self) -> None:
        self.websites: dict[int, Website] = {}
        self.stores: dict[int, StoreView] = {}
        self.products: dict[str, Product] = {}
        self._next_product_id = 1
        self.add_website(Website(0, "admin", "Admin", 0, stock_id=1))
        self.add_website(Website(1, "base", "Main Website", 1, stock_id=1))
        self.add_store(StoreView(0, "admin", "Admin", 0, 0))
        self.add_store(StoreView(1, "default", "Default Store View", 1, 1))

    def add_website(self, website: Website) -> Website:
        if any(w.code == website.code for w in self.websites.values()):
            raise MagentoError(400, "Website with the same code already exists.")
        self.websites[website.id] = website
        return website

    def add_store(self, store: StoreView) -> StoreView:
        if any(s.code == store.code for s in self.stores.values()) or store.code in ("all", "V1"):
            raise MagentoError(400, "Store with the same code already exists.")
        if store.website_id not in self.websites:
            raise MagentoError(400, "Website with id %1 does not exist.", [store.website_id])
        self.stores[store.id] = store
        return store

    def next_website_id(self) -> int:
        return max(self.websites) + 1

    def next_store_id(self) -> int:
        return max(self.stores) + 1

    def store_by_code(self, code: str) -> StoreView | None:
        for store in self.stores.values():
            if store.code == code:
                return store
        return None

    def website_by_code(self, code: str) -> Website | None:
        for website in self.websites.values():
            if website.code == code:
                return website
        return None

    def stock_id_for_store(self, store_id: int) -> int:
        store = self.stores.get(store_id)
        website = self.websites.get(store.website_id) if store else None
        return website.stock_id if website else 1

    def add_product(
        self, sku: str, name: str, price: float, status: int, type_id: str, website_ids: list[int] | None
    ) -> Product:
        existing = self.products.get(sku)
        if existing is not None:
            existing.name, existing.price, existing.status, existing.type_id = name, price, status, type_id
            if website_ids is not None:
                existing.website_ids = list(website_ids)
            existing.updated_at = now_str()
            return existing
        product = Product(
            self._next_product_id,
            sku,
            name,
            float(price),
            status,
            type_id,
            list(website_ids) if website_ids is not None else [1],
        )
        self._next_product_id += 1
        self.products[sku] = product
        return product

    def product(self, sku: str) -> Product:
        product = self.products.get(sku)
        if product is None:
            raise MagentoError(404, NO_SUCH_PRODUCT)
        return product
