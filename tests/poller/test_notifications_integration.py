"""The notification listener on the real broker and PostgreSQL, fed by the SP-API sandbox through
moto's SQS: duplicated and reordered notifications become one fact per order state; a change
polling sees later is not published again; with push dropped for a store, polling still imports
every order."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from sandbox._server import serve_in_thread
from sandbox.spapi.notifications import DeliveryPolicy, NotificationHub, moto_sqs_client
from sandbox.spapi.notifications_api import NotifyingSandboxState
from sandbox.spapi.notifications_sqs import MotoSqs, SqsQueue
from sandbox.spapi.server import create_app
from schemas.topics import AMAZON_ORDERS, dead_letter_topic
from schemas.types import StoreConfig
from services.common.settings import Settings
from services.poller.notifications.listener import BatchResult, SqsListener
from services.poller.sync import poll_store
from tests.harness import TopicReader
from tests.poller.conftest import RATE_SCALE, Sandbox, close_poller, make_poller, run
from tests.poller.test_poller_integration import order_events

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sqs() -> Iterator[MotoSqs]:
    with MotoSqs() as server:
        yield server


@pytest.fixture(scope="module")
def world(sqs: MotoSqs) -> Iterator[tuple[Sandbox, NotificationHub, SqsQueue]]:
    queue = sqs.create_queue("order-change", visibility_timeout_s=5)
    hub = NotificationHub(sqs=moto_sqs_client(sqs.endpoint_url), seed=19)
    state = NotifyingSandboxState(seed=19, rate_scale=RATE_SCALE, notifications=hub)
    handle = serve_in_thread(create_app(state))
    dest = hub.create_destination({"name": "sales-channel", "resourceSpecification": {"sqs": {"arn": queue.arn}}})
    hub.dest_id = dest.destination_id  # type: ignore[attr-defined]
    try:
        yield Sandbox(state, handle.url), hub, queue
    finally:
        handle.stop()
        hub.close()


def subscribe(hub: NotificationHub, store: StoreConfig) -> None:
    hub.create_subscription(store.seller_id, "ORDER_CHANGE", {
        "payloadVersion": "1.0", "destinationId": hub.dest_id,  # type: ignore[attr-defined]
        "processingDirective": {"eventFilter": {"eventFilterType": "ORDER_CHANGE",
                                                "marketplaceIds": [store.marketplace_id]}}})


async def listen_until_quiet(listener: SqsListener, quiet_batches: int = 3, limit_s: float = 30) -> BatchResult:
    total = BatchResult()
    quiet = 0
    deadline = time.monotonic() + limit_s
    while quiet < quiet_batches and time.monotonic() < deadline:
        r = await listener.run_once()
        for name in vars(total):
            setattr(total, name, getattr(total, name) + getattr(r, name))
        quiet = quiet + 1 if r.received == 0 else 0
    return total


def test_duplicated_and_reordered_notifications_become_one_fact_each(
        topics: Settings, world: tuple[Sandbox, NotificationHub, SqsQueue], sqs: MotoSqs) -> None:
    sb, hub, queue = world
    store = sb.add_store("push-main")
    subscribe(hub, store)
    hub.set_policy(DeliveryPolicy(duplicate=0.4, reorder=0.4, max_delay_seconds=2), seller_id=store.seller_id)
    seller = store.seller_id
    orders = [sb.state.create_order(seller, fulfilled_by="MERCHANT", status="UNSHIPPED") for _ in range(4)]
    sb.state.ship(seller, orders[0].order_id)
    sb.state.cancel(seller, orders[1].order_id)
    assert hub.drain()
    assert hub.counters.duplicated > 0 and hub.counters.delayed > 0

    async def scenario() -> tuple[BatchResult, int]:
        p = make_poller(topics, sb)
        listener = SqsListener(p, sqs.client(), queue.url, lambda: {store.store_id: store}, wait_time_s=1)
        try:
            pushed = await listen_until_quiet(listener)
            sb.advance(10)  # polling now sees every change push already published
            first = await poll_store(p, store)
            return pushed, first.result.events_published
        finally:
            await close_poller(p)

    pushed, polled = run(scenario())
    assert pushed.duplicates > 0 and pushed.failed == 0 and pushed.poison == 0
    assert polled == 0  # both paths saw the same states: one fact each
    events = order_events(topics, store.store_id, expect=len(orders))
    assert len({e.event_id for e in events}) == len(events)
    by_order: dict[str, list[str]] = {}
    for e in events:
        by_order.setdefault(e.data.order.amazon_order_id, []).append(e.data.order.status.value)
    assert set(by_order) == {o.order_id for o in orders}
    final = {o.order_id: sb.state.get_order(seller, o.order_id).status for o in orders}
    assert by_order[orders[0].order_id][-1] in ("SHIPPED", "Shipped")
    assert by_order[orders[1].order_id][-1] in ("CANCELLED", "CANCELED", "Canceled", "Cancelled")
    assert all(len(v) <= 3 for v in by_order.values()), (by_order, final)
    left = sqs.client().get_queue_attributes(QueueUrl=queue.url, AttributeNames=["ApproximateNumberOfMessages",
                                                                                  "ApproximateNumberOfMessagesNotVisible"])
    assert all(v == "0" for v in left["Attributes"].values())  # every message deleted once handled


def test_push_dropped_polling_still_imports_every_order(
        topics: Settings, world: tuple[Sandbox, NotificationHub, SqsQueue], sqs: MotoSqs) -> None:
    sb, hub, queue = world
    store = sb.add_store("push-dropped")
    subscribe(hub, store)
    hub.set_policy(DeliveryPolicy(drop=1.0), seller_id=store.seller_id)
    orders = [sb.state.create_order(store.seller_id, fulfilled_by="MERCHANT", status="UNSHIPPED")
              for _ in range(5)]
    assert hub.drain()

    async def scenario() -> BatchResult:
        p = make_poller(topics, sb)
        listener = SqsListener(p, sqs.client(), queue.url, lambda: {store.store_id: store}, wait_time_s=1)
        try:
            pushed = await listen_until_quiet(listener, quiet_batches=2)
            sb.advance(10)
            await poll_store(p, store)
            return pushed
        finally:
            await close_poller(p)

    pushed = run(scenario())
    assert pushed.processed == 0
    events = order_events(topics, store.store_id, expect=len(orders))
    assert {e.data.order.amazon_order_id for e in events} == {o.order_id for o in orders}


def test_poison_message_goes_to_the_dead_letter_topic_and_is_deleted(
        topics: Settings, world: tuple[Sandbox, NotificationHub, SqsQueue], sqs: MotoSqs) -> None:
    sb, _, queue = world
    client = sqs.client()
    client.send_message(QueueUrl=queue.url, MessageBody='{"NotificationType": "ORDER_CHANGE"}')

    async def scenario() -> BatchResult:
        p = make_poller(topics, sb)
        try:
            return await listen_until_quiet(SqsListener(p, client, queue.url, dict, wait_time_s=1), 2)
        finally:
            await close_poller(p)

    result = run(scenario())
    assert result.poison == 1
    reader = TopicReader(topics, dead_letter_topic("poller"))
    try:
        reader.wait_for(lambda evs: any("notification_undecodable" in e.data.reason  # type: ignore[attr-defined]
                                        for e in evs), 20, "the dead letter")
    finally:
        reader.close()
    assert AMAZON_ORDERS
