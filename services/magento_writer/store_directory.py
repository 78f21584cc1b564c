"""What the writer reads from a Magento store once and keeps a while: its region directory
(``GET /V1/directory/countries``) and its currencies (``GET /V1/directory/currency``), per store code.

Cached per process: regions for ``regions_ttl_s`` (an hour: merchants rarely add regions), currencies for
``currency_ttl_s`` (five minutes: rates are updated, often daily). An order whose currency has no rate
reads the currencies again before it fails, so a rate the merchant has just set is seen on the retry.
A store whose directory cannot be read for lack of permission or route (never on a real Magento: the
routes are anonymous) falls back to a fresh install's US/CA regions; transient errors propagate (the
create sequence retries them). Thread-safe: two threads missing together both read; either result is kept."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from services.common.logging import get_logger
from services.magento_writer.currency import CurrencyInfo, base_to_order, currency_info_from
from services.magento_writer.magento.client import MagentoClient
from services.magento_writer.magento.errors import AuthError, BusinessError, NotFound
from services.magento_writer.regions import MAGENTO_REGIONS, Directory, regions_from_countries

log = get_logger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class StoreFacts:
    """What an order's payload needs from its store: ``OrderOptions`` fields of the same names."""

    base_currency_code: str
    base_to_order_rate: Decimal
    regions: Directory


class _Cache:
    def __init__(self, ttl_s: float, clock: Callable[[], float]) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._entries: dict[str, tuple[float, object]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, load: Callable[[], T], fresh: bool = False) -> T:
        now = self.clock()
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and not fresh and now - hit[0] < self.ttl_s:
            return hit[1]  # type: ignore[return-value]
        value = load()
        with self._lock:
            self._entries[key] = (now, value)
        return value


class StoreDirectory:
    def __init__(
        self,
        client: MagentoClient,
        regions_ttl_s: float = 3600.0,
        currency_ttl_s: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self._regions = _Cache(regions_ttl_s, clock)
        self._currencies = _Cache(currency_ttl_s, clock)

    def regions(self, store_code: str) -> Directory:
        return self._regions.get(store_code, lambda: self._read_regions(store_code))

    def _read_regions(self, store_code: str) -> Directory:
        try:
            countries = self.client.countries(store_code)
        except (AuthError, NotFound) as exc:
            log.warning("directory_unreadable", store_code=store_code, error=exc.reason, fallback="US/CA fresh install")
            return MAGENTO_REGIONS
        return regions_from_countries(countries)

    def currencies(self, store_code: str, fresh: bool = False) -> CurrencyInfo:
        return self._currencies.get(store_code, lambda: self._read_currencies(store_code), fresh)

    def _read_currencies(self, store_code: str) -> CurrencyInfo:
        info = currency_info_from(self.client.currency_information(store_code))
        if info is None:
            raise BusinessError(f"Magento store view {store_code} answered its currencies without a base currency")
        return info

    def facts(self, store_code: str, order_currency: str | None) -> StoreFacts:
        """The store's base currency, its rate to ``order_currency`` (None: the order has no amounts) and
        its regions; ``ConfigurationError`` (after a fresh read) when Magento has no rate to that currency."""
        info = self.currencies(store_code)
        if order_currency is not None and info.rate_to(order_currency) is None:
            info = self.currencies(store_code, fresh=True)
        base, rate = base_to_order(info, order_currency, store_code)
        return StoreFacts(base, rate, self.regions(store_code))
