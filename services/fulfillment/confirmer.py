"""The shipment confirmer: for each ``magento.shipment.recorded`` fact, take what Amazon holds from
the poller's facts (``amazon_facts``: an Unshipped order's items) or else read it (``getOrder``:
unknown orders, unmapped items, anything already shipped), ``decide`` the package, send it with
``confirmShipment`` and publish the outcome (``amazon.shipment.confirmation`` on
``amazon-confirmations``). Offsets are committed only after the outcomes are acknowledged; a fact
whose call failed for a passing reason (429, 5xx, timeouts after the client's retries) is not
committed and is tried again — safe, since the same shipment always sends the same
packageReferenceId (an edit, never a second package)."""

from __future__ import annotations

from datetime import UTC, datetime

from schemas import Event
from schemas.events.fulfillment import (
    AmazonPackage,
    MagentoShipmentRecordedV1,
    ShipmentConfirmationData,
    ShipmentConfirmationV1,
)
from schemas.types import StoreConfig, fulfillment_of
from services.common.logging import get_logger
from services.fulfillment import metrics
from services.fulfillment.amazon_facts import FactsLookup, covers
from services.fulfillment.decide import AmazonOrderView, Confirm, Held, Refuse, Skip, decide
from services.fulfillment.spapi import ConfirmRefused, ShipmentsClient, confirm_request
from services.fulfillment.stores import StoreLookup
from services.poller.spapi.port import SpApiError

log = get_logger(__name__)
PRODUCER = "shipment_confirmer"


class TryLater(RuntimeError):
    """Amazon could not be reached or kept throttling: the fact stays uncommitted."""


def _outcome(fact: MagentoShipmentRecordedV1, outcome: str, reason: str | None, package: AmazonPackage | None,
             status: str | None) -> ShipmentConfirmationV1:
    data = fact.data
    event: ShipmentConfirmationV1 = ShipmentConfirmationV1.build(
        key=fact.key,
        occurred_at=datetime.now(UTC),
        producer=PRODUCER,
        identity=(fact.event_id, outcome),
        causation_id=fact.event_id,
        data=ShipmentConfirmationData(
            store_id=data.store_id, amazon_order_id=data.amazon_order_id, shipment_id=data.shipment_id,
            outbox_entry_id=data.outbox_entry_id, outcome=outcome,  # type: ignore[arg-type]
            reason=reason, package=package, amazon_status=status, shipment_recorded_at=fact.occurred_at,
        ),
    )
    return event


class Confirmer:
    def __init__(self, client: ShipmentsClient, stores: StoreLookup, facts: FactsLookup | None = None) -> None:
        self.client = client
        self.stores = stores  # the store's configuration carries its fulfillment settings
        self.facts = facts  # what the Amazon facts say of an order (None: always ask Amazon)

    async def _read(self, store: StoreConfig, order_id: str) -> AmazonOrderView | None:
        try:
            raw = await self.client.get_order(store, order_id)
        except ConfirmRefused:
            raise
        except SpApiError as exc:
            raise TryLater(f"getOrder: {exc}") from exc
        return AmazonOrderView.from_v2026(raw) if raw is not None else None

    async def handle(self, event: Event) -> ShipmentConfirmationV1 | None:
        """The outcome of one fact (None: not a shipment fact), counted (and a confirmed package's
        latency from the Magento shipment observed). Raises ``TryLater``."""
        if not isinstance(event, MagentoShipmentRecordedV1):
            return None
        out = await self._handle(event)
        metrics.observe_confirmation(out.data.store_id, out.data.outcome, event.occurred_at, datetime.now(UTC))
        return out

    async def _handle(self, event: MagentoShipmentRecordedV1) -> ShipmentConfirmationV1:
        data = event.data
        store = self.stores(data.store_id)
        if store is None:
            return _outcome(event, "failed", f"store {data.store_id} is not integrated", None, None)
        known = self.facts(data.store_id, data.amazon_order_id) if self.facts else None
        order = known if covers(known, data) else await self._read(store, data.amazon_order_id)
        if order is None:
            return _outcome(event, "failed", f"Amazon has no order {data.amazon_order_id}", None, None)
        decision = decide(data, order, fulfillment_of(store), recorded_at=event.occurred_at)
        if isinstance(decision, Skip):
            return _outcome(event, "skipped", decision.reason, None, order.status)
        if isinstance(decision, Refuse):
            return _outcome(event, "failed", decision.reason, None, order.status)
        if isinstance(decision, Held):
            return _outcome(event, "confirmed", None, decision.package, order.status)
        assert isinstance(decision, Confirm)
        package = decision.package
        body = confirm_request(order.marketplace_id or store.marketplace_id, package)
        try:
            await self.client.confirm_shipment(store, data.amazon_order_id, body)
        except ConfirmRefused as exc:
            if exc.already_fulfilled:
                # An earlier attempt may have gone through before its answer was lost: ask Amazon.
                after = await self._read(store, data.amazon_order_id)
                held = next((p for p in (after.packages if after else ())
                             if p.package_reference_id == package.package_reference_id), None)
                if held is not None and held.tracking_number == package.tracking_number:
                    return _outcome(event, "confirmed", None, package, after.status if after else None)
            reason = exc.amazon_message or str(exc)
            return _outcome(event, "failed", f"Amazon refused: {reason}", package, order.status)
        except SpApiError as exc:
            raise TryLater(str(exc)) from exc
        log.info("shipment_confirmed", store=data.store_id, shipment=data.shipment_id,
                 package=package.package_reference_id, edit=decision.edit)
        return _outcome(event, "confirmed", None, package, order.status)
