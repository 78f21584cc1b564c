"""Pure: decode an SQS message body into the order change it announces (``ORDER_CHANGE``,
payload version 1.0, ``OrderChangeNotification.json``).

Strict about what the listener needs (ids, seller, marketplace, order), tolerant of the rest:
unknown fields and unknown enum values of fields it does not use are accepted."""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


class PoisonMessage(ValueError):
    """The message can never be processed (not JSON, not an ORDER_CHANGE, a required field missing)."""


@dataclass(frozen=True)
class OrderChange:
    notification_id: str
    seller_id: str
    marketplace_id: str
    amazon_order_id: str
    change_type: str
    time_of_change: datetime | None


def _text(obj: Any, path: str) -> str:
    node = obj
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            raise PoisonMessage(f"missing {path}")
        node = node[part]
    if not isinstance(node, str) or not node.strip():
        raise PoisonMessage(f"{path} must be a non-empty string")
    return node.strip()


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        t = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def decode(body: str | bytes) -> OrderChange:
    """The order change of one message; raises ``PoisonMessage``."""
    try:
        doc = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise PoisonMessage(f"not JSON: {type(exc).__name__}") from None
    if not isinstance(doc, dict):
        raise PoisonMessage("not a JSON object")
    kind = _text(doc, "NotificationType")
    if kind != "ORDER_CHANGE":
        raise PoisonMessage(f"notification type {kind!r} is not ORDER_CHANGE")
    version = _text(doc, "PayloadVersion")
    if version.split(".")[0] != "1":
        raise PoisonMessage(f"payload version {version!r} is not 1.x")
    change = doc.get("Payload", {}).get("OrderChangeNotification") if isinstance(doc.get("Payload"), dict) else None
    if not isinstance(change, dict):
        raise PoisonMessage("missing Payload.OrderChangeNotification")
    trigger_node = change.get("OrderChangeTrigger")
    trigger: dict[str, Any] = trigger_node if isinstance(trigger_node, dict) else {}
    return OrderChange(
        notification_id=_text(doc, "NotificationMetadata.NotificationId"),
        seller_id=_text(change, "SellerId"),
        marketplace_id=_text(change, "Summary.MarketplaceId"),
        amazon_order_id=_text(change, "AmazonOrderId"),
        change_type=str(change.get("OrderChangeType") or ""),
        time_of_change=_time(trigger.get("TimeOfOrderChange")),
    )


class SeenNotifications:
    """The NotificationIds already handled, newest ``capacity`` kept (SQS redelivers within hours)."""

    def __init__(self, capacity: int = 100_000) -> None:
        self.capacity = capacity
        self._ids: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, notification_id: object) -> bool:
        return notification_id in self._ids

    def add(self, notification_id: str) -> None:
        self._ids[notification_id] = None
        self._ids.move_to_end(notification_id)
        while len(self._ids) > self.capacity:
            self._ids.popitem(last=False)

    def __len__(self) -> int:
        return len(self._ids)
