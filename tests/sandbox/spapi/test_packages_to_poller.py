"""The sandbox's ``packages`` (includedData=PACKAGES) read by the poller's mapping: each shipped
merchant-fulfilled package becomes one carrier + tracking number; other orders have none."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from sandbox.spapi import SandboxState
from schemas.events.poller import AmazonOrderChangedV2, tracks_of
from services.poller.facts import order_facts
from services.poller.mapping import map_order, map_tracks
from services.poller.state import StoredFingerprint
from tests.sandbox.spapi.helpers import EVERYTHING, LONG_AGO, SellerSession, search


def test_shipped_merchant_packages_become_the_order_facts_tracks(
    state: SandboxState, client: TestClient, seller: SellerSession
) -> None:
    sid = seller.seller_id
    shipped = state.create_order(sid, fulfilled_by="MERCHANT", status="UNSHIPPED")
    unshipped = state.create_order(sid, fulfilled_by="MERCHANT", status="UNSHIPPED")
    fba = state.create_order(sid, fulfilled_by="AMAZON")
    state.clock.advance(60)
    state.ship(sid, shipped.order_id)
    state.ship(sid, fba.order_id)
    state.clock.advance(300)
    raw = {o["orderId"]: o for o in search(client, seller, lastUpdatedAfter=LONG_AGO, includedData=EVERYTHING)
           .json()["orders"]}

    [package] = raw[shipped.order_id]["packages"]
    [track] = map_tracks(raw[shipped.order_id])
    assert (track.carrier, track.tracking_number) == (package["carrier"], package["trackingNumber"])
    assert map_tracks(raw[unshipped.order_id]) == () and map_tracks(raw[fba.order_id]) == ()

    orders = [map_order(o) for o in raw.values()]
    tracks = {o["orderId"]: map_tracks(o) for o in raw.values()}
    facts = order_facts("s1", orders, {}, datetime.now(UTC), tracks=tracks)
    by_id = {e.data.order.amazon_order_id: e for e in facts.events}
    assert all(isinstance(e, AmazonOrderChangedV2) for e in facts.events)
    assert tracks_of(by_id[shipped.order_id]) == (track,)
    assert tracks_of(by_id[unshipped.order_id]) == ()

    # seen before without tracks (a poller that did not ask for PACKAGES): the tracks alone are a change
    before = order_facts("s1", orders, {}, datetime.now(UTC))
    stored = {u.amazon_order_id: StoredFingerprint(u.digest, u.fields, u.last_updated, u.seq) for u in before.updates}
    after = order_facts("s1", orders, stored, datetime.now(UTC), tracks=tracks)
    assert [(e.data.order.amazon_order_id, e.data.changes) for e in after.events] == [(shipped.order_id, ("tracks",))]
    assert tracks_of(after.events[0]) == (track,)
