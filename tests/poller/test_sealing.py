"""The poller seals buyer PII before publishing: with a sealer, every fact goes out as
``amazon.order.changed`` v4 carrying none of the buyer's data in the clear."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from schemas.envelope import Event
from schemas.events.poller import AmazonOrderChangedV4
from schemas.registry import encode
from services.common.db import upgrade
from services.pii.keys import Opener, Sealer
from services.pii.store import KeyStore
from services.pii.store import upgrade as upgrade_keys
from services.poller.mapping import map_order
from services.poller.state import PollerState
from services.poller.sync import Poller, process_orders
from tests.pii.conftest import ring
from tests.poller.factory import contract_example, store_config


class Published:
    def __init__(self) -> None:
        self.events: list[Event] = []

    async def publish_all(self, topic: str, events: Sequence[Event], timeout_s: float = 60.0) -> None:
        self.events.extend(events)

    async def dead_letter(self, **_: Any) -> None:
        raise AssertionError("no dead letter expected")


def test_the_poller_publishes_sealed_v4_facts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/poller.db"
    upgrade(url)
    upgrade_keys(url)
    keys = KeyStore(url, ring("1"))
    published = Published()
    poller = Poller(client=None, state=PollerState(url), publisher=published,  # type: ignore[arg-type]
                    sealer=Sealer(keys))
    raw = contract_example()
    clear = map_order(raw, marketplace_id="ATVPDKIKX0DER")
    assert clear.buyer_name and clear.ship_to and clear.ship_to.lines
    asyncio.run(process_orders(poller, store_config("st-seal"), [raw]))
    [fact] = published.events
    assert isinstance(fact, AmazonOrderChangedV4) and fact.data.pii_key_id == f"st-seal:{clear.amazon_order_id}"
    raw_bytes = encode(fact)
    for clear_value in (clear.buyer_name, clear.buyer_email, *clear.ship_to.lines):
        assert clear_value is not None and clear_value.encode() not in raw_bytes
    opened = Opener(keys).open_order(fact.data.order)
    assert opened.buyer_name == clear.buyer_name and opened.ship_to == clear.ship_to
