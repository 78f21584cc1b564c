"""store.configured v3 (issue 21): the configuration carries the store's time zone, an IANA name
(UTC by default); older events read as UTC; unknown names are refused where the setting is made."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from schemas import decode, encode
from schemas.events.stores import StoreConfiguredV1, StoreConfiguredV2, StoreConfiguredV3
from schemas.types import (
    FulfillmentSettings,
    StoreConfigV3,
    fulfillment_of,
    known_time_zone,
    time_zone_of,
    with_fulfillment,
    with_time_zone,
)
from services.stores.registry import configured_event
from tests.schemas.test_store_configured_v2 import T0, config, v1


def test_older_configurations_read_as_utc() -> None:
    assert time_zone_of(config()) == "UTC"
    assert time_zone_of(with_fulfillment(config())) == "UTC"
    assert time_zone_of(decode(encode(v1())).data.config) == "UTC"  # type: ignore[attr-defined]


def test_v3_keeps_the_zone_and_the_fulfillment_settings_over_the_wire() -> None:
    wanted = FulfillmentSettings(send_shipments=False)
    zoned = with_time_zone(with_fulfillment(config(), wanted), "Europe/Berlin")
    event = configured_event(zoned, "updated", T0)
    assert type(event) is StoreConfiguredV3 and json.loads(encode(event))["schema_version"] == 3
    again = decode(encode(event))
    assert isinstance(again, StoreConfiguredV2) and isinstance(again, StoreConfiguredV1)  # older readers read it
    assert time_zone_of(again.data.config) == "Europe/Berlin"  # type: ignore[attr-defined]
    assert fulfillment_of(again.data.config) == wanted  # type: ignore[attr-defined]
    # changing the fulfillment settings later keeps the zone
    assert time_zone_of(with_fulfillment(zoned, FulfillmentSettings())) == "Europe/Berlin"


def test_a_v3_event_with_the_default_zone_reads_back_equal() -> None:
    event = configured_event(with_time_zone(config(), "UTC"), "integrated", T0)
    assert decode(encode(event)) == event


@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "Europe/berlin ", "../../etc/passwd", "", "localtime"])
def test_an_unknown_zone_is_refused_saying_what_is_expected(name: str) -> None:
    with pytest.raises(ValidationError, match="unknown time zone .*IANA name such as 'UTC'"):
        with_time_zone(config(), name)
    with pytest.raises(ValueError, match="unknown time zone"):
        known_time_zone(name)


def test_the_default_zone_is_utc() -> None:
    assert StoreConfigV3.model_validate(config().model_dump()).time_zone == "UTC"
