"""``sales-channel stores reimport`` and ``stores recover``.

Both publish through the same fingerprints as the running poller, so re-reading orders that
did not change publishes nothing, and neither moves the store's checkpoint."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from schemas.types import StoreConfig
from services.common.settings import Settings
from services.poller.main import build_poller
from services.poller.sync import Poller, incremental_query, process_orders, sync_window
from services.poller.window import reimport_window
from services.stores import registry

console = Console(stderr=True)


def _store(settings: Settings, store_id: str) -> StoreConfig:
    history = registry.read_all(settings).get(store_id)
    if history is None:
        raise SystemExit(f"no store {store_id!r}; `sales-channel stores list` shows the integrated ones")
    return history.current


async def _close(p: Poller) -> None:
    await p.client.aclose()
    await asyncio.to_thread(p.publisher.producer.flush, 10)
    p.publisher.producer.close(10)


async def reimport_async(p: Poller, store: StoreConfig, since: datetime, show_progress: bool = True) -> int:
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    window = reimport_window(since, p.client.amazon_now(store), p.policy)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, disable=not show_progress) as progress:
        task = progress.add_task(
            f"{store.store_id}: reading orders updated since {window.start:%Y-%m-%d %H:%M}")

        def on_page(pages: int, seen: int, published: int) -> None:
            progress.update(task, description=f"{store.store_id}: {pages} page(s), {seen} order(s) read, "
                                              f"{published} change(s) published")

        result = await sync_window(p, store, incremental_query(window, store, p.page_size), on_page=on_page)
    console.print(f"reimport of {store.store_id} done: {result.orders_seen} order(s) read, "
                  f"{result.events_published} change(s) published, {result.dead_letters} dead letter(s)")
    return result.events_published


def reimport(settings: Settings, store_id: str, since: datetime) -> None:
    """Re-read every order of a store updated since ``since`` (at most 90 days back)."""
    store = _store(settings, store_id)

    async def main() -> None:
        p = build_poller(settings)
        try:
            await reimport_async(p, store, since)
        finally:
            await _close(p)

    try:
        asyncio.run(main())
    except ValueError as exc:
        raise SystemExit(str(exc)) from None


async def recover_async(p: Poller, store: StoreConfig, order_id: str) -> int:
    raw = await p.client.get_order(store, order_id)
    if raw is None:
        console.print(f"Amazon does not know order {order_id} in store {store.store_id}")
        return 0
    result = await process_orders(p, store, [raw])
    if result.dead_letters:
        console.print(f"order {order_id} could not be read; it was sent to the dead-letter topic")
    elif result.events_published:
        console.print(f"order {order_id} changed: published")
    else:
        console.print(f"order {order_id} has not changed since it was last published")
    return result.events_published


def recover(settings: Settings, store_id: str, order_id: str) -> None:
    """Fetch one order with getOrder and publish it if it changed."""
    store = _store(settings, store_id)

    async def main() -> None:
        p = build_poller(settings)
        try:
            await recover_async(p, store, order_id)
        finally:
            await _close(p)

    asyncio.run(main())
