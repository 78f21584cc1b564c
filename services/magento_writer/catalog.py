"""SKU checks before a create: ``PUT /V1/orders/create`` validates nothing, so the writer refuses
unknown or disabled SKUs itself and sends ``product_id``. Enabled products are cached briefly per
store; an unknown or disabled SKU is asked again next time."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from services.magento_writer.magento.client import MagentoClient, as_int
from services.magento_writer.magento.errors import BusinessError

PRODUCT_DISABLED = 2


@dataclass(frozen=True)
class Product:
    product_id: int
    sku: str
    enabled: bool


class Catalog:
    def __init__(self, client: MagentoClient, ttl_s: float = 30.0) -> None:
        self.client = client
        self.ttl_s = ttl_s
        self._cache: dict[tuple[str, str], tuple[float, Product | None]] = {}
        self._lock = threading.Lock()

    def _cached(self, store_code: str, sku: str, now: float) -> tuple[bool, Product | None]:
        with self._lock:
            hit = self._cache.get((store_code, sku))
        if hit and now - hit[0] < self.ttl_s:
            return True, hit[1]
        return False, None

    def products(self, store_code: str, skus: list[str]) -> dict[str, Product | None]:
        now = time.monotonic()
        result: dict[str, Product | None] = {}
        missing: list[str] = []
        for sku in dict.fromkeys(skus):
            hit, product = self._cached(store_code, sku, now)
            if hit:
                result[sku] = product
            else:
                missing.append(sku)
        for sku in missing:
            data = self.client.get_product(store_code, sku)
            product = (
                Product(as_int(data["id"]), sku, as_int(data.get("status", 1)) != PRODUCT_DISABLED)
                if data and "id" in data
                else None
            )
            if product is not None and product.enabled:  # refusals are re-checked on every command
                with self._lock:
                    self._cache[(store_code, sku)] = (now, product)
            result[sku] = product
        return result

    def product_ids(self, store_code: str, skus: list[str]) -> dict[str, int]:
        """Product ids of the SKUs; ``BusinessError`` naming the first unknown or disabled SKU."""
        products = self.products(store_code, skus)
        for sku in skus:
            product = products.get(sku)
            if product is None:
                raise BusinessError(f"SKU {sku} does not exist in Magento")
            if not product.enabled:
                raise BusinessError(f"SKU {sku} is disabled in Magento")
        return {sku: p.product_id for sku, p in products.items() if p is not None}
