"""Reservations applied in Magento through our module's route
``POST /rest/<store>/V1/sales-channel/reservations`` (SPEC §5; Magento has no REST call for it).

Keys are deterministic per (order key, place|release), so applying twice changes nothing. When the
writer creates the Magento order it releases a held reservation in the same step with the release
key the reserver's later ``reservation.released`` fact maps to, so that fact is then a no-op.

The module has no read route; its idempotence is the re-read: after a call whose answer was lost
(timeout, dropped connection, 5xx) the retry's "already recorded" means our own lost attempt applied
it (done). When every attempt was uncertain the outcome is unknown: the ledger keeps the placement's
items without ``placed``, and its release first re-applies the placement (same key: a no-op if it is
held) and then releases, so Magento ends with nothing held either way."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from schemas.envelope import event_id_for
from schemas.events.magento import MagentoReservationSyncedData, MagentoReservationSyncedV1
from schemas.events.reservations import ReservationPlacedV1, ReservationReleasedV1
from services.common.logging import get_logger
from services.common.retry import RetriesExhausted
from services.magento_writer import metrics, results
from services.magento_writer.context import WriterContext
from services.magento_writer.ledger import ReservationRecord
from services.magento_writer.magento.errors import MagentoError
from services.magento_writer.outcomes import Attempts, ReservationOutcome, reservation_outcome
from services.magento_writer.retry import with_retries

log = get_logger(__name__)
DEFAULT_STORE_CODE = "default"
NOT_SYNCED = "Magento reservations module is not installed (MAGENTO_RESERVATIONS_MODULE=false): Magento is not told"


def reservation_key(order_key: str, action: Literal["place", "release"]) -> str:
    return event_id_for("magento.reservation", order_key, action)


def reservation_command(
    order_key: str, action: Literal["place", "release"], stock_id: int, items: list[dict[str, Any]]
) -> dict[str, Any]:
    sign = -1 if action == "place" else 1
    return {
        "reservation_key": reservation_key(order_key, action),
        "stock_id": stock_id,
        "items": [{"sku": i["sku"], "quantity": sign * abs(int(i["quantity"]))} for i in items],
        "metadata": {
            "event_type": "amazon_pending_reserve" if action == "place" else "amazon_pending_release",
            "object_type": "amazon_order",
            "object_id": order_key,
        },
    }


def apply(
    ctx: WriterContext,
    store_code: str,
    order_key: str,
    action: Literal["place", "release"],
    stock_id: int,
    items: list[dict[str, Any]],
) -> ReservationOutcome:
    """Apply under the writer's retry policy; what Magento holds afterwards, as far as known."""
    command = reservation_command(order_key, action, stock_id, items)
    attempts = Attempts()
    call = attempts.watch(lambda: ctx.client.apply_reservation(store_code, command))
    try:
        answer = with_retries(ctx.policy, "reservations", call)
    except RetriesExhausted as exc:
        return reservation_outcome(None, attempts, exc.last)
    except MagentoError as exc:
        return reservation_outcome(None, attempts, exc)
    return reservation_outcome(answer, attempts)


def _store_code(ctx: WriterContext, store_id: str) -> str:
    return ctx.ledger.store_code_of(store_id) or DEFAULT_STORE_CODE


def _synced(
    event: ReservationPlacedV1 | ReservationReleasedV1, applied: bool, detail: str | None
) -> MagentoReservationSyncedV1:
    return results.synced(
        event,
        MagentoReservationSyncedData(reservation_event_id=event.event_id, applied=applied, detail=detail),
    )


def _not_synced(event: ReservationPlacedV1 | ReservationReleasedV1) -> MagentoReservationSyncedV1:
    metrics.RESERVATIONS_NOT_SYNCED.inc()
    log.warning("reservation_not_synced", reason=NOT_SYNCED, event_type=event.event_type, key=event.key)
    return _synced(event, False, NOT_SYNCED)


def _unknown_placement(row: ReservationRecord | None) -> bool:
    """A placement whose every attempt was uncertain: its items are kept, nothing is flagged."""
    return row is not None and bool(row.items) and not (row.placed or row.released or row.superseded)


def apply_placed(ctx: WriterContext, event: ReservationPlacedV1) -> MagentoReservationSyncedV1:
    if not ctx.reservations_module:
        return _not_synced(event)
    d = event.data
    items = [{"sku": i.sku, "quantity": i.quantity} for i in d.items]
    with ctx.ledger.order_lock(event.key):
        row = ctx.ledger.reservation(d.store_id, d.amazon_order_id)
        order = ctx.ledger.get(d.store_id, d.amazon_order_id)
        if (row and row.superseded) or (order and order.state in ("created", "canceled", "complete", "deleted")):
            ctx.ledger.save_reservation(d.store_id, d.amazon_order_id, stock_id=d.magento_stock_id, superseded=True)
            return _synced(event, False, "the Magento order already exists and holds the stock")
        outcome = apply(ctx, _store_code(ctx, d.store_id), event.key, "place", d.magento_stock_id, items)
        if outcome.held:
            ctx.ledger.save_reservation(
                d.store_id, d.amazon_order_id, stock_id=d.magento_stock_id, items=items, placed=True
            )
        elif not outcome.known:  # its release re-applies it first
            ctx.ledger.save_reservation(d.store_id, d.amazon_order_id, stock_id=d.magento_stock_id, items=items)
        return _synced(event, outcome.applied, outcome.detail)


def apply_released(ctx: WriterContext, event: ReservationReleasedV1) -> MagentoReservationSyncedV1:
    if not ctx.reservations_module:
        return _not_synced(event)
    d = event.data
    with ctx.ledger.order_lock(event.key):
        row = ctx.ledger.reservation(d.store_id, d.amazon_order_id)
        code = _store_code(ctx, d.store_id)
        if row is not None and _unknown_placement(row) and _resolve_placement(ctx, code, event.key, row):
            row = replace(row, placed=True)
        if row is None or not row.placed:
            return _synced(event, False, "nothing is held in Magento for this order")
        if row.released:
            return _synced(event, False, "already released in Magento")
        items = [{"sku": i.sku, "quantity": i.quantity} for i in d.items] or row.items
        outcome = apply(ctx, code, event.key, "release", row.stock_id, items)
        if outcome.held:
            ctx.ledger.save_reservation(d.store_id, d.amazon_order_id, stock_id=row.stock_id, released=True)
        return _synced(event, outcome.applied, outcome.detail)


def _resolve_placement(ctx: WriterContext, store_code: str, order_key: str, row: ReservationRecord) -> bool:
    """Re-apply a placement of unknown outcome (a no-op if Magento holds it): afterwards it is held.
    True when resolved (the ledger then says placed), False when Magento still did not answer."""
    outcome = apply(ctx, store_code, order_key, "place", row.stock_id, row.items)
    if not outcome.held:
        log.warning("unknown_placement_unresolved", key=order_key, detail=outcome.detail)
        return False
    ctx.ledger.save_reservation(row.store_id, row.amazon_order_id, stock_id=row.stock_id, placed=True)
    return True


def handover(
    ctx: WriterContext, order_key: str, store_id: str, amazon_order_id: str, store_code: str, row: ReservationRecord
) -> None:
    """Right after the Magento order exists and ``row`` came back from ``Ledger.record_created``
    (a not-yet-seen placement is then marked superseded): release a held pending reservation, the
    order now holds the stock. Caller holds the order lock."""
    if not ctx.reservations_module or row.released:
        return
    if _unknown_placement(row) and _resolve_placement(ctx, store_code, order_key, row):
        row = replace(row, placed=True)
    if not row.placed:
        return
    outcome = apply(ctx, store_code, order_key, "release", row.stock_id, row.items)
    if not outcome.held:  # the reserver's release fact applies it later
        log.warning("handover_release_failed", key=order_key, error=outcome.detail)
        return
    ctx.ledger.save_reservation(store_id, amazon_order_id, stock_id=row.stock_id, released=True)
