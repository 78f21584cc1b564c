"""The key-encryption key ring, read from a secret reference (``services.common.secrets``).

The secret is a JSON object ``{"active": "2", "keys": {"1": "<base64 key>", "2": "<base64 key>"}}``:
new wraps use the active version, every listed version still unwraps. Rotation: add a version, make
it active, run ``sales-channel pii rewrap``, then drop the old version from the secret."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from services.common.secrets import resolve
from services.pii.crypto import KEY_BYTES


class BadKeyRing(ValueError):
    pass


class NoKeyRing(RuntimeError):
    """A data key had to be wrapped or unwrapped by a process without a KEK (``PII_KEK_REF`` unset)."""


@dataclass(frozen=True)
class KeyRing:
    active: str
    keys: dict[str, bytes]

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise BadKeyRing(f"the active KEK version {self.active!r} is not among the keys")

    def __repr__(self) -> str:  # never show key bytes
        return f"KeyRing(active={self.active!r}, versions={sorted(self.keys)!r})"

    @property
    def active_key(self) -> bytes:
        return self.keys[self.active]

    def key(self, version: str) -> bytes:
        if version not in self.keys:
            raise BadKeyRing(f"KEK version {version!r} is not in the key ring (still needed by wrapped keys)")
        return self.keys[version]

    @classmethod
    def parse(cls, secret: Any) -> KeyRing:
        if not isinstance(secret, dict) or not isinstance(secret.get("keys"), dict):
            raise BadKeyRing('the KEK secret must be {"active": VERSION, "keys": {VERSION: base64 key}}')
        keys: dict[str, bytes] = {}
        for version, text in secret["keys"].items():
            try:
                raw = base64.b64decode(str(text), validate=True)
            except binascii.Error as exc:
                raise BadKeyRing(f"KEK version {version!r} is not base64") from exc
            if len(raw) not in (16, 24, KEY_BYTES):
                raise BadKeyRing(f"KEK version {version!r} must be a 128-, 192- or 256-bit key")
            keys[str(version)] = raw
        return cls(str(secret.get("active")), keys)

    @classmethod
    def from_ref(cls, ref: str) -> KeyRing:
        return cls.parse(resolve(ref))


def new_kek_text() -> str:
    """A fresh 256-bit KEK, base64 (for the secret)."""
    from services.pii.crypto import new_data_key

    return base64.b64encode(new_data_key()).decode()
