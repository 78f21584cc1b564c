"""``sales-channel stores add --time-zone`` and ``stores update --settings '{"time_zone": ...}'`` (issue 21):
the store's zone on store.configured v3, an unknown zone refused with a clear error."""

from __future__ import annotations

from typer.testing import CliRunner

from schemas.types import FulfillmentSettings, StoreConfig, fulfillment_of, time_zone_of
from services.cli import app
from tests.test_cli_fulfillment import invoke, published  # noqa: F401  (the fixture)


def test_update_sets_the_time_zone_and_keeps_the_rest(published: list[tuple[StoreConfig, str]]) -> None:  # noqa: F811
    invoke("stores", "update", "s1", "--settings", '{"time_zone": "America/New_York", "reserve_pending": false}')
    [(config, change)] = published
    assert change == "updated" and time_zone_of(config) == "America/New_York"
    assert config.settings.reserve_pending is False
    assert fulfillment_of(config) == FulfillmentSettings(send_shipments=True, carrier_mapping={"myco": "UPS"})


def test_add_takes_the_time_zone(published: list[tuple[StoreConfig, str]]) -> None:  # noqa: F811
    invoke("stores", "add", "s2", "--name", "S2", "--seller-id", "B", "--credentials", "env:Y", "--merchant-id", "2",
           "--time-zone", "Asia/Tokyo")
    [(config, _)] = published
    assert time_zone_of(config) == "Asia/Tokyo"


def test_an_unknown_zone_is_refused_where_it_is_set(published: list[tuple[StoreConfig, str]]) -> None:  # noqa: F811
    for args in (["stores", "update", "s1", "--settings", '{"time_zone": "Mars/Olympus_Mons"}'],
                 ["stores", "add", "s2", "--name", "S2", "--seller-id", "B", "--credentials", "env:Y",
                  "--merchant-id", "2", "--time-zone", "Europe/Atlantis"]):
        result = CliRunner().invoke(app, args, terminal_width=400)
        assert result.exit_code == 2, result.output
        said = " ".join(result.output.split())  # the console wraps long lines
        assert "unknown time zone" in said and "give an IANA name such as 'UTC'" in said
    assert published == []
