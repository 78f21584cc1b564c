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
from services.pii.sealed import is_sealed, key_id_of
from services.pii.store import KeyStore
from services.poller.mapping import map_order
from services.poller.state import PollerState
from services.poller.sync import Poller, process_orders
from tests.pii.conftest import ring
from tests.poller.factory import contract_example, store_config


class Published:
    def __init__(self) -> None:
        self.events: list[Event] = []
        self.dead: list[dict[str, Any]] = []

    async def publish_all(self, topic: str, events: Sequence[Event], timeout_s: float = 60.0) -> None:
        self.events.extend(events)

    async def dead_letter(self, **kw: Any) -> None:
        self.dead.append(kw)


def _poller(tmp_path: Path) -> tuple[Poller, Published, KeyStore]:
    url = f"sqlite:///{tmp_path}/poller.db"
    upgrade(url)
    keys = KeyStore(url, ring("1"))
    published = Published()
    poller = Poller(client=None, state=PollerState(url), publisher=published,  # type: ignore[arg-type]
                    sealer=Sealer(keys))
    return poller, published, keys


def test_the_poller_publishes_sealed_v4_facts(tmp_path: Path) -> None:
    poller, published, keys = _poller(tmp_path)
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


def test_a_dead_lettered_raw_order_is_sealed_too(tmp_path: Path) -> None:
    poller, published, keys = _poller(tmp_path)
    good = contract_example()
    broken = {**good, "orderItems": "not a list"}
    nameless = {k: v for k, v in broken.items() if k != "orderId"}
    asyncio.run(process_orders(poller, store_config("st-dl"), [broken, nameless]))
    assert published.events == [] and len(published.dead) == 2
    buyer = good["buyer"]["buyerName"]
    for dead in published.dead:
        assert isinstance(dead["raw"], str) and buyer not in dead["raw"] and is_sealed(dead["raw"])
        assert buyer in (Opener(keys).open(dead["raw"]) or "")
    by_order, by_store = (key_id_of(d["raw"]) for d in published.dead)
    assert by_order == f"st-dl:{good['orderId']}" and by_store.startswith("st-dl:dead-letters-")
    assert [h.closed_status for h in keys.held() if h.kid == by_store] == ["DEAD_LETTER"]
