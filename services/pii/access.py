"""Wiring: the key store, sealer and opener of this process, from the environment.

``PII_KEK_REF`` names the KEK ring (``services.pii.kek``); the key store lives in the service
database (``DATABASE_URL``). Without a KEK reference nothing is sealed (development only), and only
values of erased orders can be read (as removed)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

from schemas.types import AmazonOrder
from services.common.logging import get_logger
from services.common.settings import Misconfigured
from services.pii import fields
from services.pii.kek import KeyRing
from services.pii.keys import Opener, Sealer
from services.pii.sealed import is_sealed
from services.pii.settings import PiiSettings
from services.pii.store import KeyStore

log = get_logger(__name__)


def key_store(database_url: str, secrets_file: Path | None = None, *, migrate: bool = False) -> KeyStore | None:
    """The key store, or None when no KEK is configured. ``migrate``: apply the migrations first (the
    key service, its owner, does on start; ``sales-channel db upgrade`` does too)."""
    from services.common.secrets import resolve

    pii = PiiSettings()
    if pii.kek_ref is None:
        return None
    if migrate:
        from services.common.db import upgrade

        upgrade(database_url)
    return KeyStore(database_url, KeyRing.parse(resolve(pii.kek_ref, secrets_file)))


class SealingNotConfigured(Misconfigured):
    """The poller would publish buyer PII in the clear."""


def sealer(database_url: str, secrets_file: Path | None = None) -> Sealer | None:
    """The poller's sealer. Without a KEK it refuses (``SealingNotConfigured``) unless sealing is
    switched off on purpose (``PII_SEALING=off``, development only)."""
    store = key_store(database_url, secrets_file)
    if store is not None:
        return Sealer(store)
    if PiiSettings().sealing == "off":
        log.warning("pii_sealing_off", hint="PII_SEALING=off: buyer PII is published in the clear (development only)")
        return None
    raise SealingNotConfigured(
        "PII_KEK_REF is not set: buyer PII must be sealed before it is published (Amazon's Data Protection "
        "Policy). Put a KEK ring in a secret ({\"active\": \"1\", \"keys\": {\"1\": \"<openssl rand -base64 32>\"}}) "
        "and set PII_KEK_REF to it (e.g. file:pii-kek); for development only, PII_SEALING=off publishes it "
        "in the clear.")


def opener(database_url: str, secrets_file: Path | None = None) -> Opener:
    """An opener of sealed values. Without a KEK it still knows erased orders (their values read as
    removed); opening a value whose key exists then raises ``NoKeyRing``."""
    from services.common.secrets import resolve

    ref = PiiSettings().kek_ref
    return Opener(KeyStore(database_url, KeyRing.parse(resolve(ref, secrets_file)) if ref else None))


@cache
def process_opener() -> Opener:
    """This process's opener (the writer's), built on first use."""
    from services.common.settings import get_settings

    settings = get_settings()
    return opener(settings.database_url, settings.secrets_file)


def opened(order: fields.OrderT) -> fields.OrderT:
    """``order`` with its PII in the clear: unchanged when nothing in it is sealed (older facts),
    else opened with this process's opener (erased PII removed)."""
    first = next(fields.pii_values(order), None)  # the sealer seals every PII value of an order or none
    if first is None or not is_sealed(first):
        return order
    return process_opener().open_order(order)


def prefetch(orders: Iterable[AmazonOrder]) -> None:
    """Load the data keys of every sealed order in ``orders`` with one query, so that opening them one
    by one afterwards reads no key store (the writer calls this per polled batch of commands)."""
    values = [v for order in orders for v in fields.pii_values(order)]
    if any(is_sealed(v) for v in values):
        process_opener().prefetch(values)
