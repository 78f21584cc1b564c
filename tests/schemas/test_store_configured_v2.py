"""store.configured v2 (the configuration carries the store's fulfillment settings) and the upcast from v1."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from schemas import decode, encode
from schemas.events.stores import StoreConfiguredData, StoreConfiguredV1, StoreConfiguredV2
from schemas.types import FulfillmentSettings, StoreConfig, StoreConfigV2, fulfillment_of, with_fulfillment
from services.stores.registry import configured_event

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def config() -> StoreConfig:
    return StoreConfig(store_id="us-main", name="US", merchant_id=3, seller_id="A1", marketplace_id="ATVPDKIKX0DER",
                       spapi_endpoint="https://sellingpartnerapi-na.amazon.com", lwa_credentials_ref="env:LWA",
                       integration_time=T0)


def v1() -> StoreConfiguredV1:
    event: StoreConfiguredV1 = StoreConfiguredV1.build(
        key="us-main", occurred_at=T0, producer="stores", identity=("integrated",),
        data=StoreConfiguredData(change="integrated", effective_at=T0, config=config()))
    return event


def test_a_v1_event_stays_v1_and_reads_as_the_default_settings() -> None:
    old = v1()
    again = decode(encode(old))
    assert type(again) is StoreConfiguredV1 and again == old
    assert fulfillment_of(again.data.config) == FulfillmentSettings(send_shipments=True, carrier_mapping={})  # type: ignore[attr-defined]


def test_v2_is_read_as_v1_by_readers_written_against_v1() -> None:
    event = configured_event(with_fulfillment(config()), "integrated", T0)
    again = decode(encode(event))
    assert isinstance(again, StoreConfiguredV1) and isinstance(again.data.config, StoreConfigV2)
    assert again.data.config.model_dump(exclude={"fulfillment"}) == config().model_dump()


def test_the_registry_publishes_v2_and_the_settings_survive_the_wire() -> None:
    wanted = FulfillmentSettings(send_shipments=False, carrier_mapping={"myco": "UPS"})
    event = configured_event(with_fulfillment(config(), wanted), "updated", T0)
    assert isinstance(event, StoreConfiguredV2)
    raw = json.loads(encode(event))
    assert raw["schema_version"] == 2
    assert raw["data"]["config"]["fulfillment"] == {"send_shipments": False, "carrier_mapping": {"myco": "UPS"}}
    assert fulfillment_of(decode(encode(event)).data.config) == wanted  # type: ignore[attr-defined]


def test_a_plain_configuration_is_published_as_v1_with_the_same_id_as_before() -> None:
    event = configured_event(config(), "integrated", T0)
    assert type(event) is StoreConfiguredV1 and event.schema_version == 1
    assert event.event_id == StoreConfiguredV1.build(
        key="us-main", occurred_at=T0, producer="stores", data=event.data,
        identity=("integrated", T0.isoformat(), config().model_dump_json())).event_id
    assert fulfillment_of(event.data.config) == FulfillmentSettings()
