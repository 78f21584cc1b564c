"""Create the Magento order of an Amazon order, at most once ever.

An item Amazon sent without a seller SKU fails the order at once ("Cannot create sales order: Amazon
order item <id> has no seller SKU"): the order itself is tracked as usual (dead letters are for what
the lifecycle cannot decide), and a later fact with the SKU re-requests it.

Ledger first ("attempting" before the call, the outcome after); on any uncertainty (ledger row
exists, an earlier attempt timed out, order number from Magento's sequence) look the order up by
``ext_order_id`` before creating. With Amazon order numbers, Magento's unique
``(increment_id, store_id)`` turns a lost race into "Unique constraint violation" → read it back.
A ledger "created" whose Magento order answers 404 was deleted by the merchant: never recreated."""

from __future__ import annotations

from schemas.envelope import Event
from schemas.events.lifecycle import MagentoOrderRequestedV1
from schemas.events.magento import MagentoOrderCreatedData, MagentoOrderDeletedData, MagentoOrderFailedData
from services.common.logging import get_logger
from services.common.retry import RetriesExhausted, retry_call
from services.magento_writer import metrics, results
from services.magento_writer.context import WriterContext
from services.magento_writer.customers import customer_for, wants_account
from services.magento_writer.handlers.reservations import handover
from services.magento_writer.increment import IncrementIdTooLong, increment_id_for
from services.magento_writer.ledger import OrderRecord
from services.magento_writer.magento.client import OrderRef
from services.magento_writer.magento.errors import (
    AuthError,
    BusinessError,
    MagentoError,
    NotFound,
    UniqueViolation,
    business_reason_class,
)
from services.magento_writer.payload import OrderOptions, build_order_entity, missing_skus, money_currency
from services.magento_writer.retry import retryable, with_retries

log = get_logger(__name__)
EXISTING_STATES = ("created", "canceled", "complete")


def create_order(ctx: WriterContext, cmd: MagentoOrderRequestedV1) -> Event:
    with ctx.ledger.locked_order(cmd.key, cmd.data.target.store_id, cmd.data.order.amazon_order_id) as row:
        return _create_locked(ctx, cmd, row)


def _create_locked(ctx: WriterContext, cmd: MagentoOrderRequestedV1, row: OrderRecord | None) -> Event:
    if row and row.state == "deleted":
        return _deleted(cmd, row.increment_id or "")
    try:
        if row and row.state in EXISTING_STATES and row.entity_id is not None:
            return _verify_existing(ctx, cmd, row.entity_id, row.increment_id or "")
        return _create_new(ctx, cmd, uncertain=row is not None)
    except RetriesExhausted as exc:
        return _fail(ctx, cmd, exc.last, exc.attempts)
    except MagentoError as exc:
        return _fail(ctx, cmd, exc, 1)


def _verify_existing(ctx: WriterContext, cmd: MagentoOrderRequestedV1, entity_id: int, number: str) -> Event:
    d = cmd.data
    try:
        ref = with_retries(
            ctx.policy, "order_get", lambda: ctx.client.get_order(d.target.magento_store_code, entity_id)
        )
    except NotFound:
        ctx.ledger.update(
            d.target.store_id,
            d.order.amazon_order_id,
            store_code=d.target.magento_store_code,
            command_id=cmd.event_id,
            state="deleted",
        )
        return _deleted(cmd, number)
    return _created(ctx, cmd, ref, "found")


def _lookup(ctx: WriterContext, cmd: MagentoOrderRequestedV1, store_num: int | None) -> OrderRef | None:
    d = cmd.data
    found = ctx.client.find_orders(d.target.magento_store_code, "ext_order_id", d.order.amazon_order_id, store_num)
    return found[0] if found else None


def _create_new(ctx: WriterContext, cmd: MagentoOrderRequestedV1, uncertain: bool) -> Event:
    d = cmd.data
    store_id, amazon_id, code = d.target.store_id, d.order.amazon_order_id, d.target.magento_store_code
    try:
        increment_id = increment_id_for(d.order, d.target.settings)
    except IncrementIdTooLong as exc:
        return _fail(ctx, cmd, BusinessError(str(exc)), 1)
    if missing := missing_skus(d.order):  # Magento needs a SKU per item; a retry does not change that
        items = ", ".join(missing)
        return _fail(ctx, cmd, BusinessError(f"Amazon order item {items} has no seller SKU"), 1)
    by_sequence = increment_id is None
    tries = 0

    def attempt() -> Event:
        nonlocal tries, uncertain
        tries += 1
        store_num = ctx.client.store_id(code)
        if uncertain or by_sequence:
            existing = _lookup(ctx, cmd, store_num)
            if existing is not None:
                return _created(ctx, cmd, existing, "found")
        skus = [i.sku for i in d.order.items if i.quantity_ordered > 0]
        if not skus:
            raise BusinessError("the Amazon order has no items to order")
        product_ids = ctx.catalog.product_ids(code, skus)
        store = ctx.directory.facts(code, money_currency(d.order))  # base currency, rate, regions
        customer = customer_for(ctx.client, code, d.order) if wants_account(d.order, d.target.settings) else None
        entity = build_order_entity(
            d.order,
            d.target,
            OrderOptions(
                ctx.payment_method,
                ctx.shipping_method,
                store_num,
                increment_id,
                customer_id=customer.id if customer else None,
                customer_group_id=customer.group_id if customer else None,
                base_currency_code=store.base_currency_code,
                base_to_order_rate=store.base_to_order_rate,
                regions=store.regions,
            ),
            product_ids,
        )
        ctx.ledger.update(
            store_id,
            amazon_id,
            store_code=code,
            command_id=cmd.event_id,
            state="attempting",
            increment_id=increment_id,
            attempts_inc=1,
        )
        uncertain = True  # from here on, an error leaves us unsure whether Magento committed
        try:
            ref = ctx.client.create_order(code, entity)
        except UniqueViolation:
            if by_sequence:
                raise
            found = ctx.client.find_orders(code, "increment_id", increment_id or "", store_num)
            if not found:
                raise
            return _created(ctx, cmd, found[0], "found")
        return _created(ctx, cmd, ref, "created")

    def on_retry(number: int, exc: BaseException, _wait: float) -> None:
        route = exc.route if isinstance(exc, MagentoError) else ""
        metrics.RETRIES.labels(route or "order_create").inc()
        log.info("create_retry", key=cmd.key, attempt=number, error=str(exc))

    try:  # the whole sequence is one attempt: a retry looks the order up again first
        return retry_call(ctx.policy, attempt, retry_on=retryable, on_retry=on_retry)
    except RetriesExhausted as exc:
        return _fail(ctx, cmd, exc.last, exc.attempts)
    except MagentoError as exc:
        return _fail(ctx, cmd, exc, tries)


def _created(ctx: WriterContext, cmd: MagentoOrderRequestedV1, ref: OrderRef, outcome: str) -> Event:
    d = cmd.data
    store_id, amazon_id, code = d.target.store_id, d.order.amazon_order_id, d.target.magento_store_code
    reservation = ctx.ledger.record_created(
        store_id,
        amazon_id,
        store_code=code,
        command_id=cmd.event_id,
        increment_id=ref.increment_id,
        entity_id=ref.entity_id,
        stock_id=d.target.magento_stock_id,
    )
    if outcome == "created":
        metrics.ORDERS_CREATED.labels(store_id).inc()
    handover(ctx, cmd.key, store_id, amazon_id, code, reservation)
    return results.created(
        cmd,
        MagentoOrderCreatedData(
            request_seq=d.request_seq,
            magento_order_number=ref.increment_id,
            magento_order_id=ref.entity_id,
            magento_store_code=code,
            outcome="created" if outcome == "created" else "found",
        ),
    )


def _deleted(cmd: MagentoOrderRequestedV1, number: str) -> Event:
    return results.deleted(cmd, MagentoOrderDeletedData(request_seq=cmd.data.request_seq, magento_order_number=number))


def _fail(ctx: WriterContext, cmd: MagentoOrderRequestedV1, exc: MagentoError, attempts: int) -> Event:
    d = cmd.data
    retryable = exc.retryable or isinstance(exc, AuthError)  # a fixed configuration lets a retry pass
    current = ctx.ledger.get(d.target.store_id, d.order.amazon_order_id)
    if current is None or current.state not in EXISTING_STATES:
        ctx.ledger.update(
            d.target.store_id,
            d.order.amazon_order_id,
            store_code=d.target.magento_store_code,
            command_id=cmd.event_id,
            state="failed",
            last_error=exc.reason,
        )
    metrics.FAILURES.labels(d.target.store_id, business_reason_class(exc)).inc()
    log.warning("create_failed", key=cmd.key, reason=exc.reason, retryable=retryable, http_status=exc.http_status)
    return results.failed(
        cmd,
        MagentoOrderFailedData(
            request_seq=d.request_seq,
            reason=exc.reason,
            retryable=retryable,
            attempts=max(attempts, 1),
            http_status=exc.http_status,
        ),
    )
