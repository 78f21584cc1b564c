"""Cancel and ship existing Magento orders. Each command leaves a comment carrying the order's
current status (Magento copies a comment's status onto the order, so it must be the current one)."""

from __future__ import annotations

from typing import Any

from schemas.envelope import Event
from schemas.events.lifecycle import MagentoCancelRequestedV1, MagentoShipmentRequestedV1
from schemas.events.magento import MagentoOrderCanceledData, MagentoOrderShippedData
from schemas.types import ShipmentTrack
from services.common.logging import get_logger
from services.magento_writer import results
from services.magento_writer.context import WriterContext
from services.magento_writer.magento.errors import MagentoError, NotFound
from services.magento_writer.payload import shipment_tracks
from services.magento_writer.retry import RetriesExhausted, with_retries

log = get_logger(__name__)
CLOSED_STATES = ("canceled", "closed")


def _entity_id(
    ctx: WriterContext, store_id: str, amazon_id: str, store_code: str, number: str, given: int | None
) -> int | None:
    if given is not None:
        return given
    row = ctx.ledger.get(store_id, amazon_id)
    if row and row.entity_id is not None:
        return row.entity_id
    found = with_retries(
        ctx.policy, "orders_search", lambda: ctx.client.find_orders(store_code, "increment_id", number)
    )
    return found[0].entity_id if found else None


def _order(ctx: WriterContext, store_code: str, entity_id: int) -> dict[str, Any]:
    return with_retries(ctx.policy, "order_get", lambda: ctx.client.get_order_data(store_code, entity_id))


def _comment(ctx: WriterContext, store_code: str, entity_id: int, text: str) -> None:
    """Best effort: the comment records what happened; its failure does not undo the action."""
    try:
        status = _order(ctx, store_code, entity_id).get("status")
        with_retries(ctx.policy, "order_comment", lambda: ctx.client.add_comment(store_code, entity_id, text, status))
    except (MagentoError, RetriesExhausted) as exc:
        log.warning("comment_failed", entity_id=entity_id, error=str(exc))


def _mark(ctx: WriterContext, cmd: Event, store_id: str, amazon_id: str, store_code: str, state: str) -> None:
    if ctx.ledger.get(store_id, amazon_id) is not None:
        ctx.ledger.update(store_id, amazon_id, store_code=store_code, command_id=cmd.event_id, state=state)


def cancel_order(ctx: WriterContext, cmd: MagentoCancelRequestedV1) -> Event:
    d = cmd.data
    code, number = d.target.magento_store_code, d.magento_order_number

    def answer(ok: bool, reason: str | None = None) -> Event:
        return results.canceled(
            cmd,
            MagentoOrderCanceledData(request_seq=d.request_seq, magento_order_number=number, ok=ok, reason=reason),
        )

    with ctx.ledger.order_lock(cmd.key):
        try:
            entity_id = _entity_id(ctx, d.target.store_id, d.amazon_order_id, code, number, d.magento_order_id)
            if entity_id is None:
                return answer(False, f"Magento order {number} was not found")
            try:
                before = _order(ctx, code, entity_id)
            except NotFound:
                _mark(ctx, cmd, d.target.store_id, d.amazon_order_id, code, "deleted")
                return answer(False, f"Magento order {number} no longer exists")
            if before.get("state") == "canceled":
                return answer(True)  # a redelivered command: already done
            ok = with_retries(ctx.policy, "order_cancel", lambda: ctx.client.cancel_order(code, entity_id))
            if not ok:
                return answer(
                    False,
                    f"Magento does not allow canceling an order in state "
                    f"{before.get('state') or 'unknown'} (status {before.get('status') or 'unknown'})",
                )
            _mark(ctx, cmd, d.target.store_id, d.amazon_order_id, code, "canceled")
            _comment(
                ctx,
                code,
                entity_id,
                f"Amazon order {d.amazon_order_id} was canceled on Amazon; Magento order canceled by Sales Channel.",
            )
            return answer(True)
        except RetriesExhausted as exc:
            return answer(False, exc.last.reason)
        except MagentoError as exc:
            return answer(False, exc.reason)


def _all(items: list[dict[str, Any]], field: str) -> bool:
    rows = [i for i in items if not i.get("parent_item_id")]
    return bool(rows) and all(float(i.get(field) or 0) >= float(i.get("qty_ordered") or 0) for i in rows)


def tracks_of(cmd: MagentoShipmentRequestedV1) -> tuple[ShipmentTrack, ...]:
    """The Amazon packages' carrier + tracking number the command carries. v1 commands carry none;
    a newer command version carrying ``data.tracks`` (tuple of ``ShipmentTrack``) is read as is."""
    tracks = getattr(cmd.data, "tracks", None)
    return tuple(t for t in tracks or () if isinstance(t, ShipmentTrack))


def ship_order(
    ctx: WriterContext, cmd: MagentoShipmentRequestedV1, tracks: tuple[ShipmentTrack, ...] | None = None
) -> Event:
    """Invoice and ship the whole order; the shipment carries ``tracks`` (default: the command's)."""
    d = cmd.data
    code, number = d.target.magento_store_code, d.magento_order_number
    magento_tracks = shipment_tracks(tracks_of(cmd) if tracks is None else tracks)

    def answer(invoiced: bool, shipped: bool, complete: bool, reason: str | None = None) -> Event:
        return results.shipped(
            cmd,
            MagentoOrderShippedData(
                request_seq=d.request_seq,
                magento_order_number=number,
                invoiced=invoiced,
                shipped=shipped,
                complete=complete,
                reason=reason,
            ),
        )

    with ctx.ledger.order_lock(cmd.key):
        invoiced = shipped = False
        try:
            entity_id = _entity_id(ctx, d.target.store_id, d.amazon_order_id, code, number, d.magento_order_id)
            if entity_id is None:
                return answer(False, False, False, f"Magento order {number} was not found")
            order = _order(ctx, code, entity_id)
            items = [i for i in order.get("items") or [] if isinstance(i, dict)]
            invoiced, shipped = _all(items, "qty_invoiced"), _all(items, "qty_shipped")
            if order.get("state") == "complete":
                return answer(True, True, True)
            if order.get("state") in CLOSED_STATES:
                return answer(invoiced, shipped, False, f"the Magento order is {order.get('state')}")
            if not invoiced:
                with_retries(ctx.policy, "order_invoice", lambda: ctx.client.invoice(code, entity_id))
                invoiced = True
            if not shipped:
                with_retries(
                    ctx.policy, "order_ship", lambda: ctx.client.ship(code, entity_id, tracks=magento_tracks)
                )
                shipped = True
            complete = _order(ctx, code, entity_id).get("state") == "complete"
            if complete:
                _mark(ctx, cmd, d.target.store_id, d.amazon_order_id, code, "complete")
            _comment(
                ctx,
                code,
                entity_id,
                f"Amazon order {d.amazon_order_id} was shipped on Amazon; invoiced and shipped by Sales Channel.",
            )
            return answer(invoiced, shipped, complete)
        except NotFound:
            return answer(invoiced, shipped, False, f"Magento order {number} no longer exists")
        except RetriesExhausted as exc:
            return answer(invoiced, shipped, False, exc.last.reason)
        except MagentoError as exc:
            return answer(invoiced, shipped, False, exc.reason)
