"""Which orders are tracked (SPEC §2), decided once, at an order's first sighting."""

from __future__ import annotations

from schemas.events.poller import AmazonOrderChangedV1
from schemas.types import AmazonStatus, StoreConfig


def admitted(event: AmazonOrderChangedV1, config: StoreConfig) -> bool:
    """Purchased after integration: tracked. Purchased before: only when the initial import
    saw it Unshipped and the store imports those; any other such order is excluded forever."""
    order = event.data.order
    if order.purchase_date > config.integration_time:
        return True
    return (event.data.initial_import
            and order.status is AmazonStatus.UNSHIPPED
            and config.settings.initial_import == "unshipped_at_integration")
