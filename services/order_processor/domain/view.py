"""The Orders-tab view of an order, built from its state."""

from __future__ import annotations

from schemas.events.lifecycle import OrderView
from schemas.types import AmazonOrder
from services.order_processor.domain.state import OrderState
from services.order_processor.domain.status import tab_status


def build_view(state: OrderState, order: AmazonOrder, version: int) -> OrderView:
    return OrderView(
        version=version,
        store_id=state.store_id,
        amazon_order_id=state.amazon_order_id,
        order_id=state.order_id,
        merchant_id=state.merchant_id,
        on_tab=state.on_tab,
        status=tab_status(order.status, state.magento_complete),
        amazon_status=order.status,
        fulfillment_channel=order.fulfillment_channel,
        is_prime=order.is_prime,
        is_business=order.is_business,
        buyer_name=order.buyer_name,
        buyer_email=order.buyer_email,
        total=order.order_total,
        items_shipped=order.items_shipped,
        items_unshipped=order.items_unshipped,
        reserved=state.reserved,
        purchase_date=order.purchase_date,
        latest_ship_date=order.latest_ship_date,
        last_updated=order.last_updated,
        magento_state=state.magento_state,
        magento_order_number=state.magento_order_number,
        magento_order_id=state.magento_order_id,
        last_action=state.last_action,
        items=order.items,
    )


def view_inputs(state: OrderState) -> tuple[object, ...]:
    """Everything the view is built from: equal inputs mean an identical view."""
    return (state.order, state.merchant_id, state.on_tab, state.reserved, state.magento_state,
            state.magento_order_number, state.magento_order_id, state.magento_complete, state.last_action)
