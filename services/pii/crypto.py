"""Pure AES-GCM (``cryptography``): seal and open one field with an order's data key, wrap and
unwrap data keys with a key-encryption key. Keys are 256-bit; nonces 96-bit random."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.pii.sealed import Sealed

KEY_BYTES = 32
NONCE_BYTES = 12


class CannotOpen(ValueError):
    """Wrong key, tampered value, or a value of another order."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def seal(data_key: bytes, kid: str, plaintext: str) -> str:
    """``plaintext`` sealed for the order ``kid`` (its key id is the associated data)."""
    nonce = os.urandom(NONCE_BYTES)
    return str(Sealed(kid, nonce, AESGCM(data_key).encrypt(nonce, plaintext.encode(), kid.encode())))


def open_sealed(data_key: bytes, value: Sealed) -> str:
    try:
        return AESGCM(data_key).decrypt(value.nonce, value.ciphertext, value.kid.encode()).decode()
    except InvalidTag as exc:
        raise CannotOpen(f"cannot open a value of {value.kid}") from exc


def _wrap_ad(kid: str, kek_version: str) -> bytes:
    return f"dek|{kek_version}|{kid}".encode()


def wrap(kek: bytes, kek_version: str, kid: str, data_key: bytes) -> bytes:
    """The data key of ``kid`` encrypted under the KEK (nonce + ciphertext), bound to both ids."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(kek).encrypt(nonce, data_key, _wrap_ad(kid, kek_version))


def unwrap(kek: bytes, kek_version: str, kid: str, wrapped: bytes) -> bytes:
    try:
        return AESGCM(kek).decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _wrap_ad(kid, kek_version))
    except InvalidTag as exc:
        raise CannotOpen(f"cannot unwrap the data key of {kid} with KEK version {kek_version}") from exc
