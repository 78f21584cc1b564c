"""The sealer (poller side) and the opener (writer, Orders tab): v4 facts carry no clear PII, the
opener reads them back, and after an erasure nothing opens and later facts carry no PII at all."""

from __future__ import annotations

from datetime import timedelta

from schemas.events.lifecycle import MagentoOrderRequestedData, MagentoOrderRequestedV1, MagentoTarget
from schemas.events.poller import (
    AmazonOrderChangedDataV3,
    AmazonOrderChangedV1,
    AmazonOrderChangedV3,
    AmazonOrderChangedV4,
)
from schemas.registry import decode, encode
from schemas.types import AmazonStatus, OrderSettings
from services.pii.fields import pii_values
from services.pii.keys import Opener, Sealer
from services.pii.removal import REMOVED, REMOVED_ON_REQUEST
from services.pii.sealed import is_sealed
from services.pii.store import KeyStore, kid_for

from .conftest import EMAIL, LINE1, NAME, T0, pii_order


def fact(status: AmazonStatus = AmazonStatus.UNSHIPPED, seq: int = 1) -> AmazonOrderChangedV3:
    order = pii_order(status=status)
    data = AmazonOrderChangedDataV3(store_id="s1", order=order, observed_at=T0 + timedelta(minutes=seq))
    event: AmazonOrderChangedV3 = AmazonOrderChangedV3.build(key=kid_for("s1", order.amazon_order_id),
                                                             occurred_at=T0 + timedelta(minutes=seq),
                                                             producer="poller", data=data, identity=(seq,))
    return event


def test_a_sealed_fact_is_v4_with_the_same_id_and_no_clear_pii(keystore: KeyStore) -> None:
    source = fact()
    sealed = Sealer(keystore).seal_fact(source)
    raw = encode(sealed)
    assert sealed.event_id == source.event_id and sealed.schema_version == 4
    for clear in pii_values(source.data.order):
        assert clear.encode() not in raw
    assert b"555 0100" not in raw and b"Ring twice" not in raw  # sealed too (the writer maps them)
    decoded = decode(raw)
    assert isinstance(decoded, AmazonOrderChangedV4) and isinstance(decoded, AmazonOrderChangedV1)
    assert decoded.data.pii_key_id == "s1:111-0000000-0000001"
    assert decoded.data.order.status == AmazonStatus.UNSHIPPED and decoded.data.order.items[0].sku == "SKU-1"


def test_the_opener_reads_sealed_orders_and_lifecycle_commands(keystore: KeyStore) -> None:
    sealed = Sealer(keystore).seal_fact(fact())
    opener = Opener(keystore)
    opened = opener.open_order(sealed.data.order)
    assert opened.buyer_name == NAME and opened.buyer_email == EMAIL
    assert opened.ship_to is not None and opened.ship_to.lines[0] == LINE1
    assert opened.gift_messages == ("Happy birthday Grace",)
    # the processor passes the sealed order along in its commands unread; the writer opens it there
    target = MagentoTarget(store_id="s1", merchant_id=1, magento_store_code="default", settings=OrderSettings())
    cmd = MagentoOrderRequestedV1.build(key=sealed.key, occurred_at=T0, producer="order_processor", identity=(1,),
                                        data=MagentoOrderRequestedData(request_seq=1, reason="status_changed",
                                                                       target=target, order=sealed.data.order))
    again = decode(encode(cmd))
    assert isinstance(again, MagentoOrderRequestedV1) and NAME.encode() not in encode(cmd)
    assert opener.open_order(again.data.order).buyer_name == NAME


def test_after_erasure_nothing_opens_and_later_facts_carry_no_pii(keystore: KeyStore) -> None:
    sealer, opener = Sealer(keystore), Opener(keystore)
    sealed = sealer.seal_fact(fact())
    assert opener.reveal(sealed.data.order.buyer_name) == NAME
    assert keystore.destroy(kid_for("s1", "111-0000000-0000001"), "retention", T0 + timedelta(days=30))
    opener.forget(kid_for("s1", "111-0000000-0000001"))
    assert opener.open_order(sealed.data.order).buyer_name is None
    assert opener.reveal(sealed.data.order.buyer_email) == REMOVED
    assert Opener(keystore).reveal(sealed.data.order.buyer_name) == REMOVED  # a fresh process too (replay)
    later = sealer.seal_fact(fact(AmazonStatus.SHIPPED, seq=2))
    assert later.data.pii_key_id is None and list(pii_values(later.data.order)) == []


def test_a_destroyed_key_leaves_an_openers_cache_within_its_lifetime_unheard(keystore: KeyStore) -> None:
    now = [0.0]
    sealed = Sealer(keystore).seal_fact(fact())
    opener = Opener(keystore, cache_seconds=300.0, clock=lambda: now[0])
    assert opener.open(sealed.data.order.buyer_name or "") == NAME
    keystore.destroy(kid_for("s1", "111-0000000-0000001"), "retention", T0 + timedelta(days=30))
    now[0] = 299.0
    assert opener.open(sealed.data.order.buyer_name or "") == NAME  # still cached: the erasure was not heard
    now[0] = 300.0
    assert opener.open(sealed.data.order.buyer_name or "") is None
    assert opener.reveal(sealed.data.order.buyer_email) == REMOVED


def test_a_request_erasure_reads_as_such(keystore: KeyStore) -> None:
    sealed = Sealer(keystore).seal_fact(fact())
    keystore.destroy(kid_for("s1", "111-0000000-0000001"), "request", T0)
    assert Opener(keystore).reveal(sealed.data.order.buyer_name) == REMOVED_ON_REQUEST


def test_clear_values_of_older_facts_pass_unchanged(keystore: KeyStore) -> None:
    order = pii_order()
    assert Opener(keystore).open_order(order) == order


def test_a_closing_fact_starts_the_retention_clock(keystore: KeyStore) -> None:
    sealer = Sealer(keystore)
    sealer.seal_fact(fact())
    assert keystore.held()[0].closed_at is None
    shipped = fact(AmazonStatus.SHIPPED, seq=2)
    sealer.seal_fact(shipped)
    [held] = keystore.held()
    assert held.closed_at == shipped.occurred_at and held.closed_status == "SHIPPED"
    assert all(is_sealed(v) for v in pii_values(sealer.seal_fact(shipped).data.order))


def test_without_the_kek_erased_values_read_as_removed_and_others_refuse(keystore: KeyStore) -> None:
    import pytest

    from services.pii.kek import NoKeyRing

    sealer = Sealer(keystore)
    kept = sealer.seal_fact(fact())
    other = fact().model_copy(update={"key": "s1:222"})
    other = other.model_copy(update={"data": other.data.model_copy(update={
        "order": other.data.order.model_copy(update={"amazon_order_id": "222"})})})
    gone = sealer.seal_fact(other)
    keystore.destroy(kid_for("s1", "222"), "retention", T0)
    blind = Opener(KeyStore(keystore.url, None))
    assert blind.reveal(gone.data.order.buyer_name) == REMOVED
    with pytest.raises(NoKeyRing):
        blind.reveal(kept.data.order.buyer_name)


class CountingStore:
    """A key store that counts its queries (the opener's only I/O)."""

    def __init__(self, store: KeyStore) -> None:
        self.store, self.queries = store, 0

    def data_keys(self, kids: object) -> object:
        self.queries += 1
        return self.store.data_keys(kids)  # type: ignore[arg-type]

    def erasures(self, kids: object) -> object:
        return self.store.erasures(kids)  # type: ignore[arg-type]


def sealed_order(n: int) -> AmazonOrderChangedV3:
    order_id = f"111-000000{n}-0000001"
    data = AmazonOrderChangedDataV3(store_id="s1", observed_at=T0,
                                    order=pii_order().model_copy(update={"amazon_order_id": order_id}))
    event: AmazonOrderChangedV3 = AmazonOrderChangedV3.build(key=kid_for("s1", order_id), occurred_at=T0,
                                                             producer="poller", identity=(n,), data=data)
    return event


def test_a_batch_prefetch_reads_every_key_in_one_query_and_opening_reads_none(keystore: KeyStore) -> None:
    sealer = Sealer(keystore)
    sealed = [sealer.seal_fact(sealed_order(n)).data.order for n in range(5)]
    assert len({kid_for("s1", o.amazon_order_id) for o in sealed}) == 5
    counting = CountingStore(keystore)
    opener = Opener(counting)  # type: ignore[arg-type]
    opener.prefetch(v for o in sealed for v in pii_values(o))
    assert counting.queries == 1
    assert [opener.open_order(o).buyer_name for o in sealed] == [NAME] * 5
    assert counting.queries == 1  # every key came from the batch
