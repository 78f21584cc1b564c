"""Retention: the per-store period (at most 30 days), the sweep that destroys due keys, and the
erasure events (one per order, published once acknowledged, again after a crash before that)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import pytest

from schemas.envelope import Event
from schemas.events.pii import PiiErasedV1
from schemas.types import AmazonStatus
from services.pii.retention import RetentionPolicy, closes
from services.pii.service import erase, publish_erasures, sweep
from services.pii.store import KeyStore, kid_for

from .conftest import T0


def test_the_clock_starts_at_shipment_or_cancellation() -> None:
    assert closes(AmazonStatus.SHIPPED) and closes(AmazonStatus.CANCELED) and closes(AmazonStatus.UNFULFILLABLE)
    assert not closes(AmazonStatus.PARTIALLY_SHIPPED) and not closes(AmazonStatus.UNSHIPPED)


@pytest.mark.parametrize("days", [0, -1, 31])
def test_periods_stay_within_the_policy(days: int) -> None:
    with pytest.raises(ValueError):
        RetentionPolicy(by_store={"s1": timedelta(days=days)})


def test_each_store_has_its_period() -> None:
    policy = RetentionPolicy(by_store={"s2": timedelta(days=7)})
    assert policy.period("s1") == timedelta(days=30) and policy.period("s2") == timedelta(days=7)
    assert not policy.is_due("s1", None, T0 + timedelta(days=365))
    assert not policy.is_due("s1", T0, T0 + timedelta(days=29))
    assert policy.is_due("s1", T0, T0 + timedelta(days=30)) and policy.is_due("s2", T0, T0 + timedelta(days=7))


def test_the_sweep_destroys_due_keys_and_publishes_each_erasure_once(keystore: KeyStore) -> None:
    policy = RetentionPolicy(by_store={"s2": timedelta(days=7)})
    kids = [kid_for("s1", "A"), kid_for("s1", "B"), kid_for("s2", "C"), kid_for("s1", "D")]
    for kid in kids:
        keystore.data_key(kid, T0)
    keystore.mark_closed(kids[0], "SHIPPED", T0)
    keystore.mark_closed(kids[1], "CANCELED", T0 + timedelta(days=5))
    keystore.mark_closed(kids[2], "SHIPPED", T0)
    now = T0 + timedelta(days=30)
    assert sweep(keystore, policy, now) == 2  # A (30 days) and C (7 days); B not yet, D open
    assert set(keystore.data_keys(kids)) == set(kids)
    assert keystore.data_keys(kids)[kids[0]] is None and keystore.data_keys(kids)[kids[1]] is not None

    sent: list[Event] = []

    def failing(_: Iterable[Event]) -> None:
        raise RuntimeError("broker down")

    with pytest.raises(RuntimeError):
        publish_erasures(keystore, failing)
    assert publish_erasures(keystore, sent.extend) == 2  # retried after the failure
    assert publish_erasures(keystore, sent.extend) == 0
    assert {e.key for e in sent} == {kids[0], kids[2]}
    assert all(isinstance(e, PiiErasedV1) and e.data.reason == "retention" for e in sent)
    assert sweep(keystore, policy, now) == 0


def test_a_buyer_request_erases_at_once(keystore: KeyStore) -> None:
    keystore.data_key(kid_for("s1", "A"), T0)
    assert erase(keystore, "s1", "A", T0)
    assert not erase(keystore, "s1", "A", T0)
    sent: list[Event] = []
    publish_erasures(keystore, sent.extend)
    [event] = sent
    assert isinstance(event, PiiErasedV1) and event.data.reason == "request" and event.data.key_id == "s1:A"
