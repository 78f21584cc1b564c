"""Cancel and ship existing Magento orders. Each command leaves a comment carrying the order's
current status (Magento copies a comment's status onto the order, so it must be the current one).

A cancel, invoice or ship call that failed or was refused may still have committed (its answer was
lost and the retry met Magento's refusal): the order is read again and ``outcomes`` decides from
what Magento holds. The result carries that state (``magento_state``); an effect already present is
recorded as done in the ledger."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from schemas.envelope import Event
from schemas.events.lifecycle import MagentoCancelRequestedV1, MagentoShipmentRequestedV1
from schemas.events.magento import MagentoOrderCanceledDataV2, MagentoOrderShippedDataV2
from schemas.types import ShipmentTrack
from services.common.logging import get_logger
from services.common.retry import RetriesExhausted
from services.magento_writer import results
from services.magento_writer.context import WriterContext
from services.magento_writer.magento.errors import MagentoError, NotFound
from services.magento_writer.outcomes import OrderFacts, cancel_outcome, ship_outcome
from services.magento_writer.payload import shipment_tracks
from services.magento_writer.retry import with_retries

log = get_logger(__name__)
T = TypeVar("T")


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


def _facts(ctx: WriterContext, store_code: str, entity_id: int) -> OrderFacts:
    return OrderFacts.of(_order(ctx, store_code, entity_id))


def _attempt(ctx: WriterContext, route: str, call: Callable[[], T]) -> tuple[T | None, MagentoError | None]:
    """A mutating call under the writer's retry policy: its answer, or the error it ended with
    (``NotFound`` is raised: the order is gone)."""
    try:
        return with_retries(ctx.policy, route, call), None
    except RetriesExhausted as exc:
        return None, exc.last
    except NotFound:
        raise
    except MagentoError as exc:
        return None, exc


def _comment(ctx: WriterContext, store_code: str, entity_id: int, text: str) -> None:
    """Best effort: the comment records what happened; its failure does not undo the action."""
    try:
        status = _order(ctx, store_code, entity_id).get("status")
        with_retries(ctx.policy, "order_comment", lambda: ctx.client.add_comment(store_code, entity_id, text, status))
    except (MagentoError, RetriesExhausted) as exc:
        log.warning("comment_failed", entity_id=entity_id, error=str(exc))


def _mark(ctx: WriterContext, cmd: Event, store_id: str, amazon_id: str, store_code: str, state: str) -> None:
    row = ctx.ledger.get(store_id, amazon_id)
    if row is not None and row.state != state:
        ctx.ledger.update(store_id, amazon_id, store_code=store_code, command_id=cmd.event_id, state=state)


def _record(ctx: WriterContext, cmd: Event, store_id: str, amazon_id: str, store_code: str, facts: OrderFacts) -> None:
    """The ledger follows what Magento holds: canceled or complete."""
    if facts.canceled or facts.complete:
        _mark(ctx, cmd, store_id, amazon_id, store_code, facts.state or "")


def cancel_order(ctx: WriterContext, cmd: MagentoCancelRequestedV1) -> Event:
    d = cmd.data
    store_id, amazon_id = d.target.store_id, d.amazon_order_id
    code, number = d.target.magento_store_code, d.magento_order_number

    def answer(ok: bool, reason: str | None = None, state: str | None = None) -> Event:
        return results.canceled(
            cmd,
            MagentoOrderCanceledDataV2(
                request_seq=d.request_seq, magento_order_number=number, ok=ok, reason=reason, magento_state=state
            ),
        )

    with ctx.ledger.order_lock(cmd.key):
        try:
            entity_id = _entity_id(ctx, store_id, amazon_id, code, number, d.magento_order_id)
            if entity_id is None:
                return answer(False, f"Magento order {number} was not found")
            try:
                before = _facts(ctx, code, entity_id)
            except NotFound:
                _mark(ctx, cmd, store_id, amazon_id, code, "deleted")
                return answer(False, f"Magento order {number} no longer exists")
            if before.canceled:  # a redelivered command: already done
                _record(ctx, cmd, store_id, amazon_id, code, before)
                return answer(True, state=before.state)
            ok, error = _attempt(ctx, "order_cancel", lambda: ctx.client.cancel_order(code, entity_id))
            # true: canceled. False or an error: its answer may belong to a retry of a call that
            # committed; Magento's state now decides.
            after = replace(before, state="canceled", status=None) if ok else _facts(ctx, code, entity_id)
            outcome = cancel_outcome(after, error)
            _record(ctx, cmd, store_id, amazon_id, code, after)
            if outcome.ok:
                _comment(
                    ctx,
                    code,
                    entity_id,
                    f"Amazon order {amazon_id} was canceled on Amazon; Magento order canceled by Sales Channel.",
                )
            return answer(outcome.ok, outcome.reason, after.state)
        except NotFound:
            _mark(ctx, cmd, store_id, amazon_id, code, "deleted")
            return answer(False, f"Magento order {number} no longer exists")
        except RetriesExhausted as exc:
            return answer(False, exc.last.reason)
        except MagentoError as exc:
            return answer(False, exc.reason)


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
    store_id, amazon_id = d.target.store_id, d.amazon_order_id
    code, number = d.target.magento_store_code, d.magento_order_number
    magento_tracks = shipment_tracks(tracks_of(cmd) if tracks is None else tracks)

    def answer(
        invoiced: bool, shipped: bool, complete: bool, reason: str | None = None, state: str | None = None
    ) -> Event:
        return results.shipped(
            cmd,
            MagentoOrderShippedDataV2(
                request_seq=d.request_seq,
                magento_order_number=number,
                invoiced=invoiced,
                shipped=shipped,
                complete=complete,
                reason=reason,
                magento_state=state,
            ),
        )

    def settle(facts: OrderFacts, error: MagentoError | None, acted: bool) -> Event:
        outcome = ship_outcome(facts, error)
        _record(ctx, cmd, store_id, amazon_id, code, facts)
        if acted and (outcome.invoiced or outcome.shipped):
            _comment(
                ctx,
                code,
                entity_id,
                f"Amazon order {amazon_id} was shipped on Amazon; invoiced and shipped by Sales Channel.",
            )
        return answer(outcome.invoiced, outcome.shipped, outcome.complete, outcome.reason, facts.state)

    with ctx.ledger.order_lock(cmd.key):
        invoiced = shipped = False
        try:
            found = _entity_id(ctx, store_id, amazon_id, code, number, d.magento_order_id)
            if found is None:
                return answer(False, False, False, f"Magento order {number} was not found")
            entity_id = found
            facts = _facts(ctx, code, entity_id)
            invoiced, shipped = facts.invoiced, facts.shipped
            if facts.complete or facts.closed:  # done already, or can never be
                return settle(facts, None, acted=False)
            error: MagentoError | None = None
            if not invoiced:
                _, error = _attempt(ctx, "order_invoice", lambda: ctx.client.invoice(code, entity_id))
                if error is not None:  # maybe committed: what does Magento hold?
                    facts = _facts(ctx, code, entity_id)
                    invoiced, shipped = facts.invoiced, facts.shipped
                    if not invoiced or facts.complete or facts.closed:
                        return settle(facts, error, acted=invoiced)
                invoiced = True
            if not shipped:
                _, error = _attempt(ctx, "order_ship", lambda: ctx.client.ship(code, entity_id, tracks=magento_tracks))
                shipped = error is None
            return settle(_facts(ctx, code, entity_id), error, acted=True)
        except NotFound:
            return answer(invoiced, shipped, False, f"Magento order {number} no longer exists")
        except RetriesExhausted as exc:
            return answer(invoiced, shipped, False, exc.last.reason)
        except MagentoError as exc:
            return answer(invoiced, shipped, False, exc.reason)
