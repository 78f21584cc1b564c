"""The Orders tab holds a decryptor: sealed buyer data is opened for the row; an erasure replaces it
with the removal text, and a replay after the erasure rebuilds the same row with the PII removed."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from schemas.events.lifecycle import OrderStateChangedV1, OrderView
from schemas.events.pii import PiiErasedData, PiiErasedV1
from schemas.types import AmazonStatus, FulfillmentChannel, MagentoState, TabStatus
from services.common.db import get_engine, upgrade
from services.orders_tab.apply import Batch
from services.orders_tab.store import write_batch
from services.pii.crypto import seal
from services.pii.keys import Opener
from services.pii.removal import REMOVED
from services.pii.store import KeyStore, kid_for
from tests.pii.conftest import ring

T0 = datetime(2026, 5, 1, tzinfo=UTC)
NAME, EMAIL = "Ada Byron", "ada.b@marketplace.amazon.com"


def view(name: str | None, email: str | None, version: int = 1) -> OrderStateChangedV1:
    v = OrderView(version=version, store_id="s1", amazon_order_id="A", order_id="o-A", merchant_id=1, on_tab=True,
                  status=TabStatus.UNSHIPPED, amazon_status=AmazonStatus.UNSHIPPED,
                  fulfillment_channel=FulfillmentChannel.MERCHANT, is_prime=False, is_business=False,
                  buyer_name=name, buyer_email=email, total=None, items_shipped=0, items_unshipped=1,
                  reserved=False, purchase_date=T0, latest_ship_date=None, last_updated=T0,
                  magento_state=MagentoState.NONE, magento_order_number=None, magento_order_id=None,
                  last_action=None, items=())
    event: OrderStateChangedV1 = OrderStateChangedV1.build(key="s1:A", occurred_at=T0, producer="order_processor",
                                                           data=v, identity=(version,))
    return event


def erased() -> PiiErasedV1:
    data = PiiErasedData(store_id="s1", amazon_order_id="A", key_id="s1:A", reason="retention", erased_at=T0)
    event: PiiErasedV1 = PiiErasedV1.build(key="s1:A", occurred_at=T0, producer="key_service", data=data,
                                           identity=("s1:A",))
    return event


def test_sealed_buyer_data_is_shown_then_removed_and_a_replay_agrees(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/tab.db"
    upgrade(url)
    keys = KeyStore(url, ring("1"))
    kid = kid_for("s1", "A")
    key = keys.data_key(kid, T0)
    assert key is not None
    state = view(seal(key, kid, NAME), seal(key, kid, EMAIL))
    opener = Opener(keys)
    engine = get_engine(url)

    def apply(*events: object) -> tuple[str | None, str | None]:
        batch = Batch(reveal=opener.reveal, on_erased=opener.forget)
        for e in events:
            batch.add(e)  # type: ignore[arg-type]
        with engine.begin() as conn:
            write_batch(conn, batch)
            row = conn.execute(text("SELECT buyer_name, buyer_email FROM orders_tab_orders")).one()
        return row[0], row[1]

    assert apply(state) == (NAME, EMAIL)
    keys.destroy(kid, "retention", T0)
    assert apply(erased()) == (REMOVED, REMOVED)
    assert apply(view(state.data.buyer_name, state.data.buyer_email, version=2)) == (REMOVED, REMOVED)
    with engine.begin() as conn:  # replay from scratch: same row, PII removed
        conn.execute(text("DELETE FROM orders_tab_orders"))
    opener = Opener(keys)
    assert apply(state, erased()) == (REMOVED, REMOVED)


def test_an_erasure_leaves_absent_buyer_data_absent(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/tab.db"
    upgrade(url)
    batch = Batch()
    batch.add(view(None, None))
    batch.add(erased())
    with get_engine(url).begin() as conn:
        write_batch(conn, batch)
        assert conn.execute(text("SELECT buyer_name, buyer_email FROM orders_tab_orders")).one() == (None, None)
