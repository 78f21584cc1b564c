"""``sales-channel stores notifications STORE enable|disable|status``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
from rich.console import Console

from schemas.types import StoreConfig
from services.common import secrets
from services.common.settings import Settings
from services.poller.notifications.config import NotificationSettings
from services.poller.notifications.spapi import NotificationsApi

console = Console(stderr=True)
ACTIONS = ("enable", "disable", "status")


def queue_arn(push: NotificationSettings) -> str:
    if not push.enabled:
        raise SystemExit("NOTIFICATIONS_QUEUE_URL is not set: which SQS queue should Amazon notify?")
    return push.queue_arn()


async def act(api: NotificationsApi, store: StoreConfig, action: str, arn: str | None) -> str:
    """Do ``action`` for ``store``; the line to print."""
    if action == "enable":
        assert arn is not None
        destination = await api.ensure_destination(store, arn)
        sub = await api.subscribe(store, destination)
        if sub.get("destinationId") != destination:
            return (f"{store.store_id}: already subscribed to another destination "
                    f"({sub.get('destinationId')}); disable first")
        return f"{store.store_id}: ORDER_CHANGE notifications on (subscription {sub['subscriptionId']})"
    if action == "disable":
        gone = await api.unsubscribe(store)
        return f"{store.store_id}: ORDER_CHANGE notifications {'off' if gone else 'were not on'}"
    current = await api.subscription(store)
    if current is None:
        return f"{store.store_id}: ORDER_CHANGE notifications off (polling only)"
    return (f"{store.store_id}: ORDER_CHANGE notifications on (subscription {current['subscriptionId']}, "
            f"destination {current.get('destinationId')})")


def run(settings: Settings, store_id: str, action: str,
        resolver: Callable[[str], Any] | None = None) -> None:
    from services.stores import registry

    if action not in ACTIONS:
        raise SystemExit(f"action must be one of {', '.join(ACTIONS)}, not {action!r}")
    history = registry.read_all(settings).get(store_id)
    if history is None:
        raise SystemExit(f"no store {store_id!r}; `sales-channel stores list` shows the integrated ones")
    arn = queue_arn(NotificationSettings()) if action == "enable" else None

    async def main() -> str:
        async with httpx.AsyncClient(timeout=30) as http:
            api = NotificationsApi(http, settings.lwa_token_url,
                                   resolver or (lambda ref: secrets.resolve(ref, settings.secrets_file)))
            return await act(api, history.current, action, arn)

    console.print(asyncio.run(main()))
    if action == "disable" and NotificationSettings().wants(store_id):
        console.print(f"[yellow]Note:[/yellow] NOTIFICATIONS_STORES names {store_id}: the poller subscribes "
                      "it again at its next start unless you remove it there.")
