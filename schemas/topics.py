"""The topic catalogue: each topic's name, its owning service (the only writer), its
partition count, key and cleanup policy.

Every order topic is keyed by ``store_id:amazon_order_id`` and has the same partition
count, so one order's facts stay in order and meet in the same partition across topics
without repartitioning (Faust co-partitioning)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

# One prefix per deployment (or per test run); every topic name starts with it.
PREFIX = os.environ.get("TOPIC_PREFIX", "sales-channel")

STORES = f"{PREFIX}.stores"
AMAZON_ORDERS = f"{PREFIX}.amazon-orders"
POLLER_SYNC = f"{PREFIX}.poller-sync"
ORDER_COMMANDS = f"{PREFIX}.order-commands"
ORDER_VIEW = f"{PREFIX}.order-view"
# Before the split (issue 15) commands and view facts shared this topic. Nothing writes it any
# more; the writer and the projector still read it, so a topic written before the split replays.
ORDER_LIFECYCLE = f"{PREFIX}.order-lifecycle"
MAGENTO_RESULTS = f"{PREFIX}.magento-results"
RESERVATIONS = f"{PREFIX}.reservations"
USER_REQUESTS = f"{PREFIX}.user-requests"
MAGENTO_FULFILLMENT = f"{PREFIX}.magento-fulfillment"
AMAZON_CONFIRMATIONS = f"{PREFIX}.amazon-confirmations"
PII_ERASURES = f"{PREFIX}.pii-erasures"

SERVICES = ("stores", "poller", "order_processor", "magento_writer", "inventory_reserver", "orders_tab",
            "fulfillment_reader", "shipment_confirmer")

DEFAULT_ORDER_PARTITIONS = 8
# Dead letters hold raw input for an operator to inspect and replay: kept 30 days, like buyer data.
DEAD_LETTER_RETENTION_MS = 30 * 24 * 3600 * 1000


def dead_letter_topic(service: str) -> str:
    """Each service owns its dead-letter topic."""
    return f"{PREFIX}.dead-letters.{service.replace('_', '-')}"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    owner: str
    partitions: int
    key: Literal["order", "store", "source"]
    cleanup_policy: Literal["delete", "compact"]
    events: tuple[str, ...]
    retention_ms: int = -1  # topics are the source of truth: kept
    description: str = ""
    configs: dict[str, str] = field(default_factory=dict)

    def topic_configs(self) -> dict[str, str]:
        return {"cleanup.policy": self.cleanup_policy, "retention.ms": str(self.retention_ms), **self.configs}


def catalogue(order_partitions: int = DEFAULT_ORDER_PARTITIONS) -> tuple[TopicSpec, ...]:
    n = order_partitions
    specs = [
        TopicSpec(STORES, "stores", 1, "store", "delete", ("store.configured",),
                  description="Store integrations and setting changes, in order."),
        TopicSpec(AMAZON_ORDERS, "poller", n, "order", "delete", ("amazon.order.changed",),
                  description="One fact per real change of an Amazon order."),
        TopicSpec(POLLER_SYNC, "poller", 1, "store", "delete", ("store.poll.completed",),
                  description="Each successful poll window per store."),
        TopicSpec(ORDER_COMMANDS, "order_processor", n, "order", "delete",
                  ("magento.order.requested", "magento.cancel.requested", "magento.shipment.requested"),
                  description="Commands for the Magento writer."),
        TopicSpec(ORDER_VIEW, "order_processor", n, "order", "delete",
                  ("order.state.changed", "order.log.appended"),
                  description="Orders-tab view and order log, for the projector."),
        TopicSpec(ORDER_LIFECYCLE, "order_processor", n, "order", "delete", (),
                  description="Before the split: commands and view facts on one topic. No longer "
                              "written; read by the writer and the projector so old records replay."),
        TopicSpec(MAGENTO_RESULTS, "magento_writer", n, "order", "delete",
                  ("magento.order.created", "magento.order.failed", "magento.order.deleted",
                   "magento.order.canceled", "magento.order.shipped", "magento.reservation.synced"),
                  description="Every outcome of every Magento call."),
        TopicSpec(RESERVATIONS, "inventory_reserver", n, "order", "delete",
                  ("reservation.placed", "reservation.released", "reservation.failed"),
                  description="Stock reservations of Pending orders."),
        TopicSpec(USER_REQUESTS, "orders_tab", n, "order", "delete", ("order.magento_retry.requested",
                                                                      "order.amazon_cancel.requested"),
                  description="Requests made by merchants on the Orders tab or the CLI."),
        TopicSpec(MAGENTO_FULFILLMENT, "fulfillment_reader", n, "order", "delete",
                  ("magento.shipment.recorded", "magento.cancellation.recorded"),
                  description="Magento shipments and tracks, and Magento orders canceled, read from our "
                              "module's outbox."),
        TopicSpec(AMAZON_CONFIRMATIONS, "shipment_confirmer", n, "order", "delete",
                  ("amazon.shipment.confirmation", "amazon.cancellation"),
                  description="Each shipment confirmation sent to Amazon (or not), with its outcome; each "
                              "seller cancellation sent by feed, then accepted or refused."),
        TopicSpec(PII_ERASURES, "key_service", n, "order", "delete", ("pii.erased",),
                  description="Each order whose buyer PII was erased (its data key destroyed), and why."),
    ]
    specs += [
        TopicSpec(dead_letter_topic(svc), svc, 1, "source", "delete", ("deadletter.recorded",),
                  retention_ms=DEAD_LETTER_RETENTION_MS,
                  description=f"Input {svc} could not process, with reason and raw bytes.")
        for svc in SERVICES
    ]
    return tuple(specs)


@cache
def topic_of(event_type: str) -> str:
    """The one topic that carries ``event_type`` (dead letters have one per service: not here)."""
    homes = [s.name for s in catalogue() if event_type in s.events]
    if len(homes) != 1:
        raise KeyError(f"{event_type!r} lives on {len(homes)} topics")
    return homes[0]


def spec(name: str, order_partitions: int = DEFAULT_ORDER_PARTITIONS) -> TopicSpec:
    for s in catalogue(order_partitions):
        if s.name == name:
            return s
    raise KeyError(name)
