"""Regions from the install's own directory: GET /V1/directory/countries read tolerantly, Amazon's
stateOrRegion matched by code or name (any case, accents, umlauts, "US-CA"), unknown regions and
countries without regions sent as text; the directory is read once per store and cached with a TTL."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from sandbox.magento import MagentoState, create_app
from sandbox.magento.directory import countries as stand_in_countries
from schemas.types import Address
from services.magento_writer.magento.auth import BearerAuth
from services.magento_writer.magento.client import MagentoClient
from services.magento_writer.payload import OrderOptions, address, build_order_entity
from services.magento_writer.regions import MAGENTO_REGIONS, MagentoRegion, regions_from_countries, resolve_region
from services.magento_writer.store_directory import StoreDirectory
from tests.harness import FakeClock
from tests.magento_writer.factories import amazon_order, target
from tests.magento_writer.schema_check import definition, violations

DIRECTORY = regions_from_countries(stand_in_countries())  # a fresh 2.4.8 install, as the stand-in serves it
ADDRESS = definition("sales-data-order-address-interface")


def _ship_to(country: str, region: str | None) -> Any:
    return amazon_order(
        "302-0000000-0000001",
        ship_to=Address(name="Jörg Müller", lines=("Hauptstr. 1",), city="X", region=region, postal_code="1",
                        country_code=country),
    )


def test_the_directory_read_from_magento_has_every_countrys_regions() -> None:
    assert set(DIRECTORY) == {"US", "CA", "DE", "AT", "CH", "ES", "FR", "BR"}
    assert {c: DIRECTORY[c] for c in MAGENTO_REGIONS} == dict(MAGENTO_REGIONS)
    assert DIRECTORY["DE"][2] == MagentoRegion(81, "BAY", "Bayern")


def test_countries_are_read_tolerantly() -> None:
    raw = [
        {"id": "us", "available_regions": [{"id": "12", "code": "CA", "name": "California"}]},
        {"id": "XX", "available_regions": [{"id": "x", "code": "A", "name": "A"}, "junk", {"code": "B"}]},
        {"id": "GB", "two_letter_abbreviation": "GB"},
        {"two_letter_abbreviation": "FR", "available_regions": [{"id": 257, "code": "75", "name": "Paris"}]},
        {
            "id": "ES",
            "available_regions": [{"id": 9, "code": "", "name": "Madrid"}, {"id": 3, "code": "M", "name": ""}],
        },
        "junk",
    ]
    got = regions_from_countries(raw)
    assert got == {
        "US": (MagentoRegion(12, "CA", "California"),),
        "FR": (MagentoRegion(257, "75", "Paris"),),
        "ES": (MagentoRegion(3, "M", "M"), MagentoRegion(9, "Madrid", "Madrid")),  # in id order
    }
    assert regions_from_countries(None) == {} and regions_from_countries({"message": "x"}) == {}


@pytest.mark.parametrize(
    ("country", "text", "expected"),
    [
        ("DE", "Bayern", 81),
        ("DE", "bayern", 81),
        ("DE", "BY", 81),  # ISO 3166-2, for installs that still have Magento's BAY
        ("DE", "DE-BY", 81),
        ("DE", "BAY", 81),
        ("DE", "Baden-Wuerttemberg", 80),
        ("DE", "Baden-Württemberg", 80),
        ("DE", "Thueringen", 94),
        ("DE", "Nordrhein Westfalen", 88),
        ("AT", "Wien", 95),
        ("AT", "Niederoesterreich", 96),
        ("CH", "Zürich", 129),
        ("CH", "zh", 129),
        ("ES", "Córdoba", 147),
        ("ES", "MADRID", 161),
        ("ES", "A Coruña", 130),
        ("FR", "75", 257),
        ("FR", "Paris", 257),
        ("FR", "2a", 201),
        ("FR", "Côte-d'Or", 203),
        ("FR", "cote d or", 203),
        ("BR", "SP", 507),
        ("BR", "Sao Paulo", 507),
        ("US", "US-CA", 12),
        ("US", "ca", 12),
        ("CA", "CA-ON", 74),
        ("DE", "Atlantis", None),
        ("GB", "England", None),
        ("IT", "MI", None),
    ],
)
def test_spellings_resolve_against_the_installs_directory(country: str, text: str, expected: int | None) -> None:
    found = resolve_region(country, text, DIRECTORY)
    assert (found.id if found else None) == expected


def test_installs_with_iso_german_codes_match_too() -> None:
    iso = {"DE": (MagentoRegion(900, "BY", "Bayern"), MagentoRegion(901, "BW", "Baden-Württemberg"))}
    assert resolve_region("DE", "BY", iso) == iso["DE"][0]
    assert resolve_region("DE", "BAW", iso) is None  # an old code the install no longer has: the name still works
    assert resolve_region("de", "baden-wuerttemberg", iso) == iso["DE"][1]


@pytest.mark.parametrize(
    ("country", "region", "want"),
    [
        ("DE", "Bayern", {"region_id": 81, "region_code": "BAY", "region": "Bayern"}),
        ("FR", "75", {"region_id": 257, "region_code": "75", "region": "Paris"}),
        # a region Magento does not list for a country that has a list: the text, no id, no code
        ("DE", "Atlantis", {"region_id": None, "region_code": None, "region": "Atlantis"}),
        ("US", "XX", {"region_id": None, "region_code": None, "region": "XX"}),
        # a country without regions: the text as sent
        ("GB", "Greater London", {"region_id": None, "region_code": None, "region": "Greater London"}),
        ("IT", "MI", {"region_id": None, "region_code": "MI", "region": "MI"}),
        ("JP", None, {"region_id": None, "region_code": None, "region": None}),
    ],
)
def test_addresses_carry_the_installs_region(country: str, region: str | None, want: dict[str, Any]) -> None:
    out = address(_ship_to(country, region), "shipping", DIRECTORY)
    assert {k: out.get(k) for k in want} == want
    assert violations(out, ADDRESS) == []


def test_the_entity_uses_the_options_directory() -> None:
    order = _ship_to("DE", "Hessen")
    entity = build_order_entity(order, target("s1"), OrderOptions("checkmo", "flatrate", regions=DIRECTORY))
    assert entity["billing_address"]["region_id"] == 86
    shipping = entity["extension_attributes"]["shipping_assignments"][0]["shipping"]["address"]
    assert (shipping["region_id"], shipping["region_code"]) == (86, "HES")
    fallback = build_order_entity(order, target("s1"), OrderOptions("checkmo", "flatrate"))  # US/CA only
    assert "region_id" not in fallback["billing_address"] and fallback["billing_address"]["region"] == "Hessen"


# ---- read once, cached --------------------------------------------------------------------------------------

def _recording(app: Any) -> tuple[MagentoClient, list[str]]:
    seen: list[str] = []
    test_client = TestClient(app)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        resp = test_client.request(request.method, request.url.path, headers=dict(request.headers))
        return httpx.Response(resp.status_code, content=resp.content, headers={"content-type": "application/json"})

    return MagentoClient("http://magento.test", BearerAuth("t"), transport=httpx.MockTransport(handler)), seen


def test_the_directory_is_read_once_per_store_and_again_after_the_ttl() -> None:
    state = MagentoState()
    state.create_store_view("amazon_de", currency="EUR")
    client, seen = _recording(create_app(state))
    clock = FakeClock(0.0)
    directory = StoreDirectory(client, regions_ttl_s=3600, clock=clock)
    first = directory.regions("default")
    assert first["DE"][2].id == 81 and directory.regions("default") is first
    directory.regions("amazon_de")
    assert seen == ["/rest/default/V1/directory/countries", "/rest/amazon_de/V1/directory/countries"]
    clock.now = 3599
    directory.regions("default")
    assert len(seen) == 2
    clock.now = 3600
    directory.regions("default")
    assert seen[-1] == "/rest/default/V1/directory/countries" and len(seen) == 3


def test_a_directory_magento_will_not_serve_falls_back_to_a_fresh_installs_us_and_ca() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, content=json.dumps({"message": "The consumer isn't authorized"}))

    client = MagentoClient("http://magento.test", BearerAuth("t"), transport=httpx.MockTransport(handler))
    assert StoreDirectory(client).regions("default") is MAGENTO_REGIONS


def test_a_transient_failure_is_raised_for_the_create_sequence_to_retry() -> None:
    from services.magento_writer.magento.errors import RetryableError

    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(503, content=b"{}")
        return httpx.Response(200, json=stand_in_countries())

    client = MagentoClient("http://magento.test", BearerAuth("t"), transport=httpx.MockTransport(handler))
    directory = StoreDirectory(client)
    with pytest.raises(RetryableError):
        directory.regions("default")
    assert directory.regions("default")["FR"][-1].id == 277  # nothing cached from the failure
