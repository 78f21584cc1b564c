"""The fulfillment reader: pages through our Magento module's outbox after its cursor, publishes one
fact per entry on ``magento-fulfillment`` (``magento.shipment.recorded``, or
``magento.cancellation.recorded`` for an order canceled), and moves the cursor only
once the broker has acknowledged every fact of the page. A crash in between re-publishes the same
facts (same event ids), never skips one."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from schemas import Event
from schemas.topics import MAGENTO_FULFILLMENT
from services.common.logging import get_logger
from services.common.retry import outbox_read_failure, retry_call
from services.fulfillment.db import CursorStore
from services.fulfillment.outbox import BadEntry, NotOurs, StoresForCode, fact_from_entry

log = get_logger(__name__)
ROUTE = "sales-channel/fulfillment-outbox"
ADMIN_SCOPE = "all"
PAGE_SIZE = 200


class OutboxSource(Protocol):
    def call(self, method: str, route: str, store_code: str, path: str, *, body: Any = None,
             params: dict[str, str] | None = None) -> Any: ...


Publish = Callable[[Iterable[Event]], int]  # sends and waits for the broker's acknowledgement
DeadLetter = Callable[[dict[str, Any], str], None]


@dataclass
class PageResult:
    read: int
    published: int
    not_ours: int
    bad: int
    cursor: int


class OutboxReader:
    def __init__(self, magento: OutboxSource, source: str, cursors: CursorStore, publish: Publish,
                 stores_for_code: StoresForCode, dead_letter: DeadLetter | None = None,
                 page_size: int = PAGE_SIZE, topic: str = MAGENTO_FULFILLMENT) -> None:
        self.magento = magento
        self.source = source
        self.cursors = cursors
        self.publish = publish
        self.stores_for_code = stores_for_code
        self.dead_letter = dead_letter
        self.page_size = page_size
        self.topic = topic

    def read_page(self) -> PageResult:
        """One page after the cursor: publish, wait for the acknowledgement, then commit the cursor."""
        after = self.cursors.load(self.source)
        answer = self.magento.call("GET", "fulfillment_outbox", ADMIN_SCOPE, ROUTE,
                                   params={"after": str(after), "pageSize": str(self.page_size)})
        entries = answer.get("entries") if isinstance(answer, dict) else None
        if not isinstance(entries, list):
            raise BadEntry("the fulfillment outbox answered without an entries list")
        facts: list[Event] = []
        not_ours = bad = 0
        last = after
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            try:
                fact = fact_from_entry(entry, self.stores_for_code)
            except BadEntry as exc:
                bad += 1
                log.error("fulfillment_outbox_entry_unreadable", entry_id=entry.get("entry_id"), reason=str(exc))
                if self.dead_letter is not None:
                    self.dead_letter(entry, str(exc))
            else:
                if isinstance(fact, NotOurs):
                    not_ours += 1
                else:
                    facts.append(fact)
            entry_id = entry.get("entry_id")
            if isinstance(entry_id, int) and entry_id > last:
                last = entry_id
        published = self.publish(facts) if facts else 0
        if last > after:
            self.cursors.save(self.source, last)
        return PageResult(len(entries), published, not_ours, bad, last)

    def run(self, interval_s: float = 2.0, should_stop: Callable[[], bool] = lambda: False,
            sleep: Callable[[float], None] = time.sleep) -> None:
        """Read pages until ``should_stop``: a full page is followed at once, a short one after
        ``interval_s``; a failed read (Magento or the broker down) is tried again under
        ``outbox_read_failure(interval_s)`` until it succeeds or the reader is stopped."""
        failure = outbox_read_failure(interval_s)
        while not should_stop():
            try:
                result = retry_call(failure, self.read_page, on_retry=_read_failed, sleep=sleep,
                                    retry_on=lambda exc: isinstance(exc, Exception) and not should_stop())
            except Exception:  # noqa: BLE001 - stopped while Magento or the broker was down
                if should_stop():
                    return
                raise
            if result.read:
                log.info("fulfillment_outbox_read", read=result.read, published=result.published,
                         not_ours=result.not_ours, bad=result.bad, cursor=result.cursor)
            if result.read < self.page_size:
                sleep(interval_s)


def _read_failed(attempt: int, exc: BaseException, wait_s: float) -> None:
    log.warning("fulfillment_outbox_read_failed", error=f"{type(exc).__name__}: {exc}", attempt=attempt,
                retry_in_s=wait_s)
