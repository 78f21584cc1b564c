"""Base currency vs order currency (pure): a Magento order holds its amounts in the order's currency
(Amazon's) and in the store's base currency, with ``base_to_order_rate`` (order = base × rate).

``GET /V1/directory/currency`` (anonymous ACL, store-scoped URL) gives both what is needed: the store
view's ``base_currency_code`` (the same as ``GET /V1/store/storeConfigs`` lists) and ``exchange_rates``
from the base currency to each allowed currency. Magento answers a rate it has not got as 0 (an unset
``directory_currency_rate`` row read as a float); a currency that is not allowed is not listed at all.
Either way there is no rate, and the order fails with what the merchant must configure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from services.magento_writer.magento.errors import ConfigurationError

ONE = Decimal(1)


@dataclass(frozen=True)
class CurrencyInfo:
    """A store view's base currency and its positive exchange rates (base → currency)."""

    base_currency_code: str
    rates: Mapping[str, Decimal] = field(default_factory=dict)

    def rate_to(self, currency: str) -> Decimal | None:
        if currency.upper() == self.base_currency_code:
            return ONE
        return self.rates.get(currency.upper())


def _rate(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return rate if rate.is_finite() and rate > 0 else None


def currency_info_from(data: Any) -> CurrencyInfo | None:
    """``directory-data-currency-information-interface`` read tolerantly: None without a base currency;
    exchange rates that are missing, not numbers, zero or negative are left out."""
    if not isinstance(data, dict):
        return None
    base = str(data.get("base_currency_code") or "").strip().upper()
    if not base:
        return None
    rates: dict[str, Decimal] = {}
    for entry in data.get("exchange_rates") or ():
        if not isinstance(entry, dict):
            continue
        code = str(entry.get("currency_to") or entry.get("currencyTo") or "").strip().upper()
        rate = _rate(entry.get("rate"))
        if code and rate is not None:
            rates[code] = rate
    return CurrencyInfo(base, rates)


def missing_rate_message(store_code: str, base: str, currency: str) -> str:
    return (
        f"Magento store view {store_code} has no exchange rate from its base currency {base} to {currency}, "
        f"the currency of the Amazon order: allow {currency} (Stores > Configuration > General > Currency Setup > "
        f"Allowed Currencies), set the {base} to {currency} rate (Stores > Currency Rates), then retry the order"
    )


def base_to_order(info: CurrencyInfo, order_currency: str | None, store_code: str) -> tuple[str, Decimal]:
    """(base currency, base → order rate) of an order in ``order_currency`` (None: the order has no amounts,
    so it is in the base currency). ``ConfigurationError`` when Magento has no rate for it."""
    if order_currency is None:
        return info.base_currency_code, ONE
    rate = info.rate_to(order_currency)
    if rate is None:
        raise ConfigurationError(missing_rate_message(store_code, info.base_currency_code, order_currency.upper()))
    return info.base_currency_code, rate
