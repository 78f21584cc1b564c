"""The writer holds a decryptor: a command's sealed buyer data is opened for the Magento order (the
merchant's own record), and an order whose PII was erased gets the documented placeholders."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.types import OrderSettings
from services.common.db import upgrade
from services.magento_writer.customers import wants_account
from services.magento_writer.payload import OrderOptions, build_order_entity
from services.pii import access
from services.pii.crypto import seal
from services.pii.fields import transform
from services.pii.keys import Opener
from services.pii.store import KeyStore, kid_for
from tests.magento_writer.factories import amazon_order, target
from tests.pii.conftest import T0, ring


@pytest.fixture
def keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KeyStore:
    url = f"sqlite:///{tmp_path}/keys.db"
    upgrade(url)
    store = KeyStore(url, ring("1"))
    monkeypatch.setattr(access, "process_opener", lambda: Opener(store))
    return store


def test_sealed_buyer_data_reaches_the_magento_order_in_the_clear(keys: KeyStore) -> None:
    clear = amazon_order()
    kid = kid_for("w1", clear.amazon_order_id)
    key = keys.data_key(kid, T0)
    assert key is not None and clear.buyer_name and clear.ship_to and clear.ship_to.lines
    sealed = transform(clear, lambda v: seal(key, kid, v))
    assert sealed.buyer_name != clear.buyer_name
    entity = build_order_entity(sealed, target("w1"), OrderOptions("checkmo", "flatrate_flatrate"))
    assert entity == build_order_entity(clear, target("w1"), OrderOptions("checkmo", "flatrate_flatrate"))
    assert wants_account(sealed, OrderSettings(customer="create"))


def test_an_erased_order_gets_placeholders(keys: KeyStore) -> None:
    clear = amazon_order()
    kid = kid_for("w1", clear.amazon_order_id)
    key = keys.data_key(kid, T0)
    assert key is not None
    sealed = transform(clear, lambda v: seal(key, kid, v))
    keys.destroy(kid, "request", T0)
    entity = build_order_entity(sealed, target("w1"), OrderOptions("checkmo", "flatrate_flatrate"))
    assert entity["customer_firstname"] == "Amazon" and entity["customer_email"].endswith("marketplace.amazon.invalid")
    assert entity["billing_address"]["street"] == ["N/A"]
    assert not wants_account(sealed, OrderSettings(customer="create"))
