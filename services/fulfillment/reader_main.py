"""``sales-channel fulfillment-reader``: the outbox reader against the configured Magento."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterable
from typing import Any

from schemas import Event
from schemas.topics import MAGENTO_FULFILLMENT
from services.common.db import upgrade
from services.common.deadletters import DeadLetters
from services.common.kafka import make_producer, publish_sync
from services.common.logging import get_logger
from services.common.settings import Settings
from services.fulfillment.db import CursorStore
from services.fulfillment.reader import OutboxReader
from services.magento_writer.magento.auth import resolve_auth
from services.magento_writer.magento.client import MagentoClient
from services.stores.registry import read_all

log = get_logger(__name__)
SERVICE = "fulfillment_reader"
STORES_REFRESH_S = 60.0


class StoreCodes:
    """Magento store code → integrated store ids, from the store registry (re-read at most once a
    minute when a code is unknown: a store integrated since)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.codes: dict[str, list[str]] = {}
        self.read_at = float("-inf")

    def _refresh(self) -> None:
        codes: dict[str, list[str]] = {}
        for store_id, history in read_all(self.settings).items():
            config = history.current
            if getattr(config, "enabled", True):
                codes.setdefault(config.magento_store_code, []).append(store_id)
        self.codes = codes
        self.read_at = time.monotonic()

    def __call__(self, code: str) -> list[str]:
        if code not in self.codes and time.monotonic() - self.read_at > STORES_REFRESH_S:
            self._refresh()
        return self.codes.get(code, [])


def run(settings: Settings) -> None:
    upgrade(settings.database_url)
    client = MagentoClient(settings.magento_base_url, resolve_auth(settings.magento_auth_ref, settings.secrets_file))
    producer = make_producer(settings)
    dead = DeadLetters(producer, SERVICE)

    def publish(events: Iterable[Event]) -> int:
        return publish_sync(producer, MAGENTO_FULFILLMENT, events)

    def dead_letter(entry: dict[str, Any], reason: str) -> None:
        dead.record(reason=reason, error="BadEntry", raw_value=json.dumps(entry).encode(),
                    source_topic="magento:fulfillment-outbox", offset=int(entry.get("entry_id") or 0))

    stopping = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stopping.update(now=True))
    reader = OutboxReader(client, settings.magento_base_url, CursorStore(settings.database_url), publish,
                          StoreCodes(settings), dead_letter)
    log.info("fulfillment_reader_started", magento=settings.magento_base_url)
    try:
        reader.run(should_stop=lambda: stopping["now"])
    finally:
        producer.close()
        client.close()
