"""The key store: data keys created once per order, wrapped under the active KEK, rewrapped on
rotation, destroyed with an erasure record (crypto-shredding); on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text

from services.common.db import get_engine, upgrade
from services.pii.store import KeyStore, kid_for

from .conftest import T0, ring


def _kid() -> str:
    return kid_for(f"s-{uuid.uuid4().hex[:8]}", "111-0000000-0000001")


def _exercise(url: str) -> None:
    r1 = ring("1")
    store = KeyStore(url, r1)
    kid = _kid()
    key = store.data_key(kid, T0)
    assert key is not None and store.data_key(kid, T0) == key
    assert store.data_keys([kid, "s-unknown:1"]) == {kid: key}

    # rotation: a new active version wraps new keys; old wraps still unwrap until rewrapped
    r2 = ring("1", "2")
    r2 = type(r2)(active="2", keys={"1": r1.key("1"), "2": r2.key("2")})
    rotated = KeyStore(url, r2)
    assert rotated.data_keys([kid]) == {kid: key}
    newer = _kid()
    assert rotated.data_key(newer, T0) is not None
    versions = {h.kid: h.kek_version for h in rotated.held()}
    assert versions[kid] == "1" and versions[newer] == "2"
    assert rotated.rewrap() >= 1
    only_new = KeyStore(url, type(r2)(active="2", keys={"2": r2.key("2")}))
    assert only_new.data_keys([kid]) == {kid: key}

    # retention clock: set once, at the first closing status
    only_new.mark_closed(kid, "SHIPPED", T0)
    only_new.mark_closed(kid, "CANCELED", T0 + timedelta(days=1))
    [held] = [h for h in only_new.held() if h.kid == kid]
    assert held.closed_at == T0 and held.closed_status == "SHIPPED"

    # crypto-shredding
    assert only_new.destroy(kid, "retention", T0 + timedelta(days=30))
    assert not only_new.destroy(kid, "request", T0 + timedelta(days=31))
    assert only_new.data_keys([kid]) == {kid: None}
    assert only_new.data_key(kid, T0) is None  # never a new key after erasure
    with get_engine(url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM pii_data_keys WHERE kid = :k"), {"k": kid}).scalar() == 0
    [erasure] = [e for e in only_new.unpublished() if e.kid == kid]
    assert erasure.reason == "retention" and erasure.erased_at == T0 + timedelta(days=30)
    only_new.mark_published([kid])
    assert kid not in {e.kid for e in only_new.unpublished()}
    assert only_new.erasures([kid])[kid].reason == "retention"


def test_key_store_on_sqlite(sqlite_url: str) -> None:
    _exercise(sqlite_url)


@pytest.mark.integration
def test_key_store_on_postgresql(migrated_pg_url: str) -> None:
    upgrade(migrated_pg_url)  # idempotent
    _exercise(migrated_pg_url)
