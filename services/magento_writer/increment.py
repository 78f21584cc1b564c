"""Magento increment ids derived from the Amazon order number (order number source "amazon").

The id is ``<prefix><Amazon order number>``; the prefix is chosen by kind, FBA first, then
Business, then Prime, else general. Magento's unique ``(increment_id, store_id)`` key then makes a
second Magento order for one Amazon order impossible."""

from __future__ import annotations

from schemas.types import AmazonOrder, FulfillmentChannel, OrderSettings

MAX_INCREMENT_ID = 50  # sales_order.increment_id is varchar(50)


class IncrementIdTooLong(ValueError):
    pass


def order_prefix(order: AmazonOrder, settings: OrderSettings) -> str:
    if order.fulfillment_channel == FulfillmentChannel.AMAZON and settings.prefix_fba:
        return settings.prefix_fba
    if order.is_business and settings.prefix_business:
        return settings.prefix_business
    if order.is_prime and settings.prefix_prime:
        return settings.prefix_prime
    return settings.prefix_general


def derive_increment_id(order: AmazonOrder, settings: OrderSettings) -> str:
    value = f"{order_prefix(order, settings).strip()}{order.amazon_order_id.strip()}"
    if len(value) > MAX_INCREMENT_ID:
        raise IncrementIdTooLong(f"order number {value} is longer than {MAX_INCREMENT_ID} characters")
    return value


def increment_id_for(order: AmazonOrder, settings: OrderSettings) -> str | None:
    """The increment id to send, or None when Magento's own sequence numbers the order."""
    return derive_increment_id(order, settings) if settings.order_number_source == "amazon" else None
