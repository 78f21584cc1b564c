"""Key rotation while orders flow (PostgreSQL): the poller keeps sealing new orders while the KEK
ring gains a new active version (a rolling restart: a second sealer on the new ring takes over) and
``rewrap`` runs; afterwards a ring holding only the new version opens every order, old ones too."""

from __future__ import annotations

import threading
import uuid

import pytest

from schemas.events.poller import AmazonOrderChangedV4
from services.pii.kek import KeyRing
from services.pii.keys import Opener, Sealer
from services.pii.store import KeyStore

from .conftest import NAME, ring
from .test_keys import fact

pytestmark = pytest.mark.integration


def test_rotation_while_orders_flow_keeps_every_order_readable(migrated_pg_url: str) -> None:
    old = ring("1")
    new_key = ring("2").key("2")
    both = KeyRing(active="2", keys={"1": old.key("1"), "2": new_key})
    only_new = KeyRing(active="2", keys={"2": new_key})
    store = f"rot-{uuid.uuid4().hex[:6]}"
    sealed: list[AmazonOrderChangedV4] = []
    rotated = threading.Event()

    def flow(sealer_old: Sealer, sealer_new: Sealer) -> None:
        for n in range(60):
            sealer = sealer_new if rotated.is_set() else sealer_old
            event = fact(seq=n)
            order = event.data.order.model_copy(update={"amazon_order_id": f"111-{n:07d}-0000001"})
            event = event.model_copy(update={"key": f"{store}:{order.amazon_order_id}",
                                             "data": event.data.model_copy(update={"store_id": store, "order": order})})
            sealed.append(sealer.seal_fact(event))
            if n == 20:
                rotated.set()  # the rolling restart: new processes read the new ring

    sealers = (Sealer(KeyStore(migrated_pg_url, old)), Sealer(KeyStore(migrated_pg_url, both)))
    flowing = threading.Thread(target=flow, args=sealers)
    flowing.start()
    assert rotated.wait(30)
    rewrapped = 0
    while flowing.is_alive():
        rewrapped += KeyStore(migrated_pg_url, both).rewrap()
    flowing.join()
    rewrapped += KeyStore(migrated_pg_url, both).rewrap()
    assert rewrapped >= 21 and len(sealed) == 60
    held = [h for h in KeyStore(migrated_pg_url, only_new).held() if h.store_id == store]
    assert len(held) == 60 and {h.kek_version for h in held} == {"2"}
    opener = Opener(KeyStore(migrated_pg_url, only_new))  # the old version is gone from the secret
    assert all(opener.open_order(e.data.order).buyer_name == NAME for e in sealed)
