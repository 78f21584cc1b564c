"""Addresses Magento accepts: regions mapped to Magento's region ids (the stand-in's directory is the
same), Puerto Rico and the territories as Amazon sends them, any name, missing lines; and every
example order of the Orders model creates a stand-in order whose read-back validates."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from sandbox.magento import MagentoState, create_app
from sandbox.magento.directory import regions as stand_in_regions
from schemas.types import Address, AmazonOrder
from services.magento_writer.payload import (
    MAGENTO_REGIONS,
    OrderOptions,
    address,
    build_order_entity,
    resolve_region,
    split_name,
)
from services.poller.mapping import map_order
from tests.magento_writer.amazon_examples import example_orders
from tests.magento_writer.factories import amazon_order, target
from tests.magento_writer.schema_check import definition, violations
from tests.sandbox.magento.schema_check import errors, response_schema

ADDRESS = definition("sales-data-order-address-interface")


def _ship_to(**fields: Any) -> Any:
    return amazon_order("113-0000000-0000100", ship_to=Address(**fields))


def test_the_directory_is_the_stand_ins() -> None:
    """The writer's built-in US/CA (for callers without a directory) is the stand-in's, which has more
    countries; the writer reads those from GET /V1/directory/countries (test_regions.py)."""
    ours = {c: [(r.id, r.code, r.name) for r in rs] for c, rs in MAGENTO_REGIONS.items()}
    theirs = {c: [(r.id, r.code, r.name) for r in rs] for c, rs in stand_in_regions().items()}
    assert set(ours) == {"US", "CA"}
    assert ours == {c: theirs[c] for c in ours}


@pytest.mark.parametrize("country", sorted(MAGENTO_REGIONS))
def test_every_code_and_name_in_any_case_resolves_to_magentos_id(country: str) -> None:
    for region in MAGENTO_REGIONS[country]:
        first = next(r for r in MAGENTO_REGIONS[country] if r.code == region.code)  # Region::loadByCode
        for spelling in (region.code, region.code.lower(), f" {region.code} "):
            assert resolve_region(country, spelling) == first, spelling
        for spelling in (region.name, region.name.upper(), region.name.lower().replace(" ", "  ")):
            assert resolve_region(country, spelling) == region, spelling


@pytest.mark.parametrize(
    ("country", "text", "expected"),
    [
        ("CA", "Québec", 76),
        ("CA", "PEI", 75),
        ("CA", "Newfoundland", 69),
        ("CA", "Yukon", 78),
        ("US", "Washington, D.C.", 16),
        ("US", "D.C.", 16),
        ("US", "Washington DC", 16),
        ("US", "P.R.", None),
        ("US", "pr", 52),
        ("US", "Puerto Rico", 52),
        ("US", "GU", 20),
        ("US", "VI", 60),
        ("US", "AE", 6),
        ("US", "AP", 11),
        ("US", "XX", None),
        ("US", "", None),
        ("GB", "England", None),
        ("PR", "PR", None),
        ("CA", "WA", None),
    ],
)
def test_spellings_amazon_sends(country: str, text: str, expected: int | None) -> None:
    found = resolve_region(country, text)
    assert (found.id if found else None) == expected


def test_us_address_gets_region_id_code_and_name() -> None:
    out = address(
        _ship_to(
            name="Jane Doe",
            lines=("1 Main St",),
            city="Seattle",
            region="washington",
            postal_code="98101",
            country_code="US",
        ),
        "shipping",
    )
    assert (out["region_id"], out["region_code"], out["region"]) == (62, "WA", "Washington")
    assert violations(out, ADDRESS) == []


@pytest.mark.parametrize(
    ("country", "region", "want"),
    [
        ("PR", "PR", {"country_id": "PR", "region": "PR", "region_code": "PR"}),  # Puerto Rico as a country
        ("PR", "San Juan", {"country_id": "PR", "region": "San Juan"}),
        ("US", "PR", {"country_id": "US", "region_id": 52, "region_code": "PR", "region": "Puerto Rico"}),
        ("GU", None, {"country_id": "GU"}),
        ("VI", "St. Thomas", {"country_id": "VI", "region": "St. Thomas"}),
        ("GB", "England", {"country_id": "GB", "region": "England"}),
        ("BR", "SP", {"country_id": "BR", "region": "SP", "region_code": "SP"}),
    ],
)
def test_territories_and_other_countries_as_amazon_sends_them(
    country: str, region: str | None, want: dict[str, Any]
) -> None:
    out = address(
        _ship_to(name="A B", lines=("Calle 1",), city="X", region=region, postal_code="00901", country_code=country),
        "billing",
    )
    assert {k: out.get(k) for k in want} == want
    assert "region_id" not in out or country == "US"
    assert violations(out, ADDRESS) == []


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("José Ñúñez-O'Brien", "José", "Ñúñez-O'Brien"),
        ("Dr. Anne-Marie  d'Arc\tJr.", "Dr. Anne-Marie d'Arc", "Jr."),
        ("李小龙", "李小龙", "N/A"),
        ("Ørjan Åsmund Ødegård & Søn <Ltd>", "Ørjan Åsmund Ødegård & Søn", "<Ltd>"),
        ("   ", "Amazon", "Customer"),
        (None, "Amazon", "Customer"),
    ],
)
def test_names_with_special_characters_go_through(name: str | None, first: str, last: str) -> None:
    assert split_name(name) == (first, last)


def test_missing_lines_city_postcode_and_bad_email_get_placeholders() -> None:
    order = _ship_to(name="Zoë", lines=("", "  "), country_code="US", region="ny").model_copy(
        update={"buyer_email": "not an email"}
    )
    out = address(order, "shipping")
    assert out["street"] == ["N/A"] and out["city"] == "N/A" and out["postcode"] == "N/A"
    assert out["email"] == "113-0000000-0000100@marketplace.amazon.invalid"
    assert out["region_id"] == 43 and violations(out, ADDRESS) == []


def _stand_in() -> tuple[TestClient, dict[str, str]]:
    state = MagentoState()
    state.enforce_stock_on_create = False  # persistence only: the examples' SKUs are not in its catalog
    client = TestClient(create_app(state))
    return client, {"Authorization": f"Bearer {state.issue_admin_token()}"}


ODD_ADDRESSES = [
    Address(
        name="Ñandú O'Connor-Łukasz", lines=(), city=None, region="Puerto Rico", postal_code=None, country_code="US"
    ),
    Address(
        name="X",
        lines=("Urb. Las Gladiolas", "", "Calle 5 #12"),
        city="San Juan",
        region="PR",
        postal_code="00926",
        country_code="PR",
    ),
    Address(
        name=None,
        company="ACME & Søn",
        lines=("PSC 802 Box 74",),
        city="APO",
        region="AE",
        postal_code="09499",
        country_code="US",
    ),
    Address(
        name="Jean-Luc Pépin",
        lines=("12 rue de l'Église",),
        city="Montréal",
        region="Québec",
        postal_code="H2X 1Y4",
        country_code="CA",
    ),
]


def test_every_example_order_and_odd_address_is_accepted_by_the_stand_in() -> None:
    client, auth = _stand_in()
    bodies: list[dict[str, Any]] = []
    for raw in example_orders():
        order: AmazonOrder = map_order(raw)
        bodies.append(
            build_order_entity(order, target("s1"), OrderOptions("checkmo", "flatrate_flatrate"))
        )
    for n, ship_to in enumerate(ODD_ADDRESSES):
        order = amazon_order(f"113-0000000-00002{n:02d}", ship_to=ship_to)
        bodies.append(build_order_entity(order, target("s1"), OrderOptions("checkmo", "flatrate_flatrate")))
    for entity in bodies:
        resp = client.put("/rest/V1/orders/create", json={"entity": entity}, headers=auth)
        assert resp.status_code == 200, resp.text
        assert errors(resp.json(), response_schema("/V1/orders/create", "put")) == []
        read = client.get(f"/rest/V1/orders/{resp.json()['entity_id']}", headers=auth).json()
        assert errors(read, response_schema("/V1/orders/{id}", "get")) == []
        assert read["grand_total"] == entity["grand_total"] and read["tax_amount"] == entity["tax_amount"]


def test_a_refused_address_reads_cannot_create_sales_order_with_magentos_reason() -> None:
    from services.magento_writer.magento.errors import BusinessError, classify
    from services.order_processor.domain.messages import magento_failed

    client, auth = _stand_in()
    entity = build_order_entity(amazon_order("113-0000000-0000300"), target("s1"), OrderOptions("checkmo", "x"))
    entity["billing_address"]["email"] = "jane@"  # what Magento's validator still refuses
    resp = client.put("/rest/V1/orders/create", json={"entity": entity}, headers=auth)
    error = classify(resp.status_code, resp.content, "order_create")
    assert isinstance(error, BusinessError) and not error.retryable
    assert (
        magento_failed(error.reason)
        == "Cannot create sales order: We can't save the address: Email has a wrong format."
    )
    del entity["customer_email"]
    resp = client.put("/rest/V1/orders/create", json={"entity": entity}, headers=auth)
    reason = classify(resp.status_code, resp.content, "order_create").reason
    assert (
        magento_failed(reason) == 'Cannot create sales order: "entity.customer_email" is required. Enter and try again.'
    )
