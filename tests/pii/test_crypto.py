"""The crypto core: sealed values, AES-GCM with the order's key id as associated data, KEK wrapping."""

from __future__ import annotations

import pytest

from services.pii.crypto import CannotOpen, new_data_key, open_sealed, seal, unwrap, wrap
from services.pii.kek import BadKeyRing, KeyRing
from services.pii.sealed import PREFIX, MalformedSealed, Sealed, is_sealed, key_id_of

from .conftest import NAME, ring

KID = "s1:111-0000000-0000001"


def test_a_sealed_value_names_its_key_and_opens_with_it_only() -> None:
    key = new_data_key()
    value = seal(key, KID, NAME)
    assert value.startswith(PREFIX) and is_sealed(value)
    assert NAME not in value and key_id_of(value) == KID
    assert open_sealed(key, Sealed.parse(value)) == NAME
    with pytest.raises(CannotOpen):
        open_sealed(new_data_key(), Sealed.parse(value))


def test_the_same_value_seals_differently_each_time() -> None:
    key = new_data_key()
    assert seal(key, KID, NAME) != seal(key, KID, NAME)


def test_a_value_moved_to_another_order_does_not_open() -> None:
    key = new_data_key()
    moved = Sealed.parse(seal(key, KID, NAME))
    with pytest.raises(CannotOpen):
        open_sealed(key, Sealed("s1:111-0000000-0000002", moved.nonce, moved.ciphertext))


def test_a_tampered_value_does_not_open() -> None:
    key = new_data_key()
    s = Sealed.parse(seal(key, KID, NAME))
    flipped = bytes([s.ciphertext[0] ^ 1]) + s.ciphertext[1:]
    with pytest.raises(CannotOpen):
        open_sealed(key, Sealed(s.kid, s.nonce, flipped))


@pytest.mark.parametrize("text", ["pii1.abc", "pii1.a.b", "pii1.%%%.YQ.YQ", "plain"])
def test_malformed_sealed_values_are_refused(text: str) -> None:
    with pytest.raises(MalformedSealed):
        Sealed.parse(text)


def test_wrapped_keys_are_bound_to_their_order_and_kek_version() -> None:
    kek, key = new_data_key(), new_data_key()
    wrapped = wrap(kek, "1", KID, key)
    assert unwrap(kek, "1", KID, wrapped) == key
    with pytest.raises(CannotOpen):
        unwrap(kek, "2", KID, wrapped)
    with pytest.raises(CannotOpen):
        unwrap(kek, "1", "s1:other", wrapped)
    with pytest.raises(CannotOpen):
        unwrap(new_data_key(), "1", KID, wrapped)


def test_the_key_ring_reads_versions_and_never_shows_keys() -> None:
    r = ring("1", "2")
    assert r.active == "2" and set(r.keys) == {"1", "2"}
    assert r.key("1") != r.key("2")
    assert "keys" not in repr(r).lower().replace("versions", "")
    with pytest.raises(BadKeyRing):
        r.key("3")


@pytest.mark.parametrize("secret", [
    "not a dict", {"active": "1"}, {"active": "2", "keys": {"1": "AAAA" * 11}},
    {"active": "1", "keys": {"1": "not base64!"}}, {"active": "1", "keys": {"1": "AAAA"}},
])
def test_bad_key_rings_are_refused(secret: object) -> None:
    with pytest.raises(BadKeyRing):
        KeyRing.parse(secret)


def test_the_key_ring_comes_from_a_secret_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    r = ring("7")
    import base64
    monkeypatch.setenv("PII_KEK", json.dumps({"active": "7", "keys": {"7": base64.b64encode(r.key("7")).decode()}}))
    assert KeyRing.from_ref("env:PII_KEK").key("7") == r.key("7")
