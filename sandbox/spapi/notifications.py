"""Notifications API v1 for the SP-API sandbox, and delivery of ``ORDER_CHANGE`` to SQS.

Follows ``contracts/sp-api/notifications.json`` (destinations, subscriptions) and
``OrderChangeNotification.json`` (the payload). Destinations belong to the application and are
managed with grantless tokens; subscriptions belong to one seller (``createSubscription`` and
``getSubscription`` need the seller's token; ``getSubscriptionById`` and
``deleteSubscriptionById`` are grantless).

Delivery is what Amazon promises of an SQS standard queue, and no more: at least once, sometimes
twice, sometimes out of order (a random ``DelaySeconds``), sometimes not at all. Each of these is
a probability of a seeded ``DeliveryPolicy``, settable for all sellers or one. Messages go to a
real SQS endpoint (moto's server in tests and the demo) through boto3, from a sender thread so
the sandbox never waits on SQS while holding its lock."""

from __future__ import annotations

import queue
import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sandbox.spapi import errors
from sandbox.spapi.model import SimOrder

ORDER_CHANGE = "ORDER_CHANGE"
PAYLOAD_VERSIONS: dict[str, tuple[str, ...]] = {ORDER_CHANGE: ("1.0",)}
"""Notification types the sandbox knows, with their payload versions (newest last)."""
EVENT_FILTER_TYPES = ("ANY_OFFER_CHANGED", "ORDER_CHANGE", "SHIPMENT_TRACKING_MILESTONE_CHANGED")
ORDER_CHANGE_TYPES = ("BuyerRequestedChange", "DeliveryTipChange", "OrderStatusChange")
SQS_ARN = re.compile(r"^arn:aws:sqs:(\S+):(\S+):(\S+)$")

ORDER_STATUS = {
    "PENDING_AVAILABILITY": "PendingAvailability",
    "PENDING": "Pending",
    "UNSHIPPED": "Unshipped",
    "PARTIALLY_SHIPPED": "PartiallyShipped",
    "SHIPPED": "Shipped",
    "CANCELLED": "Canceled",
    "UNFULFILLABLE": "Unfulfillable",
}
ORDER_PROGRAMS = {"AMAZON_BUSINESS": "Business", "PRIME": "Prime", "PREMIUM": "Premium"}


def _iso_ms(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class DeliveryPolicy:
    """Probabilities per notification: ``drop`` (never sent), ``duplicate`` (sent twice),
    ``reorder`` (sent with a random delay of 1..``max_delay_seconds`` s, so later ones overtake it)."""

    drop: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    max_delay_seconds: int = 3

    def __post_init__(self) -> None:
        for name in ("drop", "duplicate", "reorder"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be a probability (0..1), not {value!r}")
        if not 1 <= self.max_delay_seconds <= 900:
            raise ValueError("max_delay_seconds must be 1..900 (SQS DelaySeconds)")


@dataclass(frozen=True)
class Destination:
    destination_id: str
    name: str
    arn: str

    def body(self) -> dict[str, Any]:
        return {"destinationId": self.destination_id, "name": self.name, "resource": {"sqs": {"arn": self.arn}}}


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    seller_id: str
    notification_type: str
    payload_version: str
    destination_id: str
    processing_directive: dict[str, Any] | None = None

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"subscriptionId": self.subscription_id, "payloadVersion": self.payload_version,
                               "destinationId": self.destination_id}
        if self.processing_directive:
            out["processingDirective"] = self.processing_directive
        return out

    def accepts(self, marketplace_id: str, change_type: str) -> bool:
        event_filter = (self.processing_directive or {}).get("eventFilter") or {}
        marketplaces = event_filter.get("marketplaceIds")
        change_types = event_filter.get("orderChangeTypes")
        return (not marketplaces or marketplace_id in marketplaces) and (
            not change_types or change_type in change_types)


@dataclass(frozen=True)
class Sent:
    """One message handed to SQS (tests read these)."""

    notification_id: str
    order_id: str
    seller_id: str
    queue_arn: str
    delay_seconds: int
    body: dict[str, Any]


@dataclass
class _Counters:
    emitted: int = 0
    dropped: int = 0
    duplicated: int = 0
    delayed: int = 0
    sent: int = 0
    failed: int = 0


SqsClientFactory = Callable[[], Any]


def moto_sqs_client(endpoint_url: str, region: str = "us-east-1") -> SqsClientFactory:
    """A factory of boto3 SQS clients for an SQS-compatible endpoint (moto's server)."""

    def make() -> Any:
        import boto3

        return boto3.client("sqs", endpoint_url=endpoint_url, region_name=region,
                            aws_access_key_id="sandbox", aws_secret_access_key="sandbox")

    return make


class NotificationHub:
    """Destinations, subscriptions and delivery. Thread-safe."""

    def __init__(self, *, sqs: SqsClientFactory | None = None, seed: int | None = None,
                 policy: DeliveryPolicy = DeliveryPolicy(), notify_new_orders: bool = True,
                 application_id: str | None = None) -> None:
        self._sqs_factory = sqs
        self.rng = random.Random(seed)
        self.policy = policy
        self.seller_policies: dict[str, DeliveryPolicy] = {}
        self.notify_new_orders = notify_new_orders
        self.application_id = application_id or f"amzn1.sellerapps.app.{uuid.UUID(int=self.rng.getrandbits(128))}"
        self.destinations: dict[str, Destination] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.sent: list[Sent] = []
        self.counters = _Counters()
        self._lock = threading.RLock()
        self._outbox: queue.Queue[tuple[Sent, str] | None] = queue.Queue()
        self._in_flight = 0
        self._idle = threading.Condition(self._lock)
        self._sender: threading.Thread | None = None
        self._queue_urls: dict[str, str] = {}

    # ----- switches ----------------------------------------------------------------------------

    def set_policy(self, policy: DeliveryPolicy, seller_id: str | None = None) -> None:
        with self._lock:
            if seller_id is None:
                self.policy = policy
            else:
                self.seller_policies[seller_id] = policy

    def policy_for(self, seller_id: str) -> DeliveryPolicy:
        with self._lock:
            return self.seller_policies.get(seller_id, self.policy)

    def reset(self) -> None:
        self.drain()
        with self._lock:
            self.destinations.clear()
            self.subscriptions.clear()
            self.seller_policies.clear()
            self.policy = DeliveryPolicy()
            self.sent.clear()
            self.counters = _Counters()

    # ----- destinations (grantless) ------------------------------------------------------------

    def create_destination(self, body: Any) -> Destination:
        if not isinstance(body, dict):
            raise errors.invalid_input("The request body must be a CreateDestinationRequest object.")
        name = body.get("name")
        spec = body.get("resourceSpecification")
        if not isinstance(name, str) or not name:
            raise errors.invalid_input("Missing required field: name.")
        if len(name) > 256:
            raise errors.invalid_input("name must be at most 256 characters.")
        if not isinstance(spec, dict):
            raise errors.invalid_input("Missing required field: resourceSpecification.")
        if "eventBridge" in spec:
            raise errors.invalid_input("The sandbox delivers to SQS only; use resourceSpecification.sqs.")
        sqs = spec.get("sqs")
        arn = sqs.get("arn") if isinstance(sqs, dict) else None
        if not isinstance(arn, str) or len(arn) > 1000 or not SQS_ARN.match(arn):
            raise errors.invalid_input("resourceSpecification.sqs.arn must be an SQS queue ARN "
                                       "(arn:aws:sqs:<region>:<account>:<queue>).")
        with self._lock:
            if any(d.arn == arn for d in self.destinations.values()):
                raise errors.ApiError(409, "Conflict", "A destination for this resource already exists.",
                                      arn)
            dest = Destination(str(uuid.UUID(int=self.rng.getrandbits(128))), name, arn)
            self.destinations[dest.destination_id] = dest
            return dest

    def get_destination(self, destination_id: str) -> Destination:
        with self._lock:
            dest = self.destinations.get(destination_id)
        if dest is None:
            raise errors.not_found(f"Destination {destination_id} not found.")
        return dest

    def delete_destination(self, destination_id: str) -> None:
        with self._lock:
            self.get_destination(destination_id)
            if any(s.destination_id == destination_id for s in self.subscriptions.values()):
                raise errors.ApiError(409, "Conflict", "The destination still has subscriptions.")
            del self.destinations[destination_id]

    # ----- subscriptions -----------------------------------------------------------------------

    def _check_type(self, notification_type: str) -> None:
        if notification_type not in PAYLOAD_VERSIONS:
            raise errors.invalid_input(f"Unsupported notificationType {notification_type}.")

    def create_subscription(self, seller_id: str, notification_type: str, body: Any) -> Subscription:
        self._check_type(notification_type)
        if not isinstance(body, dict):
            raise errors.invalid_input("The request body must be a CreateSubscriptionRequest object.")
        version, destination_id = body.get("payloadVersion"), body.get("destinationId")
        if not isinstance(version, str) or not isinstance(destination_id, str):
            raise errors.invalid_input("payloadVersion and destinationId are required strings.")
        if version not in PAYLOAD_VERSIONS[notification_type]:
            raise errors.invalid_input(f"Unsupported payloadVersion {version} for {notification_type}.")
        directive = body.get("processingDirective")
        if directive is not None:
            _check_directive(directive, notification_type)
        with self._lock:
            self.get_destination(destination_id)
            for s in self.subscriptions.values():
                if (s.seller_id, s.notification_type, s.payload_version) == (seller_id, notification_type,
                                                                               version):
                    raise errors.ApiError(409, "Conflict", "A subscription already exists for this "
                                          "notification type and payload version.", s.subscription_id)
            sub = Subscription(str(uuid.UUID(int=self.rng.getrandbits(128))), seller_id, notification_type,
                               version, destination_id, directive or None)
            self.subscriptions[sub.subscription_id] = sub
            return sub

    def get_subscription(self, seller_id: str, notification_type: str,
                         payload_version: str | None = None) -> Subscription:
        self._check_type(notification_type)
        with self._lock:
            mine = [s for s in self.subscriptions.values()
                    if s.seller_id == seller_id and s.notification_type == notification_type
                    and (payload_version is None or s.payload_version == payload_version)]
        if not mine:
            raise errors.not_found(f"No {notification_type} subscription found.")
        return max(mine, key=lambda s: s.payload_version)

    def subscriptions_of(self, seller_id: str, notification_type: str | None = None) -> list[Subscription]:
        with self._lock:
            return [s for s in self.subscriptions.values() if s.seller_id == seller_id
                    and (notification_type is None or s.notification_type == notification_type)]

    def get_subscription_by_id(self, notification_type: str, subscription_id: str) -> Subscription:
        self._check_type(notification_type)
        with self._lock:
            sub = self.subscriptions.get(subscription_id)
        if sub is None or sub.notification_type != notification_type:
            raise errors.not_found(f"Subscription {subscription_id} not found.")
        return sub

    def delete_subscription_by_id(self, notification_type: str, subscription_id: str) -> None:
        with self._lock:
            self.get_subscription_by_id(notification_type, subscription_id)
            del self.subscriptions[subscription_id]

    # ----- delivery ----------------------------------------------------------------------------

    def on_version(self, previous: SimOrder | None, order: SimOrder, at: datetime) -> None:
        """The lifecycle engine stored a new version of ``order``: notify its subscribers."""
        if previous is None and not self.notify_new_orders:
            return
        change_type, reason = change_of(previous, order)
        with self._lock:
            subs = [s for s in self.subscriptions.values()
                    if s.seller_id == order.seller_id and s.notification_type == ORDER_CHANGE
                    and s.accepts(order.marketplace_id, change_type)]
            for sub in subs:
                dest = self.destinations.get(sub.destination_id)
                if dest is None:
                    continue
                self.counters.emitted += 1
                policy = self.policy_for(order.seller_id)
                if self.rng.random() < policy.drop:
                    self.counters.dropped += 1
                    continue
                nid = str(uuid.UUID(int=self.rng.getrandbits(128)))
                body = order_change_notification(order, change_type, reason, at, nid, sub.subscription_id,
                                                 self.application_id)
                copies = 2 if self.rng.random() < policy.duplicate else 1
                self.counters.duplicated += copies - 1
                for _ in range(copies):
                    delay = 0
                    if self.rng.random() < policy.reorder:
                        delay = self.rng.randint(1, policy.max_delay_seconds)
                        self.counters.delayed += 1
                    self._enqueue(Sent(nid, order.order_id, order.seller_id, dest.arn, delay, body))

    def _enqueue(self, sent: Sent) -> None:
        import json

        if self._sqs_factory is None:  # no SQS endpoint: record only
            self.sent.append(sent)
            return
        self._in_flight += 1
        if self._sender is None or not self._sender.is_alive():
            self._sender = threading.Thread(target=self._send_loop, name="sandbox-sqs-sender", daemon=True)
            self._sender.start()
        self._outbox.put((sent, json.dumps(sent.body, separators=(",", ":"))))

    def _send_loop(self) -> None:
        assert self._sqs_factory is not None
        client = self._sqs_factory()
        while True:
            item = self._outbox.get()
            if item is None:
                return
            sent, text = item
            try:
                client.send_message(QueueUrl=self._queue_url(client, sent.queue_arn), MessageBody=text,
                                    DelaySeconds=sent.delay_seconds)
                with self._lock:
                    self.sent.append(sent)
                    self.counters.sent += 1
            except Exception:  # noqa: BLE001 - a lost notification is what Amazon may do too
                with self._lock:
                    self.counters.failed += 1
            finally:
                with self._lock:
                    self._in_flight -= 1
                    self._idle.notify_all()

    def _queue_url(self, client: Any, arn: str) -> str:
        url = self._queue_urls.get(arn)
        if url is None:
            match = SQS_ARN.match(arn)
            assert match is not None
            url = self._queue_urls[arn] = str(client.get_queue_url(
                QueueName=match.group(3), QueueOwnerAWSAccountId=match.group(2))["QueueUrl"])
        return url

    def drain(self, timeout_s: float = 10.0) -> bool:
        """Wait until every queued message was handed to SQS; False on timeout."""
        deadline = time.monotonic() + timeout_s
        with self._idle:
            while self._in_flight:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._idle.wait(left)
        return True

    def close(self) -> None:
        if self._sender is not None and self._sender.is_alive():
            self.drain()
            self._outbox.put(None)
            self._sender.join(5)


def _check_directive(directive: Any, notification_type: str) -> None:
    if not isinstance(directive, dict):
        raise errors.invalid_input("processingDirective must be an object.")
    if "eventFilter" in directive and "filterExpression" in directive:
        raise errors.invalid_input("eventFilter and filterExpression are mutually exclusive.")
    if "filterExpression" in directive:
        raise errors.invalid_input("The sandbox does not evaluate filterExpression; use eventFilter.")
    event_filter = directive.get("eventFilter")
    if event_filter is None:
        return
    if not isinstance(event_filter, dict):
        raise errors.invalid_input("processingDirective.eventFilter must be an object.")
    kind = event_filter.get("eventFilterType")
    if kind not in EVENT_FILTER_TYPES:
        raise errors.invalid_input(f"eventFilter.eventFilterType must be one of {', '.join(EVENT_FILTER_TYPES)}.")
    if kind != notification_type:
        raise errors.invalid_input(f"eventFilterType {kind} does not apply to {notification_type}.")
    marketplaces = event_filter.get("marketplaceIds")
    if marketplaces is not None and (not isinstance(marketplaces, list)
                                     or not all(isinstance(m, str) for m in marketplaces)):
        raise errors.invalid_input("eventFilter.marketplaceIds must be a list of strings.")
    change_types = event_filter.get("orderChangeTypes")
    if change_types is not None and (not isinstance(change_types, list)
                                     or any(t not in ORDER_CHANGE_TYPES for t in change_types)):
        raise errors.invalid_input(f"eventFilter.orderChangeTypes must be a list of {', '.join(ORDER_CHANGE_TYPES)}.")


def change_of(previous: SimOrder | None, order: SimOrder) -> tuple[str, str]:
    """``(OrderChangeType, ChangeReason)`` of one new version."""
    if previous is None:
        return "OrderStatusChange", "NewOrder"
    requested_before = {i.order_item_id for i in previous.items if i.cancel_request_reason}
    requested_now = {i.order_item_id for i in order.items if i.cancel_request_reason}
    if previous.status == order.status and requested_now - requested_before:
        return "BuyerRequestedChange", "BuyerRequestedCancel"
    if order.status == "CANCELLED":
        return "OrderStatusChange", order.cancel_reason or "Canceled"
    return "OrderStatusChange", f"StatusChangedTo{ORDER_STATUS.get(order.status, order.status)}"


def order_change_notification(order: SimOrder, change_type: str, reason: str, at: datetime,
                              notification_id: str, subscription_id: str, application_id: str) -> dict[str, Any]:
    """The SQS message body: an ``ORDER_CHANGE`` notification, payload version 1.0."""
    shipped = sum(i.quantity_shipped for i in order.items)
    unshipped = sum(i.quantity_unshipped for i in order.items)
    summary: dict[str, Any] = {
        "MarketplaceId": order.marketplace_id,
        "OrderStatus": ORDER_STATUS[order.status],
        "PurchaseDate": _iso_ms(order.created_time),
        "DestinationPostalCode": order.address.postal_code if order.priced else None,
        "FulfillmentType": "AFN" if order.fulfilled_by == "AMAZON" else "MFN",
        "OrderType": "Preorder" if "PREORDER" in order.programs else "StandardOrder",
        "NumberOfItemsShipped": shipped,
        "NumberOfItemsUnshipped": unshipped,
        "OrderPrograms": [ORDER_PROGRAMS[p] for p in order.programs if p in ORDER_PROGRAMS],
        "OrderItems": [
            {
                "OrderItemId": i.order_item_id,
                "SellerSKU": i.seller_sku,
                "SupplySourceId": None,
                "OrderItemStatus": "Shipped" if i.quantity_unshipped == 0 else "Unshipped",
                "Quantity": i.quantity_ordered,
                "QuantityShipped": i.quantity_shipped,
                "IsBuyerRequestedCancel": i.cancel_request_reason is not None,
            }
            for i in order.items
        ],
    }
    return {
        "NotificationVersion": "1.0",
        "NotificationType": ORDER_CHANGE,
        "PayloadVersion": "1.0",
        "EventTime": _iso_ms(at),
        "Payload": {
            "OrderChangeNotification": {
                "NotificationLevel": "OrderLevel",
                "SellerId": order.seller_id,
                "AmazonOrderId": order.order_id,
                "OrderChangeType": change_type,
                "OrderChangeTrigger": {"TimeOfOrderChange": _iso_ms(order.last_updated_time),
                                       "ChangeReason": reason},
                "Summary": summary,
            }
        },
        "NotificationMetadata": {
            "ApplicationId": application_id,
            "SubscriptionId": subscription_id,
            "PublishTime": _iso_ms(at),
            "NotificationId": notification_id,
        },
    }


__all__ = ["DeliveryPolicy", "Destination", "NotificationHub", "ORDER_CHANGE", "Sent", "Subscription",
           "change_of", "moto_sqs_client", "order_change_notification"]
