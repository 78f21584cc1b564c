"""User requests from the Orders tab and the CLI, published on the user-requests topic. Each
names who asked (SPEC §11): the order processor writes it to the order's log."""

from __future__ import annotations

import getpass
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from schemas.envelope import order_key
from schemas.events.requests import MagentoRetryRequestedDataV2, MagentoRetryRequestedV2, RequestedVia
from schemas.topics import USER_REQUESTS
from services.common.kafka import make_producer, publish_sync
from services.common.settings import Settings

PRODUCER = "orders_tab"


def retry_event(
    store_id: str, amazon_order_id: str, requested_by: str, via: RequestedVia, request_id: str | None = None
) -> MagentoRetryRequestedV2:
    request_id = request_id or uuid.uuid4().hex
    event: MagentoRetryRequestedV2 = MagentoRetryRequestedV2.build(
        key=order_key(store_id, amazon_order_id),
        occurred_at=datetime.now(UTC),
        producer=PRODUCER,
        identity=(request_id,),
        data=MagentoRetryRequestedDataV2(
            store_id=store_id,
            amazon_order_id=amazon_order_id,
            requested_by=requested_by,
            request_id=request_id,
            via=via,
        ),
    )
    return event


def publish_retries(
    settings: Settings,
    orders: Iterable[tuple[str, str]],
    requested_by: str,
    via: RequestedVia = RequestedVia.SYSTEM,
    producer: Any = None,
) -> list[MagentoRetryRequestedV2]:
    """Publish one retry request per (store, Amazon order) and wait for the broker's acknowledgement."""
    events = [retry_event(store_id, order_id, requested_by, via) for store_id, order_id in orders]
    if not events:
        return []
    own = producer is None
    producer = producer or make_producer(settings)
    try:
        publish_sync(producer, USER_REQUESTS, events)
    finally:
        if own:
            producer.close()
    return events


def publish_retry(
    settings: Settings,
    store_id: str,
    amazon_order_id: str,
    requested_by: str,
    via: RequestedVia = RequestedVia.SYSTEM,
    producer: Any = None,
) -> MagentoRetryRequestedV2:
    """Publish one retry request and wait for the broker's acknowledgement."""
    (event,) = publish_retries(settings, [(store_id, amazon_order_id)], requested_by, via, producer)
    return event


def request_retry_cli(settings: Settings, store_id: str, amazon_order_id: str) -> None:
    """``sales-channel orders retry STORE ORDER``: the order must be on the Orders tab."""
    import typer
    from rich.console import Console

    from services.common.db import get_engine
    from services.orders_tab.query import order

    console = Console(stderr=True)
    with get_engine(settings.database_url).connect() as conn:
        row = order(conn, store_id, amazon_order_id)
    if row is None:
        console.print(
            f"[red]error:[/red] no order {amazon_order_id!r} in store {store_id!r} on the Orders tab "
            "(is the projector running?)"
        )
        raise typer.Exit(2)
    event = publish_retry(settings, store_id, amazon_order_id, requested_by=getpass.getuser(), via=RequestedVia.CLI)
    console.print(
        f"retry of the Magento order for {store_id}/{amazon_order_id} requested (request {event.data.request_id})"
    )
