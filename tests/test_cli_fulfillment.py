"""``sales-channel stores add/update`` with the fulfillment settings (issue 18) on the store event, and
``orders cancel-on-amazon``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from schemas.types import FulfillmentSettings, StoreConfig, fulfillment_of, with_fulfillment
from services.cli import app
from services.stores import registry
from services.stores.history import StoreHistory

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def published(monkeypatch: pytest.MonkeyPatch) -> list[tuple[StoreConfig, str]]:
    """The stores topic holds one store, ``s1``, shipping to Amazon with one carrier mapped."""
    current = with_fulfillment(
        StoreConfig(store_id="s1", name="S1", merchant_id=1, seller_id="A", marketplace_id="M",
                    spapi_endpoint="http://x", lwa_credentials_ref="env:X", integration_time=T0),
        FulfillmentSettings(carrier_mapping={"myco": "UPS"}))
    history = StoreHistory("s1").with_event(registry.configured_event(current, "integrated", T0))
    out: list[tuple[StoreConfig, str]] = []
    monkeypatch.setattr(registry, "read_all", lambda *_a, **_k: {"s1": history})
    monkeypatch.setattr(registry, "publish_config", lambda _s, config, change, *_a: out.append((config, change)))
    monkeypatch.setattr(registry, "integrate", lambda _s, config: out.append((config, "integrated")))
    return out


def invoke(*args: str) -> Any:
    result = CliRunner().invoke(app, list(args), terminal_width=400)
    assert result.exit_code == 0, result.output
    return result


def test_update_turns_shipments_off_and_keeps_the_carrier_mapping(published: list[tuple[StoreConfig, str]]) -> None:
    invoke("stores", "update", "s1", "--settings", '{"fulfillment": {"send_shipments": false}, "name": "S-one"}')
    [(config, change)] = published
    assert change == "updated" and config.name == "S-one"
    assert fulfillment_of(config) == FulfillmentSettings(send_shipments=False, carrier_mapping={"myco": "UPS"})


def test_update_of_order_settings_keeps_the_fulfillment_settings(published: list[tuple[StoreConfig, str]]) -> None:
    invoke("stores", "update", "s1", "--settings", '{"reserve_pending": false}')
    [(config, _)] = published
    assert config.settings.reserve_pending is False
    assert fulfillment_of(config) == FulfillmentSettings(send_shipments=True, carrier_mapping={"myco": "UPS"})


def test_add_takes_the_fulfillment_settings(published: list[tuple[StoreConfig, str]]) -> None:
    invoke("stores", "add", "s2", "--name", "S2", "--seller-id", "B", "--credentials", "env:Y", "--merchant-id", "2",
           "--fulfillment", '{"carrier_mapping": {"fast": "DHL"}}')
    [(config, change)] = published
    assert change == "integrated" and config.store_id == "s2"
    assert fulfillment_of(config) == FulfillmentSettings(send_shipments=True, carrier_mapping={"fast": "DHL"})


def test_cancel_on_amazon_refuses_a_reason_amazon_does_not_have() -> None:
    result = CliRunner().invoke(app, ["orders", "cancel-on-amazon", "s1", "111-1", "--reason", "Because"],
                                terminal_width=400)
    assert result.exit_code == 2 and "cancel reasons" in " ".join(result.output.split())
