"""The poller against the SP-API sandbox, the real broker and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

import pytest

from schemas import Event
from schemas.envelope import order_key
from schemas.events.deadletter import DeadLetterV1
from schemas.events.poller import AmazonOrderChangedV1, StorePollCompletedV1
from schemas.topics import AMAZON_ORDERS, POLLER_SYNC, dead_letter_topic
from services.common.retry import RetryPolicy
from services.common.settings import Settings
from services.poller import metrics
from services.poller.commands import recover_async, reimport_async
from services.poller.publisher import EventPublisher
from services.poller.spapi.port import Throttled
from services.poller.sync import Poller, poll_store
from tests.harness import TopicReader
from tests.poller.conftest import Requests, Sandbox, close_poller, make_poller, run

pytestmark = pytest.mark.integration


def order_events(
    settings: Settings, store_id: str, expect: int, timeout: float = 20
) -> list[AmazonOrderChangedV1]:
    reader = TopicReader(settings, AMAZON_ORDERS)
    try:

        def mine(events: list[Event]) -> list[AmazonOrderChangedV1]:
            return [e for e in events if isinstance(e, AmazonOrderChangedV1) and e.data.store_id == store_id]

        reader.wait_for(lambda evs: len(mine(evs)) >= expect, timeout, f"{expect} events of {store_id}")
        reader.poll(500)  # anything published beyond what was expected shows up too
        return mine(reader.events)
    finally:
        reader.close()


def test_publishes_initial_import_new_orders_and_changes(topics: Settings, sandbox: Sandbox) -> None:
    sb = sandbox
    integration = sb.now()
    store = sb.add_store("poll-basic", integration_time=integration)
    seller = store.seller_id
    before = integration - timedelta(hours=3)
    unshipped = sb.state.create_order(
        seller, status="UNSHIPPED", fulfilled_by="MERCHANT", created_time=before
    )
    pending = sb.state.create_order(seller, fulfilled_by="MERCHANT", created_time=before)
    shipped_before = sb.state.create_order(
        seller, status="SHIPPED", fulfilled_by="AMAZON", created_time=before - timedelta(hours=1)
    )
    sb.advance(10)

    async def scenario() -> tuple[Any, Any, Any, Any]:
        p = make_poller(topics, sb)
        try:
            first = await poll_store(p, store)
            fresh = sb.state.create_order(seller, status="UNSHIPPED", fulfilled_by="MERCHANT")
            sb.state.ship(seller, unshipped.order_id)
            sb.advance(5)
            second = await poll_store(p, store)
            sb.advance(5)
            third = await poll_store(p, store)  # nothing changed: the overlap re-reads, publishes nothing
            return (first, second, third, fresh)
        finally:
            await close_poller(p)

    first, second, third, fresh = run(scenario())
    assert first.window is not None and first.window.start == integration - timedelta(minutes=5)
    assert first.result.events_published == 2  # the initial import + shipped_before
    assert second.result.events_published == 2
    assert third.result.events_published == 0
    events = order_events(topics, "poll-basic", 4)
    by_order: dict[str, list[AmazonOrderChangedV1]] = {}
    for e in events:
        by_order.setdefault(e.data.order.amazon_order_id, []).append(e)
    # Shipped (by the sandbox, at integration): seen by the first window, but not as initial import;
    # whether such an order is imported is the processor's decision (SPEC §2).
    assert [e.data.initial_import for e in by_order[shipped_before.order_id]] == [False]
    first_unshipped, then_shipped = by_order[unshipped.order_id]
    assert first_unshipped.data.initial_import and first_unshipped.data.changes == ("new",)
    assert first_unshipped.key == order_key("poll-basic", unshipped.order_id)
    assert then_shipped.data.order.status.value == "SHIPPED" and "status" in then_shipped.data.changes
    assert then_shipped.occurred_at == then_shipped.data.order.last_updated
    assert pending.order_id not in by_order  # pending since before integration, never updated
    assert by_order[fresh.order_id][0].data.order.status.value == "UNSHIPPED"
    assert len(events) == len({e.event_id for e in events}) == 4

    reader = TopicReader(topics, POLLER_SYNC)
    try:
        reader.wait_for(
            lambda evs: sum(isinstance(e, StorePollCompletedV1) and e.key == "poll-basic" for e in evs) >= 3,
            20,
            "3 poll completions",
        )
    finally:
        reader.close()
    mine = [e for e in reader.events if isinstance(e, StorePollCompletedV1) and e.key == "poll-basic"]
    assert [e.data.events_published for e in mine] == [1, 2, 0]  # the initial import is not a window
    assert mine[1].data.window_start < mine[0].data.window_end  # windows overlap


def test_windows_respect_the_two_minute_rule_and_pagination_keeps_parameters(
    topics: Settings, sandbox: Sandbox
) -> None:
    sb = sandbox
    store = sb.add_store("poll-window", initial_import="none")
    for _ in range(7):
        sb.state.create_order(store.seller_id, status="UNSHIPPED")
    sb.advance(4)
    requests = Requests()

    async def scenario() -> None:
        p = make_poller(topics, sb, page_size=3, requests=requests)
        try:
            for _ in range(3):
                await poll_store(p, store)
                sb.state.create_order(store.seller_id, status="UNSHIPPED")
                sb.advance(3)
        finally:
            await close_poller(p)

    run(scenario())
    searches = requests.searches()
    assert len(searches) >= 5  # 7 orders at 3 per page: 3 pages, then the later windows
    for request, sent_at in searches:
        params = {k: v[0] for k, v in parse_qs(request.url.query.decode()).items()}
        assert "createdAfter" not in params
        before = _parse(params["lastUpdatedBefore"])
        assert sent_at - before >= timedelta(minutes=2)
    first_window = [r for r, _ in searches[:3]]
    base = [_params_without_token(r) for r in first_window]
    assert base[0] == base[1] == base[2]
    assert "paginationToken" in parse_qs(first_window[1].url.query.decode())
    assert len(order_events(topics, "poll-window", 9)) == 9


def _parse(text: str) -> Any:
    from datetime import datetime

    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _params_without_token(request: Any) -> dict[str, list[str]]:
    q = parse_qs(request.url.query.decode())
    q.pop("paginationToken", None)
    return q


def test_a_429_storm_on_one_store_does_not_delay_another(topics: Settings, sandbox: Sandbox) -> None:
    sb = sandbox
    stormy = sb.add_store("poll-storm", initial_import="none")
    calm = sb.add_store("poll-calm", initial_import="none")
    for s in (stormy, calm):
        sb.state.create_order(s.seller_id, status="UNSHIPPED")
    sb.advance(4)
    sb.state.inject_fault("searchOrders", status=429, count=1000, seller_id=stormy.seller_id)
    throttled = metrics.SPAPI_CALLS.labels("poll-storm", "searchOrders", "throttled")
    throttled_before = throttled._value.get()
    finished: dict[str, float] = {}

    async def timed(p: Poller, store: Any) -> None:
        try:
            await poll_store(p, store)
        finally:
            finished[store.store_id] = time.monotonic()

    async def scenario() -> Any:
        p = make_poller(topics, sb, policy=RetryPolicy(max_attempts=5, base_s=0.5, cap_s=1.0))
        try:
            started = time.monotonic()
            results = await asyncio.gather(timed(p, stormy), timed(p, calm), return_exceptions=True)
            finished["start"] = started
            return results
        finally:
            await close_poller(p)

    try:
        results = run(scenario())
    finally:
        sb.state.faults.clear()
    assert isinstance(results[0], Throttled)
    assert results[1] is None
    assert finished["poll-calm"] - finished["start"] < 1.5
    assert finished["poll-storm"] > finished["poll-calm"]
    assert throttled._value.get() - throttled_before == 5
    assert len(order_events(topics, "poll-calm", 1)) == 1


def test_a_malformed_order_is_dead_lettered_and_the_rest_of_its_page_published(
    topics: Settings, sandbox: Sandbox
) -> None:
    sb = sandbox
    store = sb.add_store("poll-malformed", initial_import="none")
    orders = [sb.state.create_order(store.seller_id, status="UNSHIPPED") for _ in range(4)]
    bad, missing = orders[1], orders[2]
    sb.advance(4)
    sb.state.malform_next_search(
        store.seller_id, "unknown_status", value="LOST_IN_SPACE", order_id=bad.order_id
    )

    async def scenario() -> Any:
        p = make_poller(topics, sb)
        try:
            first = await poll_store(p, store)
            sb.state.malform_next_search(
                store.seller_id, "missing_field", field="salesChannel", order_id=missing.order_id
            )
            sb.state.ship(store.seller_id, missing.order_id)
            sb.advance(4)
            await poll_store(p, store)
            return first
        finally:
            await close_poller(p)

    first = run(scenario())
    assert first.result.dead_letters == 1 and first.result.events_published == 3
    events = order_events(topics, "poll-malformed", 4)
    assert len(events) == 4 and {e.data.order.amazon_order_id for e in events} == {o.order_id for o in orders}
    # The corruption was one answer only: the next window's overlap read the order again, intact.
    healed = next(e for e in events if e.data.order.amazon_order_id == bad.order_id)
    assert all(healed.data.observed_at > e.data.observed_at for e in events if e is not healed)
    reader = TopicReader(topics, dead_letter_topic("poller"))
    try:
        reader.wait_for(
            lambda evs: sum(e.key.startswith("poll-malformed:") for e in evs) >= 2, 20, "two dead letters"
        )
    finally:
        reader.close()
    letters = [
        e for e in reader.events if isinstance(e, DeadLetterV1) and e.key.startswith("poll-malformed:")
    ]
    unknown = next(e for e in letters if e.key == order_key("poll-malformed", bad.order_id))
    assert unknown.data.reason.startswith("unknown_value")
    raw = json.loads(base64.b64decode(unknown.data.raw_value or ""))
    assert raw["fulfillment"]["fulfillmentStatus"] == "LOST_IN_SPACE"
    malformed = next(e for e in letters if e.key == order_key("poll-malformed", missing.order_id))
    assert malformed.data.reason.startswith("malformed_order")


class CrashingPublisher(EventPublisher):
    """Acknowledged sends up to ``allow`` order events, then the process "dies"."""

    def __init__(self, inner: EventPublisher, allow: int) -> None:
        super().__init__(inner.producer)
        self.allow = allow
        self.acked: list[tuple[str, str]] = []

    async def publish_all(self, topic: str, events: Sequence[Event], timeout_s: float = 60.0) -> None:
        if topic != AMAZON_ORDERS:
            return await super().publish_all(topic, events, timeout_s)
        sent = events[: self.allow]
        await super().publish_all(topic, sent, timeout_s)
        self.allow -= len(sent)
        self.acked += [
            (e.data.order.amazon_order_id, e.data.order.status.value)  # type: ignore[attr-defined]
            for e in sent
        ]
        if len(sent) < len(events):
            raise RuntimeError("killed in mid-page")


def test_no_change_lost_or_duplicated_across_a_restart_in_mid_page(
    topics: Settings, sandbox: Sandbox
) -> None:
    sb = sandbox
    store = sb.add_store("poll-restart", initial_import="none")
    orders = [sb.state.create_order(store.seller_id, status="UNSHIPPED") for _ in range(7)]
    sb.advance(4)
    acked_before_crash: set[tuple[str, str]] = set()

    async def crash() -> Any:
        p = make_poller(topics, sb, page_size=3)
        crashing = CrashingPublisher(p.publisher, allow=4)  # page 1 (3), then 1 of page 2
        p.publisher = crashing
        try:
            with pytest.raises(RuntimeError, match="killed"):
                await poll_store(p, store)
            acked_before_crash.update(crashing.acked)
            return await asyncio.to_thread(p.state.load_checkpoint, store.store_id)
        finally:
            await close_poller(p)

    checkpoint = run(crash())
    assert checkpoint.window_end is None  # the window was not completed: nothing advanced
    sb.state.ship(store.seller_id, orders[0].order_id)  # a change while the poller is down

    async def restart() -> Any:
        p = make_poller(topics, sb, page_size=3)
        try:
            sb.advance(3)
            return await poll_store(p, store)
        finally:
            await close_poller(p)

    outcome = run(restart())
    assert outcome.window is not None
    final = {(o.order_id, sb.state.get_order(store.seller_id, o.order_id).status) for o in orders}
    expected = final | acked_before_crash
    events = order_events(topics, "poll-restart", len(expected))
    ids_by_change: dict[tuple[str, str], set[str]] = {}
    for e in events:
        change = (e.data.order.amazon_order_id, e.data.order.status.value)
        ids_by_change.setdefault(change, set()).add(e.event_id)
    assert set(ids_by_change) == expected  # nothing lost, nothing invented
    assert all(len(ids) == 1 for ids in ids_by_change.values())  # a change never gets a second event id
    # Only the crashed page's acknowledged event may be republished (with its id).
    assert len(events) - len(expected) <= 1


def test_recover_fetches_one_order_and_publishes_only_a_change(topics: Settings, sandbox: Sandbox) -> None:
    sb = sandbox
    store = sb.add_store("poll-recover", initial_import="none")
    order = sb.state.create_order(store.seller_id, status="UNSHIPPED")

    async def scenario() -> tuple[int, int, int, int]:
        p = make_poller(topics, sb)
        try:
            a = await recover_async(p, store, order.order_id)
            b = await recover_async(p, store, order.order_id)
            sb.state.ship(store.seller_id, order.order_id)
            c = await recover_async(p, store, order.order_id)
            missing = await recover_async(p, store, "999-0000000-0000000")
            assert p.client.lwa.exchanges == 1  # type: ignore[attr-defined]  # the token is cached
            return a, b, c, missing
        finally:
            await close_poller(p)

    assert run(scenario()) == (1, 0, 1, 0)
    events = order_events(topics, "poll-recover", 2)
    assert [e.data.order.status.value for e in events] == ["UNSHIPPED", "SHIPPED"]


def test_reimport_publishes_only_what_was_never_published(topics: Settings, sandbox: Sandbox) -> None:
    sb = sandbox
    store = sb.add_store("poll-reimport", initial_import="none")
    known = sb.state.create_order(store.seller_id, status="UNSHIPPED")
    sb.advance(4)

    async def scenario() -> tuple[int, int, int]:
        p = make_poller(topics, sb, page_size=2)
        try:
            polled = (await poll_store(p, store)).result.events_published
            checkpoint = await asyncio.to_thread(p.state.load_checkpoint, store.store_id)
            again = await reimport_async(p, store, sb.now() - timedelta(days=1), show_progress=False)
            with pytest.raises(ValueError, match="90 days"):
                await reimport_async(p, store, sb.now() - timedelta(days=91), show_progress=False)
            # Reimport never moves the checkpoint.
            assert await asyncio.to_thread(p.state.load_checkpoint, store.store_id) == checkpoint
            sb.state.cancel(store.seller_id, known.order_id)
            sb.advance(3)
            changed = await reimport_async(p, store, sb.now() - timedelta(days=1), show_progress=False)
            return polled, again, changed
        finally:
            await close_poller(p)

    assert run(scenario()) == (1, 0, 1)
    events = order_events(topics, "poll-reimport", 2)
    assert [e.data.order.status.value for e in events] == ["UNSHIPPED", "CANCELED"]
