"""The shipment confirmer's reading of ``amazon-orders`` into its ``AmazonFacts`` table: a consumer
without a group, every partition from the beginning, read to the topic's exact end
(``services.common.kafka.end_offsets``) before the confirmer decides on what it just polled. A
Magento shipment that mirrors Amazon's (the writer ships the Magento order after Amazon's Shipped
fact) is noticed only after that fact was written, so the table has seen it by then (no echo)."""

from __future__ import annotations

import time

from kafka import TopicPartition

from schemas import DecodeError, decode
from schemas.topics import AMAZON_ORDERS
from services.common.kafka import end_offsets, make_consumer
from services.common.logging import get_logger
from services.common.settings import Settings
from services.fulfillment.amazon_facts import AmazonFacts
from services.fulfillment.decide import AmazonOrderView

log = get_logger(__name__)


class FactsReader:
    """``catch_up`` before each batch; ``view`` answers only while the last catch-up reached the end
    (else None: the confirmer asks Amazon)."""

    def __init__(self, settings: Settings, facts: AmazonFacts | None = None, topic: str = AMAZON_ORDERS) -> None:
        self.settings = settings
        self.facts = facts or AmazonFacts()
        self._consumer = make_consumer(settings, None, [])
        parts = self._consumer.partitions_for_topic(topic) or set()
        self._tps = [TopicPartition(topic, p) for p in sorted(parts)]
        self._consumer.assign(self._tps)
        for tp in self._tps:
            self._consumer.seek_to_beginning(tp)
        self._current = False

    def catch_up(self, timeout_s: float = 10.0) -> bool:
        """Read every partition to its end offset as of now; False (and ``view`` off) on a timeout."""
        self._current = False
        if not self._tps:
            return False
        ends = end_offsets(self.settings, self._tps)
        deadline = time.monotonic() + timeout_s
        while any(self._consumer.position(tp) < end for tp, end in ends.items()):
            if time.monotonic() > deadline:
                log.warning("amazon_facts_behind", timeout_s=timeout_s)
                return False
            for records in self._consumer.poll(timeout_ms=200).values():
                for record in records:
                    try:
                        self.facts.apply(decode(record.value))
                    except DecodeError:
                        continue  # not ours to judge: the processor dead-letters it
        self._current = True
        return True

    def view(self, store_id: str, order_id: str) -> AmazonOrderView | None:
        return self.facts.view(store_id, order_id) if self._current else None

    def close(self) -> None:
        self._consumer.close()
