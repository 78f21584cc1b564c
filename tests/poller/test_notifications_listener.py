"""The listener without SQS or a broker: a failed receive is tried again under SQS_RECEIVE; a
seller out of getOrder tokens is deferred, never waited for."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from schemas.types import StoreConfig
from services.poller.notifications.listener import SqsListener
from services.poller.ratelimit import RateLimits
from tests.poller.factory import store_config
from tests.poller.test_notifications_rules import example


class FlakyQueue:
    """An SQS client that fails ``failures`` receives, then answers empty and stops the listener."""

    def __init__(self, failures: int, stop: asyncio.Event) -> None:
        self.failures = failures
        self.stop = stop
        self.receives = 0

    def receive_message(self, **_: Any) -> dict[str, Any]:
        self.receives += 1
        if self.receives <= self.failures:
            raise ConnectionError("queue unreachable")
        self.stop.set()
        return {}


def test_a_failed_receive_is_retried_with_growing_pauses_until_it_answers() -> None:
    async def scenario() -> tuple[FlakyQueue, list[float]]:
        stop, waits = asyncio.Event(), []
        queue = FlakyQueue(failures=4, stop=stop)

        async def sleep(seconds: float) -> None:
            waits.append(seconds)

        listener = SqsListener(poller=None, sqs=queue, queue_url="q", stores=dict)  # type: ignore[arg-type]
        await asyncio.wait_for(listener.run(stop, sleep=sleep), timeout=5)
        return queue, waits

    queue, waits = asyncio.run(scenario())
    assert queue.receives == 5
    assert len(waits) == 4  # one pause per failure, each within the SQS_RECEIVE bound (full jitter)
    assert all(0 <= w <= bound for w, bound in zip(waits, (1.0, 2.0, 4.0, 8.0), strict=True))


def _message(n: int, seller: str, order: str) -> dict[str, Any]:
    doc = example()
    doc["NotificationMetadata"]["NotificationId"] = f"n-{n}"
    doc["Payload"]["OrderChangeNotification"].update({"SellerId": seller, "AmazonOrderId": order})
    doc["Payload"]["OrderChangeNotification"]["Summary"]["MarketplaceId"] = "ATVPDKIKX0DER"
    return {"Body": json.dumps(doc), "ReceiptHandle": f"r-{n}"}


class OneBatch:
    """An SQS client answering one batch, recording deletes and visibility changes."""

    def __init__(self, messages: list[dict[str, Any]]) -> None:
        self.messages = messages
        self.deleted: list[str] = []
        self.hidden: dict[str, int] = {}

    def receive_message(self, **_: Any) -> dict[str, Any]:
        return {"Messages": self.messages}

    def delete_message(self, ReceiptHandle: str, **_: Any) -> None:  # noqa: N803 - boto3's names
        self.deleted.append(ReceiptHandle)

    def change_message_visibility(self, ReceiptHandle: str, VisibilityTimeout: int,  # noqa: N803
                                  **_: Any) -> None:
        self.hidden[ReceiptHandle] = VisibilityTimeout


@dataclass
class CountingClient:
    limits: RateLimits
    calls: list[str] = field(default_factory=list)

    async def get_order(self, store: StoreConfig, order_id: str) -> None:
        await self.limits.bucket(store.store_id, "getOrder").acquire()
        self.calls.append(order_id)
        return None  # not found: nothing to publish


def test_a_seller_out_of_getorder_tokens_is_deferred_at_the_bucket_rate_without_holding_up_others() -> None:
    now = [1000.0]
    limits = RateLimits(clock=lambda: now[0])
    hot, calm = store_config("hot", "http://sandbox"), store_config("calm", "http://sandbox")
    hot = hot.model_copy(update={"seller_id": "HOT", "marketplace_id": "ATVPDKIKX0DER"})
    calm = calm.model_copy(update={"seller_id": "CALM", "marketplace_id": "ATVPDKIKX0DER"})
    bucket = limits.bucket("hot", "getOrder")
    for _ in range(bucket.burst - 1):  # a flash sale took all but one of its 30 tokens
        assert bucket.try_take() == 0.0
    queue = OneBatch([_message(1, "HOT", "111-0000001-0000001"), _message(2, "HOT", "111-0000002-0000002"),
                      _message(3, "HOT", "111-0000003-0000003"), _message(4, "CALM", "111-0000004-0000004")])
    client = CountingClient(limits)
    poller = SimpleNamespace(client=client)
    listener = SqsListener(poller=poller, sqs=queue, queue_url="q",  # type: ignore[arg-type]
                           stores=lambda: {"hot": hot, "calm": calm}, clock=lambda: now[0])

    result = asyncio.run(listener.run_once())

    assert client.calls == ["111-0000001-0000001", "111-0000004-0000004"]  # the last token, and the calm store
    assert result.deferred == 2 and result.processed == 2
    assert queue.hidden == {"r-2": 2, "r-3": 4}  # back one per 2 s (0.5 getOrder/s), not all at once
    assert sorted(queue.deleted) == ["r-1", "r-4"]
