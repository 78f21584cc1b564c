"""Fixtures of the fulfillment tests: the Magento stand-in over HTTP, the fulfillment tables."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox._server import serve_in_thread
from sandbox.magento import MagentoState, create_app
from services.magento_writer.magento.auth import BearerAuth
from services.magento_writer.magento.client import MagentoClient


@pytest.fixture(scope="session")
def fulfillment_db(migrated_pg_url: str) -> str:
    """The fulfillment tables come with every service's migrations (``MIGRATION_OWNERS``)."""
    return migrated_pg_url


@pytest.fixture
def magento() -> Iterator[tuple[MagentoState, str]]:
    state = MagentoState()
    state.create_product("SKU-1", "Widget", price=10.0, qty=100)
    state.create_product("SKU-2", "Gadget", price=5.0, qty=100)
    handle = serve_in_thread(create_app(state))
    try:
        yield state, handle.url
    finally:
        handle.stop()


@pytest.fixture
def magento_client(magento: tuple[MagentoState, str]) -> Iterator[MagentoClient]:
    state, url = magento
    client = MagentoClient(url, BearerAuth(state.issue_admin_token()))
    try:
        yield client
    finally:
        client.close()


def amazon_order_in_magento(state: MagentoState, amazon_order_id: str, items: list[tuple[str, str, int]],
                            store_code: str = "default") -> int:
    """A Magento order like the writer creates (ext ids = Amazon's); ``items``: (sku, Amazon item id, qty)."""
    from tests.sandbox.magento.helpers import order_entity

    entity: dict[str, Any] = order_entity(amazon_order_id, [(sku, qty) for sku, _, qty in items])
    for line, (_, item_id, _) in zip(entity["items"], items, strict=True):
        line["ext_order_item_id"] = item_id
    with state.lock:
        store = state.catalog.store_by_code(store_code)
        assert store is not None
        order = state.orders.save(entity, store.id, False)
        return int(order["entity_id"])
