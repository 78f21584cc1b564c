"""The "Customer: create customer" store setting: the Magento order belongs to the buyer's account,
one account per buyer email and website, made once; guest orders otherwise."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from schemas.events.magento import MagentoOrderCreatedV1
from tests.magento_writer.conftest import Bus, InProcessWriter
from tests.magento_writer.factories import amazon_order, order_requested, store_id

pytestmark = pytest.mark.integration


def _created(bus: Bus, key: str) -> MagentoOrderCreatedV1:
    events = bus.wait(key, lambda ev: any(isinstance(e, MagentoOrderCreatedV1) for e in ev), what="order created")
    return next(e for e in events if isinstance(e, MagentoOrderCreatedV1))


def test_orders_of_one_buyer_share_one_new_customer_account(magento: Any, writer: InProcessWriter, bus: Bus) -> None:
    magento.create_product("C-SKU-1", qty=100)
    email = f"{uuid.uuid4().hex[:10]}@marketplace.amazon.com"
    store = store_id()
    first = order_requested(store, amazon_order(items=(("C-SKU-1", 1, "5.00"),), buyer_email=email), customer="create")
    second = order_requested(store, amazon_order(items=(("C-SKU-1", 1, "5.00"),), buyer_email=email), customer="create")
    bus.command(first)
    _created(bus, first.key)
    bus.command(second)
    _created(bus, second.key)

    accounts = [c for c in magento.list_customers() if c["email"] == email]
    assert len(accounts) == 1
    assert (accounts[0]["firstname"], accounts[0]["lastname"]) == ("Jane Q", "Doe")
    for cmd in (first, second):
        stored = magento.orders_by_ext(cmd.data.order.amazon_order_id)
        assert len(stored) == 1
        assert (stored[0]["customer_is_guest"], stored[0]["customer_id"]) == (0, accounts[0]["id"])
        assert stored[0]["customer_group_id"] == accounts[0]["group_id"]


def test_guest_orders_when_the_setting_says_guest_or_amazon_withholds_the_email(
    magento: Any, writer: InProcessWriter, bus: Bus
) -> None:
    magento.create_product("C-SKU-2", qty=100)
    before = len(magento.list_customers())
    guest = order_requested(store_id(), amazon_order(items=(("C-SKU-2", 1, "5.00"),)))
    withheld = order_requested(store_id(), amazon_order(fba=True, items=(("C-SKU-2", 1, "5.00"),)), customer="create")
    for cmd in (guest, withheld):
        bus.command(cmd)
        _created(bus, cmd.key)
        stored = magento.orders_by_ext(cmd.data.order.amazon_order_id)
        assert len(stored) == 1 and stored[0]["customer_is_guest"] == 1 and "customer_id" not in stored[0]
    assert len(magento.list_customers()) == before
