"""Order log wording (SPEC §4, the seed's phrases)."""

from __future__ import annotations

from schemas.events.requests import RequestedVia
from schemas.types import TabStatus

IMPORTED = "Order imported from Amazon."
INVENTORY_RESERVED = "Inventory reserved."
INVENTORY_RELEASED = "Reserved inventory released."
INVOICED = "Invoice created for Amazon marketplace order."
AMAZON_CANCELED = "Amazon order canceled."
COMPLETED = "Status updated to completed."


def _reason(reason: str | None) -> str:
    text = (reason or "unknown error").strip()
    return text[:-1] if text.endswith(".") else text


def status_updated(status: TabStatus) -> str:
    return f"Status updated to {status.value}."


def reservation_failed(reason: str | None) -> str:
    return f"Unable to reserve inventory: {_reason(reason)}."


def magento_created(number: str) -> str:
    return f"Magento order {number} was created."


def magento_failed(reason: str | None) -> str:
    return f"Cannot create sales order: {_reason(reason)}."


def retry_requested(name: str, via: RequestedVia) -> str:
    """SPEC §11: who asked for the Magento order again (a CLI request names its system account)."""
    return f"Retry requested by {name}{' (command line)' if via is RequestedVia.CLI else ''}."


def magento_canceled(number: str) -> str:
    return f"Magento order {number} was canceled."


def magento_cancel_failed(number: str, reason: str | None) -> str:
    return f"Magento order {number} could not be canceled: {_reason(reason)}."


def magento_ship_failed(number: str, reason: str | None) -> str:
    """SPEC §4 has no entry for it: worded as the cancel failure is."""
    return f"Magento order {number} could not be shipped: {_reason(reason)}."


def magento_deleted(number: str) -> str:
    return f"Magento order {number} was deleted."


def shipment_confirmed(carrier: str, tracking_number: str) -> str:
    """Issue 18: a Magento shipment's package, as Amazon now holds it."""
    return f"Shipment confirmed to Amazon ({carrier} {tracking_number})."


def shipment_not_confirmed(reason: str | None) -> str:
    return f"Could not confirm shipment to Amazon: {_reason(reason)}."


CANCELLATION_SENT = "Cancellation sent to Amazon."
CANCELLATION_ACCEPTED = "Amazon accepted the cancellation."


def cancellation_refused(reason: str | None) -> str:
    return f"Amazon refused the cancellation: {_reason(reason)}."
