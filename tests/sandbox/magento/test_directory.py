"""The stand-in's directory routes: GET /V1/directory/countries (every country, regions at a fresh 2.4.8
install's ids) and GET /V1/directory/currency (the URL's store view's base currency, allowed currencies and
exchange rates), both anonymous and both valid against the 2.4.8 schema."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sandbox.magento import MagentoState
from sandbox.magento.directory import regions
from tests.sandbox.magento.schema_check import assert_valid, response_schema


def _ids(country: dict[str, object]) -> dict[str, int]:
    return {str(r["name"]): int(r["id"]) for r in country.get("available_regions", [])}  # type: ignore[attr-defined]


def test_countries_list_every_country_with_its_regions(client: TestClient) -> None:
    resp = client.get("/rest/V1/directory/countries")  # anonymous, as in Magento's webapi.xml
    assert resp.status_code == 200
    assert_valid(resp.json(), response_schema("/V1/directory/countries", "get"))
    by_id = {c["id"]: c for c in resp.json()}
    assert {"US", "CA", "DE", "AT", "CH", "ES", "FR", "BR", "GB", "PR", "JP"} <= set(by_id)
    assert _ids(by_id["US"])["Washington"] == 62 and _ids(by_id["CA"])["Ontario"] == 74
    assert _ids(by_id["DE"])["Bayern"] == 81 and _ids(by_id["DE"])["Nordrhein-Westfalen"] == 88
    assert _ids(by_id["AT"])["Wien"] == 95 and _ids(by_id["CH"])["Zürich"] == 129
    assert _ids(by_id["ES"])["Madrid"] == 161 and _ids(by_id["FR"])["Paris"] == 257
    assert _ids(by_id["BR"])["São Paulo"] == 507
    assert "available_regions" not in by_id["GB"] and "available_regions" not in by_id["PR"]


def test_region_ids_are_unique_and_in_the_initial_patchs_order() -> None:
    listed = [r for rs in regions().values() for r in rs]
    assert len({r.id for r in listed}) == len(listed)
    spans = {c: (rs[0].id, rs[-1].id, len(rs)) for c, rs in regions().items()}
    assert spans == {
        "US": (1, 65, 65),
        "CA": (66, 78, 13),
        "DE": (79, 94, 16),
        "AT": (95, 103, 9),
        "CH": (104, 129, 26),
        "ES": (130, 181, 52),
        "FR": (182, 277, 96),
        "BR": (484, 510, 27),  # after RO, FI, EE, LV, LT (278-483, not modelled)
    }
    fr = {r.code: r.name for r in regions()["FR"]}
    assert fr["2A"] == "Corse-du-Sud" and fr["75"] == "Paris" and "20" not in fr


def test_a_countrys_region_ids_read_back_on_an_order_address(
    client: TestClient, auth: dict[str, str]
) -> None:
    from tests.sandbox.magento.helpers import address, order_entity

    billing = {**address("billing"), "country_id": "DE", "region_id": 81, "city": "München", "postcode": "80331"}
    billing.pop("region_code")
    resp = client.put("/rest/V1/orders/create", json={"entity": order_entity(billing_address=billing)}, headers=auth)
    assert resp.status_code == 200, resp.text
    got = resp.json()["billing_address"]
    assert (got["region_id"], got["region_code"], got["region"]) == (81, "BAY", "Bayern")


def test_currency_of_the_default_store_is_a_fresh_installs(client: TestClient) -> None:
    resp = client.get("/rest/default/V1/directory/currency")
    assert resp.status_code == 200
    info = resp.json()
    assert_valid(info, response_schema("/V1/directory/currency", "get"))
    assert (info["base_currency_code"], info["default_display_currency_code"]) == ("USD", "USD")
    assert info["available_currency_codes"] == ["USD", "EUR"]
    assert {r["currency_to"]: r["rate"] for r in info["exchange_rates"]} == {"USD": 1, "EUR": 0.7067}


def test_currency_follows_the_urls_store_view_and_the_merchants_rates(state: MagentoState, client: TestClient) -> None:
    state.create_store_view("amazon_ca", website_code="amazon_us", currency="CAD")
    info = client.get("/rest/amazon_ca/V1/directory/currency").json()
    assert info["base_currency_code"] == "CAD" and info["available_currency_codes"] == ["USD", "EUR", "CAD"]
    # A rate Magento has not got reads 0 (Currency::getRate's false, cast to the interface's float).
    assert {r["currency_to"]: r["rate"] for r in info["exchange_rates"]} == {"USD": 0, "EUR": 0, "CAD": 1}
    state.set_currency_rate("USD", "GBP", 0.79)
    info = client.get("/rest/default/V1/directory/currency").json()
    assert info["available_currency_codes"] == ["USD", "EUR", "GBP"]
    assert {r["currency_to"]: r["rate"] for r in info["exchange_rates"]}["GBP"] == 0.79
    assert_valid(info, response_schema("/V1/directory/currency", "get"))
    state.reset()
    assert client.get("/rest/V1/directory/currency").json()["available_currency_codes"] == ["USD", "EUR"]


def test_the_admin_api_sets_a_rate(client: TestClient) -> None:
    assert client.post("/_sandbox/currency-rates", json={"base": "USD", "to": "CAD", "rate": 1.3712}).status_code == 200
    info = client.get("/rest/V1/directory/currency").json()
    assert {"currency_to": "CAD", "rate": 1.3712} in info["exchange_rates"]
    assert client.post("/_sandbox/currency-rates", json={"base": "USD", "rate": "x"}).status_code == 400
