"""Subscriptions per store against the SP-API sandbox over HTTP: a grantless destination for the
queue, an ORDER_CHANGE subscription filtered to the store's marketplace, status and disable."""

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
