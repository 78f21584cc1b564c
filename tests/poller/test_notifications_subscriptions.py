"""Subscriptions per store against the SP-API sandbox over HTTP: a grantless destination for the
queue, an ORDER_CHANGE subscription filtered to the store's marketplace, status and disable; the
poller's start check re-creates what is missing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest

from sandbox._server import serve_in_thread
from sandbox.spapi.notifications import NotificationHub
from sandbox.spapi.notifications_api import NotifyingSandboxState
from sandbox.spapi.server import create_app
from services.poller.notifications.commands import act
from services.poller.notifications.spapi import NotificationsApi
from services.poller.notifications.subscriptions import Found, SubscriptionCheck, decide
from tests.poller.conftest import Sandbox

ARN = "arn:aws:sqs:us-east-1:123456789012:order-change"


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    state = NotifyingSandboxState(seed=4, notifications=NotificationHub(seed=4))
    handle = serve_in_thread(create_app(state))
    try:
        yield Sandbox(state, handle.url)
    finally:
        handle.stop()


def test_enable_status_disable(sb: Sandbox) -> None:
    store = sb.add_store("notif-cli")
    other = sb.add_store("notif-cli-2")
    hub: NotificationHub = sb.state.notifications  # type: ignore[attr-defined]

    async def scenario() -> list[str]:
        async with httpx.AsyncClient(timeout=10) as http:
            api = NotificationsApi(http, f"{sb.url}/auth/o2/token", sb.resolve)
            return [
                await act(api, store, "status", None),
                await act(api, store, "enable", ARN),
                await act(api, store, "enable", ARN),  # twice: same subscription
                await act(api, other, "enable", ARN),  # same destination reused
                await act(api, store, "status", None),
                await act(api, store, "disable", None),
                await act(api, store, "disable", None),
            ]

    lines = asyncio.run(scenario())
    assert "off" in lines[0]
    assert "on (subscription" in lines[1] and lines[1] == lines[2]
    assert "on" in lines[4] and "off" in lines[5] and "were not on" in lines[6]
    assert len(hub.destinations) == 1
    [sub] = hub.subscriptions.values()
    assert sub.seller_id == other.seller_id
    assert sub.processing_directive == {"eventFilter": {"eventFilterType": "ORDER_CHANGE",
                                                        "marketplaceIds": [other.marketplace_id]}}


OTHER_ARN = "arn:aws:sqs:us-east-1:123456789012:someone-elses-queue"


@pytest.mark.parametrize(("current", "ours", "wanted", "expected"), [
    (None, "d1", True, Found.CREATED),
    (None, "d1", False, Found.OFF),
    ({"destinationId": "d1"}, "d1", False, Found.SUBSCRIBED),
    ({"destinationId": "gone"}, "d1", False, Found.MOVED),
    ({"destinationId": "d2"}, "d1", True, Found.MOVED),
    ({"destinationId": "d2"}, "d1", False, Found.ELSEWHERE),
    ({"destinationId": "d2"}, None, False, Found.ELSEWHERE),
    ({"destinationId": "d2"}, None, True, Found.MOVED),
])
def test_what_the_start_check_does_with_a_subscription(
        current: dict[str, str] | None, ours: str | None, wanted: bool, expected: Found) -> None:
    assert decide(current, ours, {"d1": ARN, "d2": OTHER_ARN}, wanted) is expected


def test_the_start_check_recreates_what_is_missing_and_leaves_the_rest(sb: Sandbox) -> None:
    """Our destination deleted by hand; a wanted store never subscribed; a store subscribed to the
    deleted destination; one subscribed to another queue; one off; one disabled; one another
    poller owns."""
    hub: NotificationHub = sb.state.notifications  # type: ignore[attr-defined]
    hub.reset()
    wanted_new, stale, foreign, off, disabled, not_mine = (
        sb.add_store(f"check-{n}") for n in ("wanted", "stale", "foreign", "off", "disabled", "other"))
    disabled = disabled.model_copy(update={"enabled": False})
    old = hub.create_destination({"name": "old", "resourceSpecification": {"sqs": {"arn": ARN}}})
    elsewhere = hub.create_destination({"name": "x", "resourceSpecification": {"sqs": {"arn": OTHER_ARN}}})
    for store, dest in ((stale, old), (foreign, elsewhere), (disabled, elsewhere), (not_mine, old)):
        hub.create_subscription(store.seller_id, "ORDER_CHANGE", {"payloadVersion": "1.0",
                                                                  "destinationId": dest.destination_id})
    del hub.destinations[old.destination_id]  # gone on Amazon's side (e.g. the queue was re-created)
    stores = {s.store_id: s for s in (wanted_new, stale, foreign, off, disabled, not_mine)}

    async def arn() -> str:
        return ARN

    async def scenario() -> tuple[dict[str, Found], dict[str, Found]]:
        async with httpx.AsyncClient(timeout=10) as http:
            check = SubscriptionCheck(NotificationsApi(http, f"{sb.url}/auth/o2/token", sb.resolve), arn,
                                      wanted=lambda sid: sid == wanted_new.store_id,
                                      owns=lambda sid: sid != not_mine.store_id)
            return await check.check(stores), await check.check(stores)

    first, again = asyncio.run(scenario())
    assert first == {wanted_new.store_id: Found.CREATED, stale.store_id: Found.MOVED,
                     foreign.store_id: Found.ELSEWHERE, off.store_id: Found.OFF}
    assert again == {}  # each store is checked once per process
    [ours] = [d for d in hub.destinations.values() if d.arn == ARN]
    by_seller = {s.seller_id: s.destination_id for s in hub.subscriptions.values()}
    assert by_seller[wanted_new.seller_id] == by_seller[stale.seller_id] == ours.destination_id
    assert by_seller[foreign.seller_id] == by_seller[disabled.seller_id] == elsewhere.destination_id
    assert off.seller_id not in by_seller
    assert by_seller[not_mine.seller_id] == old.destination_id  # its own poller checks it
