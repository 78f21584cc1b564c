"""The confirmer takes an Unshipped order from the Amazon facts instead of ``getOrder``, and asks
Amazon when the facts do not cover the shipment or Amazon refuses the package."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from schemas.events.fulfillment import MagentoShipmentRecordedV1, ShipmentConfirmationV1
from schemas.types import StoreConfig
from services.fulfillment.amazon_facts import AmazonFacts
from services.fulfillment.confirmer import Confirmer
from services.fulfillment.spapi import ConfirmRefused
from tests.fulfillment.test_amazon_facts import amazon_order
from tests.fulfillment.test_decide import shipment

STORE = StoreConfig(store_id="s1", name="Store 1", merchant_id=1, seller_id="A1SELLER", marketplace_id="ATVPDKIKX0DER",
                    spapi_endpoint="http://amazon.invalid", lwa_credentials_ref="env:UNUSED",
                    integration_time=datetime(2026, 1, 1, tzinfo=UTC))


def amazon_json(tracking: str | None = None) -> dict[str, Any]:
    """``getOrder`` v2026-01-01: Unshipped, or Shipped holding package 12 with ``tracking``."""
    shipped = tracking is not None
    return {
        "orderId": "113-1", "salesChannel": {"marketplaceId": "ATVPDKIKX0DER"},
        "fulfillment": {"fulfillmentStatus": "SHIPPED" if shipped else "UNSHIPPED", "fulfilledBy": "MERCHANT"},
        "orderItems": [{"orderItemId": "A1", "quantityOrdered": 2, "product": {"sellerSku": "SKU-1"},
                        "fulfillment": {"quantityFulfilled": 2 if shipped else 0}},
                       {"orderItemId": "A2", "quantityOrdered": 3, "product": {"sellerSku": "SKU-2"}}],
        "packages": [{"packageReferenceId": "12", "carrier": "UPS", "trackingNumber": tracking,
                      "packageItems": [{"orderItemId": "A1", "quantity": 2}]}] if shipped else [],
    }


class FakeAmazon:
    def __init__(self, order: dict[str, Any], refuse: bool = False) -> None:
        self.order = order
        self.refuse = refuse
        self.reads = 0
        self.sent: list[dict[str, Any]] = []

    async def get_order(self, store: StoreConfig, order_id: str) -> dict[str, Any]:
        self.reads += 1
        return self.order

    async def confirm_shipment(self, store: StoreConfig, order_id: str, body: dict[str, Any]) -> None:
        self.sent.append(body)
        if self.refuse:
            raise ConfirmRefused("HTTP 400", 400, "InvalidInput", "The order is already fulfilled", "")


def handle(amazon: FakeAmazon, facts: AmazonFacts, **items: Any) -> ShipmentConfirmationV1:
    confirmer = Confirmer(amazon, lambda sid: STORE if sid == "s1" else None, facts.view)  # type: ignore[arg-type]
    event = MagentoShipmentRecordedV1.build(key="s1:113-1", occurred_at=datetime(2026, 12, 5, tzinfo=UTC),
                                            producer="fulfillment_reader", data=shipment(**items), identity=(1,))
    out = asyncio.run(confirmer.handle(event))
    assert out is not None  # a shipment fact always has an outcome
    return out


def unshipped_facts() -> AmazonFacts:
    facts = AmazonFacts()
    facts.apply_order("s1", amazon_order())
    return facts


def test_an_unshipped_order_in_the_facts_is_confirmed_without_getorder() -> None:
    amazon = FakeAmazon(amazon_json())
    out = handle(amazon, unshipped_facts())
    assert out.data.outcome == "confirmed" and out.data.amazon_status == "UNSHIPPED"
    assert amazon.reads == 0
    assert [b["packageDetail"]["packageReferenceId"] for b in amazon.sent] == ["12"]
    assert amazon.sent[0]["packageDetail"]["orderItems"] == [{"orderItemId": "A1", "quantity": 2}]


def test_an_order_the_facts_do_not_hold_is_read_from_amazon() -> None:
    amazon = FakeAmazon(amazon_json())
    out = handle(amazon, AmazonFacts())
    assert (out.data.outcome, amazon.reads, len(amazon.sent)) == ("confirmed", 1, 1)


def test_an_item_the_facts_do_not_map_is_read_from_amazon() -> None:
    amazon = FakeAmazon(amazon_json())
    out = handle(amazon, unshipped_facts(), items=[("A9", "SKU-9", 1)])
    assert (out.data.outcome, amazon.reads, amazon.sent) == ("failed", 1, [])
    assert out.data.reason == "SKU SKU-9 is not an item of Amazon order 113-1"


def test_already_fulfilled_is_reconciled_against_amazon() -> None:
    held = FakeAmazon(amazon_json(tracking="1Z1"), refuse=True)  # an earlier call went through
    out = handle(held, unshipped_facts())
    assert (out.data.outcome, held.reads, out.data.amazon_status) == ("confirmed", 1, "SHIPPED")
    other = FakeAmazon(amazon_json(tracking="1ZOTHER"), refuse=True)
    out = handle(other, unshipped_facts())
    assert (out.data.outcome, other.reads) == ("failed", 1)
    assert out.data.reason == "Amazon refused: The order is already fulfilled"
