"""Fixtures for the Magento stand-in tests: a fresh state, an in-process client, credentials, catalog."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from sandbox.magento import MagentoState, create_app


@pytest.fixture
def state() -> MagentoState:
    st = MagentoState()
    st.create_website("amazon_us", "Amazon US", stock_id=2)
    st.create_store_view("amazon_us_en", "Amazon US", website_code="amazon_us")
    st.create_product("SKU-1", "Widget", price=19.99, qty=10)
    st.create_product("SKU-2", "Gadget", price=5.0, qty={1: 3, 2: 7}, website_ids=[1, 2])
    st.create_product("SKU-OFF", "Retired", price=1.0, enabled=False, qty=50)
    return st


@pytest.fixture
def client(state: MagentoState) -> Iterator[TestClient]:
    with TestClient(create_app(state)) as c:
        yield c


@pytest.fixture
def token(state: MagentoState) -> str:
    return state.issue_admin_token()


@pytest.fixture
def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
