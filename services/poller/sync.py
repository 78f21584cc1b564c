"""One store's poll: read a window page by page, publish the facts, then advance the checkpoint.

Order of effects per page: publish the page's facts and await every acknowledgement, then
store the page's fingerprints. Per window: after the last page, publish
``StorePollCompletedV1`` and only then move the checkpoint. A crash anywhere re-reads the
window from the old checkpoint; facts already published come out with the same ids."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from schemas.envelope import order_key
from schemas.events.poller import StorePollCompletedData, StorePollCompletedV1
from schemas.topics import AMAZON_ORDERS, POLLER_SYNC
from schemas.types import AmazonOrder, ShipmentTrack, StoreConfig
from services.common.logging import get_logger
from services.pii.keys import Sealer
from services.poller import metrics
from services.poller.facts import PRODUCER, order_facts
from services.poller.mapping import OrderMappingError, map_order, map_tracks
from services.poller.publisher import EventPublisher
from services.poller.spapi.port import AmazonOrdersClient, SearchQuery
from services.poller.state import Checkpoint, PollerState
from services.poller.window import (
    SyncWindow,
    WindowPolicy,
    initial_import_window,
    lag_seconds,
    latest_end,
    next_window,
)

log = get_logger(__name__)

PageHook = Callable[[int, int, int], None]  # (pages, orders seen, events published) so far


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Poller:
    """Everything one poll needs; shared by every store of the process."""

    client: AmazonOrdersClient
    state: PollerState
    publisher: EventPublisher
    policy: WindowPolicy = field(default_factory=WindowPolicy)
    clock: Callable[[], datetime] = _now
    page_size: int = 100  # maxResultsPerPage
    # This process is the only writer of its stores' checkpoints: read each from the database once.
    checkpoints: dict[str, Checkpoint] = field(default_factory=dict)
    # One store's change detection at a time (polling and the notification listener): two paths
    # seeing the same change read the same fingerprint and publish one fact, never two.
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    # Seals the buyer PII of every fact before it is published (issue 20); None: PII goes out clear.
    sealer: Sealer | None = None

    def store_lock(self, store_id: str) -> asyncio.Lock:
        lock = self.locks.get(store_id)
        if lock is None:
            lock = self.locks[store_id] = asyncio.Lock()
        return lock

    async def checkpoint(self, store_id: str) -> Checkpoint:
        cp = self.checkpoints.get(store_id)
        if cp is None:
            cp = self.checkpoints[store_id] = await asyncio.to_thread(self.state.load_checkpoint, store_id)
        return cp

    async def save_checkpoint(self, store_id: str, window_end: datetime | None = None,
                              initial_import_done: bool | None = None) -> None:
        await asyncio.to_thread(self.state.save_checkpoint, store_id, window_end=window_end,
                                initial_import_done=initial_import_done)
        old = await self.checkpoint(store_id)
        self.checkpoints[store_id] = Checkpoint(
            store_id, window_end if window_end is not None else old.window_end,
            initial_import_done if initial_import_done is not None else old.initial_import_done)


@dataclass
class WindowResult:
    pages: int = 0
    orders_seen: int = 0
    events_published: int = 0
    dead_letters: int = 0


@dataclass(frozen=True)
class PollOutcome:
    window: SyncWindow | None
    result: WindowResult


async def process_orders(p: Poller, store: StoreConfig, raw_orders: list[Any],
                         initial_import: bool = False) -> WindowResult:
    """Map, dead-letter the bad ones, publish the changed ones, then store their fingerprints."""
    result = WindowResult(orders_seen=len(raw_orders))
    m = metrics.for_store(store.store_id)
    m.orders_seen.inc(len(raw_orders))
    mapped: list[AmazonOrder] = []
    tracks: dict[str, tuple[ShipmentTrack, ...]] = {}  # of the copy of each order order_facts keeps
    newest: dict[str, datetime] = {}
    for raw in raw_orders:
        try:
            order, order_tracks = map_order(raw, marketplace_id=store.marketplace_id), map_tracks(raw)
            oid = order.amazon_order_id
            if oid not in newest or order.last_updated >= newest[oid]:  # as latest_per_order
                newest[oid], tracks[oid] = order.last_updated, order_tracks
            mapped.append(order)
        except OrderMappingError as exc:
            key = order_key(store.store_id, exc.order_id) if exc.order_id else store.store_id
            if p.sealer is not None:  # the raw order holds buyer PII: sealed like the facts
                raw = await asyncio.to_thread(p.sealer.seal_raw, store.store_id, exc.order_id,
                                              json.dumps(raw, default=str, sort_keys=True), p.clock())
            await p.publisher.dead_letter(reason=f"{exc.reason}: {exc}", error=exc, key=key, raw=raw)
            metrics.dead_letter(exc.reason)
            result.dead_letters += 1
            log.warning("order_dead_lettered", store=store.store_id, order=exc.order_id, reason=exc.reason,
                        error=str(exc))
    if not mapped:
        return result
    async with p.store_lock(store.store_id):
        stored = await asyncio.to_thread(p.state.load_fingerprints, store.store_id,
                                         [o.amazon_order_id for o in mapped])
        facts = order_facts(store.store_id, mapped, stored, p.clock(), initial_import, tracks)
        events = facts.events if p.sealer is None else await asyncio.to_thread(p.sealer.seal_facts, facts.events)
        await p.publisher.publish_all(AMAZON_ORDERS, events)
        await asyncio.to_thread(p.state.save_fingerprints, store.store_id, facts.updates)
    m.events_published.inc(len(facts.events))
    result.events_published = len(facts.events)
    return result


async def sync_window(p: Poller, store: StoreConfig, query: SearchQuery, initial_import: bool = False,
                      on_page: PageHook | None = None) -> WindowResult:
    """Read every page of one search; the pagination token goes back with the same query."""
    total = WindowResult()
    token: str | None = None
    while True:
        page = await p.client.search_orders(store, query, token)
        r = await process_orders(p, store, page.orders, initial_import)
        total.pages += 1
        total.orders_seen += r.orders_seen
        total.events_published += r.events_published
        total.dead_letters += r.dead_letters
        if on_page:
            on_page(total.pages, total.orders_seen, total.events_published)
        if not page.next_token:
            return total
        token = page.next_token


def incremental_query(window: SyncWindow, store: StoreConfig, page_size: int = 100) -> SearchQuery:
    return SearchQuery(last_updated_after=window.start, last_updated_before=window.end,
                       marketplace_ids=(store.marketplace_id,), max_results_per_page=page_size)


async def run_initial_import(p: Poller, store: StoreConfig, amazon_now: datetime) -> WindowResult:
    """SPEC §2: the orders Unshipped at integration, created in the look-back before it."""
    w = initial_import_window(store.integration_time, amazon_now, p.policy)
    query = SearchQuery(created_after=w.start, created_before=w.end, fulfillment_statuses=("UNSHIPPED",),
                        marketplace_ids=(store.marketplace_id,), max_results_per_page=p.page_size)
    result = await sync_window(p, store, query, initial_import=True)
    log.info("initial_import_done", store=store.store_id, orders=result.orders_seen,
             events=result.events_published)
    return result


async def poll_store(p: Poller, store: StoreConfig) -> PollOutcome:
    """One poll of one store: the initial import once, then the next incremental window."""
    sid = store.store_id
    m = metrics.for_store(sid)
    checkpoint = await p.checkpoint(sid)
    await p.client.learn_clock(store)
    amazon_now = p.client.amazon_now(store)
    total = WindowResult()
    if not checkpoint.initial_import_done:
        if store.integration_time > latest_end(amazon_now, p.policy):
            # Amazon cannot show the orders of the last two minutes before integration yet;
            # importing now would see them first as ordinary orders, without the flag.
            return PollOutcome(None, total)
        if store.settings.initial_import == "unshipped_at_integration":
            total = await run_initial_import(p, store, amazon_now)
        await p.save_checkpoint(sid, initial_import_done=True)
    window = next_window(checkpoint.window_end, store.integration_time, amazon_now, p.policy)
    if window is None:
        return PollOutcome(None, total)
    result = await sync_window(p, store, incremental_query(window, store, p.page_size))
    completed = StorePollCompletedV1.build(
        key=sid, occurred_at=window.end, producer=PRODUCER, identity=(window.start.isoformat(),
                                                                     window.end.isoformat()),
        data=StorePollCompletedData(store_id=sid, window_start=window.start, window_end=window.end,
                                    orders_seen=result.orders_seen, events_published=result.events_published,
                                    completed_at=p.clock()))
    await p.publisher.publish_all(POLLER_SYNC, [completed])
    await p.save_checkpoint(sid, window_end=window.end)
    m.checkpoint_lag.set(lag_seconds(window.end, p.client.amazon_now(store)))
    m.last_success.set(p.clock().timestamp())
    log.info("window_done", store=sid, start=window.start.isoformat(), end=window.end.isoformat(),
             pages=result.pages, orders=result.orders_seen, events=result.events_published,
             dead_letters=result.dead_letters)
    total.pages += result.pages
    total.orders_seen += result.orders_seen
    total.events_published += result.events_published
    total.dead_letters += result.dead_letters
    return PollOutcome(window, total)
