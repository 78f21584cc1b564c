"""What the poller's Amazon facts (``amazon.order.changed`` on ``amazon-orders``) already say about
an order, so the shipment confirmer need not ask Amazon (``getOrder``, 0.5 requests/s per seller)
before each ``confirmShipment`` (2 requests/s).

Only what a first confirmation needs is kept: merchant-fulfilled orders Amazon shows as Unshipped
with nothing shipped yet (their items, Amazon order item ids, SKUs and quantities). Any other
fact of an order (Pending, partially shipped, Shipped, Canceled, fulfilled by Amazon) removes it:
edits, echoes and reconciliations need Amazon's packages and their reference ids, which the facts
do not carry, so those go through ``getOrder`` as before. The table is therefore bounded by the
orders waiting to be shipped.

A view read from the facts may be behind Amazon (our earlier call went through; the poller has
not seen it yet). That is safe: the same shipment always sends the same ``packageReferenceId``, so
sending it again edits the package, and Amazon's "already fulfilled" refusal is reconciled against
``getOrder`` as always.
"""

from __future__ import annotations

from collections.abc import Callable

from schemas import Event
from schemas.events.fulfillment import MagentoShipmentRecordedData
from schemas.events.poller import AmazonOrderChangedV1
from schemas.types import AmazonOrder, AmazonStatus, FulfillmentChannel
from services.fulfillment.decide import AmazonItem, AmazonOrderView, amazon_item

FactsLookup = Callable[[str, str], AmazonOrderView | None]


def first_shipment_view(order: AmazonOrder) -> AmazonOrderView | None:
    """The order as ``decide`` reads it, when the fact is enough to confirm a first package:
    merchant-fulfilled, Unshipped, nothing shipped and no package reported. Else None."""
    if order.fulfillment_channel != FulfillmentChannel.MERCHANT or order.status != AmazonStatus.UNSHIPPED \
            or order.items_shipped or not order.items:
        return None
    return AmazonOrderView(
        order_id=order.amazon_order_id,
        status="UNSHIPPED",
        fulfilled_by="MERCHANT",
        marketplace_id=order.marketplace_id,
        items=tuple(AmazonItem(order_item_id=i.order_item_id, sku=i.sku, quantity_ordered=i.quantity_ordered,
                               quantity_shipped=i.quantity_shipped) for i in order.items),
    )


def covers(view: AmazonOrderView | None, shipment: MagentoShipmentRecordedData) -> bool:
    """Whether ``view`` maps every item of ``shipment`` (else Amazon is asked)."""
    return view is not None and all(amazon_item(item, view) is not None for item in shipment.items)


class AmazonFacts:
    """The latest usable view of each order, keyed by (store id, Amazon order id). Apply the facts
    of a partition in their order."""

    def __init__(self) -> None:
        self._views: dict[tuple[str, str], AmazonOrderView] = {}

    def apply(self, event: Event) -> None:
        if isinstance(event, AmazonOrderChangedV1):
            self.apply_order(event.data.store_id, event.data.order)

    def apply_order(self, store_id: str, order: AmazonOrder) -> None:
        key = (store_id, order.amazon_order_id)
        view = first_shipment_view(order)
        if view is None:
            self._views.pop(key, None)
        else:
            self._views[key] = view

    def view(self, store_id: str, order_id: str) -> AmazonOrderView | None:
        return self._views.get((store_id, order_id))

    def __len__(self) -> int:
        return len(self._views)
