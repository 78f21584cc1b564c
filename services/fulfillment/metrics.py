"""The fulfillment services' Prometheus metrics (issue 18, item 6)."""

from __future__ import annotations

from datetime import datetime

from services.common.metrics import counter, histogram

CONFIRMATIONS = counter("fulfillment_confirmations_total",
                        "Shipment confirmations to Amazon by outcome (confirmed, skipped, failed)",
                        ("store", "outcome"))
CANCELLATIONS = counter("fulfillment_cancellations_total",
                        "Seller cancellations to Amazon by outcome (sent, accepted, refused)", ("store", "outcome"))
# From the Magento shipment (its outbox entry's time) to Amazon's acceptance of the package: the
# outbox read interval, the topic, the confirmer's queue and rate limit, and the call itself.
SHIPMENT_TO_ACCEPTANCE = histogram(
    "fulfillment_shipment_to_acceptance_seconds", "From the Magento shipment to Amazon accepting its package",
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600))


def observe_confirmation(store_id: str, outcome: str, recorded_at: datetime | None, now: datetime) -> None:
    CONFIRMATIONS.labels(store_id, outcome).inc()
    if outcome == "confirmed" and recorded_at is not None:
        SHIPMENT_TO_ACCEPTANCE.observe(max((now - recorded_at).total_seconds(), 0.0))
