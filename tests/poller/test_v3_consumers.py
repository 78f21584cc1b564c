"""The poller's v3 facts (the mapping's ``DetailedAmazonOrder``) go through the order processor as
v1/v2 facts did: same outputs, a table state that round-trips, a redelivery that changes nothing;
the Magento order request (v2) carries the order with its details."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from schemas import decode, encode
from schemas.events.lifecycle import MagentoOrderRequestedV2
from schemas.events.poller import AmazonOrderChangedV3
from schemas.topics import AMAZON_ORDERS, ORDER_COMMANDS, ORDER_VIEW
from services.common.partitioned_table import InMemoryStates
from services.order_processor.domain import OrderState
from services.order_processor.processor import Processor, Record
from services.poller.facts import order_facts
from services.poller.mapping import map_order
from services.stores.directory import StoreDirectory
from services.stores.registry import configured_event
from tests.order_processor.factory import store_config
from tests.poller.factory import raw_order

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def test_a_v3_fact_is_processed_like_the_facts_before_it() -> None:
    config = store_config("s1", integration_time=datetime(2026, 10, 1, tzinfo=UTC))
    stores = StoreDirectory()
    stores.add(configured_event(config, "integrated", config.integration_time))
    table = InMemoryStates()
    sent: list[tuple[str, bytes, bytes]] = []

    async def send(topic: str, key: bytes, value: bytes) -> None:
        sent.append((topic, key, value))

    processor = Processor(table, stores, send)
    raw = raw_order("111-0000009-0000001", programs=("AMAZON_BUSINESS", "SOMETHING_NEW"))
    raw["buyer"]["buyerCompanyName"] = "Doe GmbH"
    raw["orderItems"][0]["fulfillment"]["packing"] = {"giftOption": {"giftMessage": "Enjoy"}}
    order = map_order(raw)
    [fact] = order_facts("s1", [order], {}, T0).events
    assert isinstance(fact, AmazonOrderChangedV3)

    for offset in (1, 2):  # the second is a redelivery
        asyncio.run(processor.handle(Record(AMAZON_ORDERS, 0, offset, fact.key.encode(), encode(fact), 0)))
    views = [decode(v).event_type for t, _, v in sent if t == ORDER_VIEW]
    assert views == ["order.log.appended", "order.state.changed"]
    [request] = [decode(v) for t, _, v in sent if t == ORDER_COMMANDS]
    assert isinstance(request, MagentoOrderRequestedV2)
    assert request.data.order == order
    assert request.data.order.buyer_company_name == "Doe GmbH" and request.data.order.gift_messages == ("Enjoy",)
    state = OrderState.from_bytes(table[fact.key.encode()])
    assert state.order is not None and state.order.amazon_order_id == order.amazon_order_id
    assert OrderState.from_bytes(state.to_bytes()) == state
