"""Pure: which fields of an order are buyer PII, and one function applied to each of them.

PII (Orders v2026-01-01, Amazon's Data Protection Policy): buyer name, email and company, the
ship-to name, company, street lines and postal code, gift messages, a buyer tax registration's
number, legal name and address, the delivery phone and the buyer's delivery instructions (drop-off
location, address instruction). City, region and country stay clear (shipping and tax need them,
and they name no one). ``minimised`` drops what no downstream service reads (issue 20: events carry
only what a downstream service uses): of the delivery preferences, the capabilities, business hours
and exception dates. The Magento writer maps the phone (address telephone) and the instructions
(an order comment), so they are kept, sealed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from schemas.events.poller import DeliveryPreferences, DetailedAmazonOrder, DetailedOrderItem, TaxRegistration
from schemas.types import Address, AmazonOrder

Transform = Callable[[str], str | None]
OrderT = TypeVar("OrderT", bound=AmazonOrder)


def _opt(value: str | None, f: Transform) -> str | None:
    return f(value) if value else value


def _address(address: Address | None, f: Transform) -> Address | None:
    if address is None:
        return None
    lines = tuple(line for line in (f(x) for x in address.lines) if line)
    return address.model_copy(update={"name": _opt(address.name, f), "company": _opt(address.company, f),
                                      "lines": lines, "postal_code": _opt(address.postal_code, f)})


def _item(item: DetailedOrderItem, f: Transform) -> DetailedOrderItem:
    if item.gift is None or not item.gift.message:
        return item
    return item.model_copy(update={"gift": item.gift.model_copy(update={"message": f(item.gift.message)})})


def _registration(reg: TaxRegistration, f: Transform) -> TaxRegistration:
    if reg.entity_type != "BUYER" and reg.legal_name is None and reg.address is None:
        return reg
    number = _opt(reg.number, f) if reg.entity_type == "BUYER" else reg.number
    return reg.model_copy(update={"number": number, "legal_name": _opt(reg.legal_name, f),
                                  "address": _address(reg.address, f)})


def _preferences(prefs: DeliveryPreferences | None, f: Transform) -> DeliveryPreferences | None:
    if prefs is None:
        return None
    return prefs.model_copy(update={"drop_off_location": _opt(prefs.drop_off_location, f),
                                    "address_instruction": _opt(prefs.address_instruction, f)})


def transform(order: OrderT, f: Transform) -> OrderT:
    """``order`` with ``f`` applied to every PII string (``f`` returning None removes the value)."""
    update: dict[str, object] = {"buyer_name": _opt(order.buyer_name, f), "buyer_email": _opt(order.buyer_email, f),
                                 "ship_to": _address(order.ship_to, f)}
    if isinstance(order, DetailedAmazonOrder):
        update |= {"buyer_company_name": _opt(order.buyer_company_name, f),
                   "items": tuple(_item(i, f) for i in order.items),
                   "tax_registrations": tuple(_registration(r, f) for r in order.tax_registrations),
                   "delivery_phone": _opt(order.delivery_phone, f),
                   "delivery_preferences": _preferences(order.delivery_preferences, f)}
    return order.model_copy(update=update)


def minimised(order: DetailedAmazonOrder) -> DetailedAmazonOrder:
    """What downstream services read: the delivery phone and instructions (the Magento writer maps
    them), not the delivery capabilities, business hours or exception dates (nothing reads them)."""
    prefs = order.delivery_preferences
    if prefs is None:
        return order
    kept = DeliveryPreferences(drop_off_location=prefs.drop_off_location, address_instruction=prefs.address_instruction)
    return order.model_copy(update={"delivery_preferences": kept if kept != DeliveryPreferences() else None})


def _address_values(address: Address | None) -> Iterator[str | None]:
    if address is not None:
        yield from (address.name, address.company, *address.lines, address.postal_code)


def pii_values(order: AmazonOrder) -> Iterator[str]:
    """Every PII string of ``order``, in ``transform``'s order, without copying anything."""
    values: list[str | None] = [order.buyer_name, order.buyer_email, *_address_values(order.ship_to)]
    if isinstance(order, DetailedAmazonOrder):
        values.append(order.buyer_company_name)
        values += [i.gift.message for i in order.items if i.gift is not None]
        for reg in order.tax_registrations:
            values += [reg.number if reg.entity_type == "BUYER" else None, reg.legal_name,
                       *_address_values(reg.address)]
        values.append(order.delivery_phone)
        if order.delivery_preferences is not None:
            values += [order.delivery_preferences.drop_off_location, order.delivery_preferences.address_instruction]
    yield from (v for v in values if v)
