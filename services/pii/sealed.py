"""The sealed form of one PII field: a small, versioned, self-describing string.

``pii1.<key id>.<nonce>.<ciphertext>`` (each part unpadded base64url). The key id names the order's
data key (``store_id:amazon_order_id``, no PII) and is the AES-GCM associated data, so a value cannot
be moved to another order. A string without the prefix is a clear value (facts before sealing)."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from functools import lru_cache

PREFIX = "pii1."


class MalformedSealed(ValueError):
    """A string that starts like a sealed value but is not one."""


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


_SHAPE = re.compile(r"pii1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


_TO_STANDARD = str.maketrans("-_", "+/")


def _unb64(text: str) -> bytes:
    try:
        return binascii.a2b_base64((text + "=" * (-len(text) % 4)).translate(_TO_STANDARD))
    except (binascii.Error, ValueError) as exc:
        raise MalformedSealed("a sealed value part is not base64url") from exc


@lru_cache(maxsize=4096)
def _kid(part: str) -> str:
    """A key id part (every field of an order repeats it)."""
    try:
        return _unb64(part).decode()
    except UnicodeDecodeError as exc:
        raise MalformedSealed("a sealed value's key id is not text") from exc


@dataclass(frozen=True)
class Sealed:
    kid: str
    nonce: bytes
    ciphertext: bytes  # AES-GCM ciphertext with its 16-byte tag

    def __str__(self) -> str:
        return f"{PREFIX}{_b64(self.kid.encode())}.{_b64(self.nonce)}.{_b64(self.ciphertext)}"

    @classmethod
    def parse(cls, text: str) -> Sealed:
        if not _SHAPE.fullmatch(text):
            raise MalformedSealed("not a sealed value: pii1.<key id>.<nonce>.<ciphertext>, each base64url")
        parts = text[len(PREFIX):].split(".")
        return cls(_kid(parts[0]), _unb64(parts[1]), _unb64(parts[2]))


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def key_id_of(value: str) -> str:
    """The key id a sealed value names."""
    return Sealed.parse(value).kid
