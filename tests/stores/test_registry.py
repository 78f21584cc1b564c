"""The registry writes store events; read back through the one reader, with their history."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from schemas.topics import STORES
from schemas.types import StoreConfig
from services.common.settings import Settings
from services.stores import registry


def test_store_integration_is_an_event_read_back_with_history(topics: Settings) -> None:
    sid = f"st-{uuid.uuid4().hex[:8]}"
    cfg = StoreConfig(store_id=sid, name="Test store", merchant_id=900000 + uuid.uuid4().int % 99999,
                      seller_id="A1", marketplace_id="ATVPDKIKX0DER", spapi_endpoint="http://x",
                      lwa_credentials_ref="env:LWA_X", integration_time=datetime(2026, 1, 1, tzinfo=UTC))
    registry.integrate(topics, cfg)
    later = cfg.model_copy(update={"settings": cfg.settings.model_copy(update={"import_orders": False})})
    registry.publish_config(topics, later, "updated", datetime(2026, 2, 1, tzinfo=UTC))
    history = registry.read_all(topics)[sid]
    # before the integration, the integration's configuration (services/stores/history.py)
    assert history.at(datetime(2025, 12, 31, tzinfo=UTC)) == cfg
    assert history.at(datetime(2026, 1, 15, tzinfo=UTC)) == cfg and cfg.settings.import_orders is True
    assert history.current.settings.import_orders is False
    try:
        registry.integrate(topics, cfg)
        raise AssertionError("integrating the same store twice must fail")
    except ValueError as exc:
        assert "already integrated" in str(exc)
    assert STORES.endswith(".stores")


def test_next_merchant_id_follows_the_highest_current_one(topics: Settings) -> None:
    histories = registry.read_all(topics)
    expected = max((h.current.merchant_id for h in histories.values()), default=0) + 1
    assert registry.next_merchant_id(histories) == expected
    assert registry.next_merchant_id({}) == 1
