"""Base currency vs order currency: the store view's base currency and rate from GET /V1/directory/currency;
the same currency is rate 1; a currency Magento has no rate for fails the order with what the merchant
must configure (after one fresh read, so a rate just set is seen)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from sandbox.magento.directory import Currencies
from services.magento_writer.currency import CurrencyInfo, base_to_order, currency_info_from
from services.magento_writer.magento.auth import BearerAuth
from services.magento_writer.magento.client import MagentoClient
from services.magento_writer.magento.errors import ConfigurationError, business_reason_class
from services.magento_writer.payload import OrderOptions, build_order_entity, money_currency
from services.magento_writer.store_directory import StoreDirectory
from tests.magento_writer.factories import amazon_order, target

D = Decimal


def test_currency_information_is_read_tolerantly() -> None:
    info = currency_info_from(
        {
            "base_currency_code": "usd",
            "exchange_rates": [
                {"currency_to": "EUR", "rate": 0.7067},
                {"currency_to": "CAD", "rate": "1.3712"},
                {"currency_to": "GBP", "rate": 0},  # Magento's "no rate"
                {"currency_to": "JPY", "rate": None},
                {"currency_to": "MXN", "rate": "n/a"},
                {"currency_to": "AUD", "rate": -1},
                {"currency_to": "", "rate": 2},
                {"currencyTo": "INR", "rate": 83.1},
                "junk",
            ],
        }
    )
    assert info == CurrencyInfo("USD", {"EUR": D("0.7067"), "CAD": D("1.3712"), "INR": D("83.1")})
    assert currency_info_from({"exchange_rates": []}) is None and currency_info_from(["x"]) is None
    assert currency_info_from({"base_currency_code": "EUR"}) == CurrencyInfo("EUR", {})


def test_same_currency_is_rate_one_and_another_takes_magentos_rate() -> None:
    info = CurrencyInfo("USD", {"CAD": D("1.3712")})
    assert base_to_order(info, "USD", "s") == ("USD", D(1))
    assert base_to_order(info, "cad", "s") == ("USD", D("1.3712"))
    assert base_to_order(info, None, "s") == ("USD", D(1))  # an order without amounts


def test_no_rate_fails_with_what_the_merchant_must_configure() -> None:
    with pytest.raises(ConfigurationError) as caught:
        base_to_order(CurrencyInfo("EUR", {"USD": D("1.415")}), "GBP", "amazon_uk")
    reason = caught.value.reason
    assert "store view amazon_uk has no exchange rate from its base currency EUR to GBP" in reason
    assert "allow GBP (Stores > Configuration > General > Currency Setup > Allowed Currencies)" in reason
    assert "set the EUR to GBP rate (Stores > Currency Rates)" in reason
    assert not caught.value.retryable and business_reason_class(caught.value) == "configuration"


def test_the_entity_carries_both_currencies_and_the_rate() -> None:
    order = amazon_order("113-0000000-0000201", items=(("SKU-1", 2, "13.71"),))  # USD amounts
    options = OrderOptions("checkmo", "flatrate", base_currency_code="EUR", base_to_order_rate=D("1.415"))
    entity = build_order_entity(order, target("s1"), options)
    assert (entity["order_currency_code"], entity["base_currency_code"]) == ("USD", "EUR")
    assert (entity["store_currency_code"], entity["global_currency_code"]) == ("EUR", "EUR")
    assert (entity["base_to_order_rate"], entity["store_to_order_rate"]) == (1.415, 1.415)
    assert entity["subtotal"] == 27.42 and entity["base_subtotal"] == 19.38  # 27.42 / 1.415
    same = build_order_entity(order, target("s1"), OrderOptions("checkmo", "flatrate", base_currency_code="USD"))
    assert same["base_to_order_rate"] == 1 and same["base_subtotal"] == same["subtotal"] == 27.42


def test_an_order_without_amounts_is_in_the_base_currency() -> None:
    order = amazon_order("113-0000000-0000202", items=(("SKU-1", 1, "1.00"),))
    bare = order.model_copy(
        update={
            "order_total": None,
            "shipping_total": None,
            "items": tuple(i.model_copy(update={"unit_price": None}) for i in order.items),
        }
    )
    assert money_currency(bare) is None and money_currency(order) == "USD"
    entity = build_order_entity(bare, target("s1"), OrderOptions("checkmo", "flatrate", base_currency_code="EUR"))
    assert (entity["order_currency_code"], entity["base_currency_code"], entity["grand_total"]) == ("EUR", "EUR", 0.0)


# ---- read from the store, cached ---------------------------------------------------------------------------
class FakeMagento:
    def __init__(self) -> None:
        self.currencies = Currencies()
        self.base = "USD"
        self.reads = 0

    def handler(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path in ("/rest/amazon_us/V1/directory/currency", "/rest/amazon_us/V1/directory/countries")
        if request.url.path.endswith("/countries"):
            return httpx.Response(200, json=[])
        self.reads += 1
        return httpx.Response(200, json=self.currencies.information(self.base))


def _directory(magento: FakeMagento, clock: list[float]) -> StoreDirectory:
    client = MagentoClient("http://magento.test", BearerAuth("t"), transport=httpx.MockTransport(magento.handler))
    return StoreDirectory(client, currency_ttl_s=300, clock=lambda: clock[0])


def test_facts_read_the_currency_once_and_again_after_the_ttl() -> None:
    magento, clock = FakeMagento(), [0.0]
    directory = _directory(magento, clock)
    facts = directory.facts("amazon_us", "USD")
    assert (facts.base_currency_code, facts.base_to_order_rate, dict(facts.regions)) == ("USD", D(1), {})
    assert directory.facts("amazon_us", "EUR").base_to_order_rate == D("0.7067") and magento.reads == 1
    magento.currencies.set_rate("USD", "EUR", 0.92)
    clock[0] = 299.0
    assert directory.facts("amazon_us", "EUR").base_to_order_rate == D("0.7067")
    clock[0] = 300.0
    assert directory.facts("amazon_us", "EUR").base_to_order_rate == D("0.92") and magento.reads == 2


def test_a_missing_rate_is_read_again_before_the_order_fails() -> None:
    magento, clock = FakeMagento(), [0.0]
    directory = _directory(magento, clock)
    directory.facts("amazon_us", "USD")
    with pytest.raises(ConfigurationError, match="no exchange rate from its base currency USD to CAD"):
        directory.facts("amazon_us", "CAD")
    assert magento.reads == 2  # the cached answer, then a fresh one
    magento.currencies.set_rate("USD", "CAD", 1.3712)  # a rate alone: CAD is still not an allowed currency
    with pytest.raises(ConfigurationError):
        directory.facts("amazon_us", "CAD")
    magento.currencies.allow("CAD")  # the merchant configures both; the retry passes
    facts = directory.facts("amazon_us", "CAD")
    assert (facts.base_currency_code, facts.base_to_order_rate) == ("USD", D("1.3712")) and magento.reads == 4


def test_a_rate_that_reads_zero_is_no_rate() -> None:
    magento, clock = FakeMagento(), [0.0]
    magento.currencies.allow("GBP")  # allowed, but no rate set: Magento lists it with rate 0
    answer: Any = magento.currencies.information("USD")
    assert {"currency_to": "GBP", "rate": 0.0} in answer["exchange_rates"]
    with pytest.raises(ConfigurationError):
        _directory(magento, clock).facts("amazon_us", "GBP")


# ---- through the create handler, against the stand-in (a real socket, a SQLite ledger, no broker) ------------
@pytest.fixture(scope="module")
def magento() -> Any:
    from sandbox._server import serve_in_thread
    from sandbox.magento import MagentoState, create_app

    state = MagentoState()
    handle_ = serve_in_thread(create_app(state))
    state.url = handle_.url  # type: ignore[attr-defined]
    try:
        yield state
    finally:
        handle_.stop()


def test_a_foreign_currency_order_fails_until_the_rate_is_set_then_carries_both_currencies(
    magento: Any, tmp_path: Any
) -> None:
    from schemas.events.magento import MagentoOrderCreatedV1, MagentoOrderFailedV1
    from schemas.types import Address, Money
    from services.common.retry import RetryPolicy
    from services.magento_writer.catalog import Catalog
    from services.magento_writer.context import WriterContext
    from services.magento_writer.handlers.create import create_order
    from services.magento_writer.ledger import Ledger
    from tests.magento_writer.factories import order_requested, store_id
    from tests.magento_writer.sqlite_ledger import migrated_sqlite

    magento.create_product("CUR-SKU-1", qty=100)
    usd = amazon_order(items=(("CUR-SKU-1", 2, "13.71"),))
    cad = usd.model_copy(
        update={
            "order_total": Money(amount=D("32.41"), currency="CAD"),
            "shipping_total": Money(amount=D("4.99"), currency="CAD"),
            "items": tuple(i.model_copy(update={"unit_price": Money(amount=D("13.71"), currency="CAD")})
                           for i in usd.items),
            "ship_to": Address(name="Jörg Müller", lines=("Marienplatz 1",), city="München", region="Bayern",
                               postal_code="80331", country_code="DE"),
        }
    )
    client = MagentoClient(magento.url, BearerAuth(magento.issue_admin_token()), max_connections=2)
    ctx = WriterContext(client, Ledger(migrated_sqlite(tmp_path)), Catalog(client),
                        RetryPolicy(max_attempts=2, base_s=0.0, cap_s=0.0), "checkmo", "flatrate_flatrate")
    store = store_id("cur")
    try:
        failed = create_order(ctx, order_requested(store, cad))
        assert isinstance(failed, MagentoOrderFailedV1) and not failed.data.retryable
        assert "no exchange rate from its base currency USD to CAD" in failed.data.reason
        assert "Stores > Currency Rates" in failed.data.reason and failed.data.attempts == 1
        assert magento.orders_by_ext(cad.amazon_order_id) == []

        magento.set_currency_rate("USD", "CAD", 1.3712)  # the merchant configures the rate; a retry passes
        created = create_order(ctx, order_requested(store, cad, seq=2))
        assert isinstance(created, MagentoOrderCreatedV1)
        [stored] = magento.orders_by_ext(cad.amazon_order_id)
        assert (stored["order_currency_code"], stored["base_currency_code"]) == ("CAD", "USD")
        assert stored["base_to_order_rate"] == 1.3712
        assert (stored["grand_total"], stored["base_grand_total"]) == (32.41, 20.00 + 3.64)  # 27.42, 4.99 / 1.3712
        assert (stored["billing_address"]["region_id"], stored["billing_address"]["region_code"]) == (81, "BAY")
    finally:
        client.close()
        ctx.ledger.dispose()
