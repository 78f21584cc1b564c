"""The projector fed with real events through the broker, on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from schemas.topics import ORDER_VIEW, POLLER_SYNC, STORES
from schemas.types import MagentoState, TabStatus
from services.common.settings import Settings
from services.orders_tab.projector import Projector
from services.orders_tab.rebuild import rebuild
from tests.orders_tab import sample
from tests.orders_tab.conftest import table_rows

ORDER_SQL = (
    "SELECT amazon_order_id, version, status, magento_state, magento_order_number, last_action, "
    "items_unshipped FROM orders_tab_orders WHERE store_id = :s ORDER BY amazon_order_id"
)
LOG_SQL = "SELECT amazon_order_id, seq, message FROM orders_tab_order_log WHERE store_id = :s ORDER BY 1, 2"


def _order_story(store: str) -> list:
    """Two orders: A goes Pending → Unshipped → Magento created; B stays Pending."""
    t0 = datetime(2026, 3, 1, tzinfo=UTC)
    a, b = "111-0000001-0000001", "111-0000002-0000002"
    return [
        sample.state_event(sample.view(store, a, version=1, status=TabStatus.PENDING, purchase_date=t0)),
        sample.log_event(store, a, 1, "Order imported from Amazon.", t0),
        sample.state_event(
            sample.view(
                store,
                a,
                version=2,
                status=TabStatus.UNSHIPPED,
                purchase_date=t0,
                last_action="Status updated to Unshipped.",
            )
        ),
        sample.log_event(store, a, 2, "Status updated to Unshipped.", t0 + timedelta(minutes=3)),
        sample.state_event(
            sample.view(
                store,
                a,
                version=3,
                status=TabStatus.UNSHIPPED,
                purchase_date=t0,
                magento_state=MagentoState.CREATED,
                magento_order_number="000000042",
                magento_order_id=42,
                last_action="Magento order 000000042 was created.",
            )
        ),
        sample.log_event(store, a, 3, "Magento order 000000042 was created.", t0 + timedelta(minutes=4)),
        sample.state_event(
            sample.view(
                store,
                b,
                version=1,
                status=TabStatus.PENDING,
                reserved=True,
                purchase_date=t0,
                last_action="Inventory reserved.",
            )
        ),
    ]


def test_projects_orders_log_stores_and_polls(topics: Settings, publish: Callable, project: Callable, uid: str) -> None:
    store = f"proj-{uid}"
    polled = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    publish(STORES, [sample.store_event(store, f"Store {uid}", 7)])
    publish(POLLER_SYNC, [sample.poll_event(store, polled - timedelta(hours=1)), sample.poll_event(store, polled)])
    publish(ORDER_VIEW, _order_story(store))

    from prometheus_client import REGISTRY

    def applied(event_type: str) -> float:
        labels = {"type": event_type}
        return REGISTRY.get_sample_value("sales_channel_orders_tab_events_applied_total", labels) or 0.0

    before = {t: applied(t) for t in ("order.state.changed", "order.log.appended", "store.poll.completed")}
    stats = project()
    assert stats.applied >= 10
    assert applied("order.state.changed") - before["order.state.changed"] >= 4
    assert applied("order.log.appended") - before["order.log.appended"] >= 3
    assert applied("store.poll.completed") - before["store.poll.completed"] >= 2
    assert REGISTRY.get_sample_value("sales_channel_orders_tab_projection_lag_seconds") is not None

    rows = table_rows(topics, ORDER_SQL, s=store)
    assert rows == [
        (
            "111-0000001-0000001",
            3,
            "Unshipped",
            "created",
            "000000042",
            "Magento order 000000042 was created.",
            2,
        ),
        ("111-0000002-0000002", 1, "Pending", "none", None, "Inventory reserved.", 2),
    ]
    assert [r[1:] for r in table_rows(topics, LOG_SQL, s=store)] == [
        (1, "Order imported from Amazon."),
        (2, "Status updated to Unshipped."),
        (3, "Magento order 000000042 was created."),
    ]
    ((name, merchant, enabled, last_poll),) = table_rows(
        topics,
        "SELECT name, merchant_id, enabled, last_poll_at FROM orders_tab_stores WHERE store_id = :s",
        s=store,
    )
    assert (name, merchant, enabled, last_poll) == (f"Store {uid}", 7, True, polled)


def test_older_versions_never_overwrite_newer(topics: Settings, publish: Callable, project: Callable, uid: str) -> None:
    store = f"ver-{uid}"
    oid = "222-0000001-0000001"
    newer = sample.view(store, oid, version=5, status=TabStatus.SHIPPED, last_action="Status updated to Shipped.")
    older = sample.view(store, oid, version=4, status=TabStatus.UNSHIPPED)
    publish(ORDER_VIEW, [sample.state_event(newer)])
    project()
    publish(ORDER_VIEW, [sample.state_event(older)])  # arrives late (another batch)
    project()
    assert [(r[1], r[2]) for r in table_rows(topics, ORDER_SQL, s=store)] == [(5, "Shipped")]


def test_duplicate_events_leave_the_same_rows(topics: Settings, publish: Callable, project: Callable, uid: str) -> None:
    store = f"dup-{uid}"
    story = _order_story(store)
    publish(ORDER_VIEW, story)
    project()
    first = (table_rows(topics, ORDER_SQL, s=store), table_rows(topics, LOG_SQL, s=store))
    publish(ORDER_VIEW, story)  # the same facts again (a producer retry, a replayed stage)
    stats = project()
    assert stats.applied == len(story)
    assert (table_rows(topics, ORDER_SQL, s=store), table_rows(topics, LOG_SQL, s=store)) == first
    assert len(first[0]) == 2 and len(first[1]) == 3


def test_resumes_from_the_offsets_stored_with_the_rows(
    topics: Settings, publish: Callable, project: Callable, uid: str
) -> None:
    project()  # catch up with whatever earlier tests published
    store = f"res-{uid}"
    events = [sample.state_event(sample.view(store, f"333-{i:07d}-0000001", version=1)) for i in range(30)]
    publish(ORDER_VIEW, events)

    projector = Projector(topics, group_id=None, max_batch=10)
    try:
        first = projector.run(max_records=10, max_seconds=30)
    finally:
        projector.close()
    assert 10 <= first.records < 30
    applied_before = len(table_rows(topics, ORDER_SQL, s=store))
    assert applied_before == first.applied

    second = project()  # a new process: seeks to the stored offsets
    assert second.records == 30 - first.records  # nothing read twice, nothing skipped
    assert len(table_rows(topics, ORDER_SQL, s=store)) == 30
    stored = table_rows(
        topics, "SELECT partition, next_offset FROM orders_tab_offsets WHERE topic = :t", t=ORDER_VIEW
    )
    assert sum(int(o) for _, o in stored) > 0  # type: ignore[call-overload]


def test_consumer_group_mode_seeks_to_stored_offsets(
    topics: Settings, publish: Callable, project: Callable, uid: str
) -> None:
    project()
    store = f"grp-{uid}"
    publish(ORDER_VIEW, [sample.state_event(sample.view(store, "444-0000001-0000001", version=1))])
    projector = Projector(topics, group_id=f"orders-tab-test-{uid}")
    try:
        stats = projector.run(until_idle=True, max_seconds=45)
    finally:
        projector.close()
    # a brand-new group still starts from the stored offsets: only the new record is read
    assert stats.records == 1 and stats.applied == 1
    assert len(table_rows(topics, ORDER_SQL, s=store)) == 1


def test_poison_event_is_skipped_and_the_rest_flows(
    topics: Settings, producer: object, publish: Callable, project: Callable, uid: str
) -> None:
    store = f"poison-{uid}"
    producer.send(ORDER_VIEW, key=f"{store}:x", value=b"{not json").get(timeout=30)  # type: ignore[attr-defined]
    publish(ORDER_VIEW, [sample.state_event(sample.view(store, "555-0000001-0000001"))])
    stats = project()
    assert stats.poison == 1
    assert len(table_rows(topics, ORDER_SQL, s=store)) == 1


def test_rebuild_reaches_the_same_state(topics: Settings, publish: Callable, project: Callable, uid: str) -> None:
    store = f"reb-{uid}"
    publish(STORES, [sample.store_event(store, "Rebuilt", 9)])
    publish(ORDER_VIEW, _order_story(store))
    project()
    snapshot = "SELECT * FROM orders_tab_orders ORDER BY store_id, amazon_order_id"
    before = (
        table_rows(topics, snapshot),
        table_rows(topics, "SELECT * FROM orders_tab_order_log ORDER BY 1, 2, 3"),
        table_rows(topics, "SELECT store_id, name, last_poll_at FROM orders_tab_stores ORDER BY 1"),
    )
    index_sql = "SELECT indexdef FROM pg_indexes WHERE tablename = 'orders_tab_orders' ORDER BY indexname"
    indexes = table_rows(topics, index_sql)
    stats = rebuild(topics)
    assert stats.records > 0
    assert table_rows(topics, index_sql) == indexes and len(indexes) > 15  # dropped for the replay, rebuilt
    after = (
        table_rows(topics, snapshot),
        table_rows(topics, "SELECT * FROM orders_tab_order_log ORDER BY 1, 2, 3"),
        table_rows(topics, "SELECT store_id, name, last_poll_at FROM orders_tab_stores ORDER BY 1"),
    )
    assert after == before
