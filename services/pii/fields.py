"""Pure: which fields of an order are buyer PII, and one function applied to each of them.

PII (Orders v2026-01-01, Amazon's Data Protection Policy): buyer name, email and company, the
ship-to name, company, street lines and postal code, gift messages, and a buyer tax registration's
number, legal name and address. City, region and country stay clear (shipping and tax need them,
and they name no one). ``minimised`` drops what no downstream service reads: the delivery phone and
the buyer's delivery instructions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from schemas.events.poller import DetailedAmazonOrder, DetailedOrderItem, TaxRegistration
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


def transform(order: OrderT, f: Transform) -> OrderT:
    """``order`` with ``f`` applied to every PII string (``f`` returning None removes the value)."""
    update: dict[str, object] = {"buyer_name": _opt(order.buyer_name, f), "buyer_email": _opt(order.buyer_email, f),
                                 "ship_to": _address(order.ship_to, f)}
    if isinstance(order, DetailedAmazonOrder):
        update |= {"buyer_company_name": _opt(order.buyer_company_name, f),
                   "items": tuple(_item(i, f) for i in order.items),
                   "tax_registrations": tuple(_registration(r, f) for r in order.tax_registrations)}
    return order.model_copy(update=update)


def minimised(order: DetailedAmazonOrder) -> DetailedAmazonOrder:
    """What downstream services read: no delivery phone, no delivery instructions."""
    return order.model_copy(update={"delivery_phone": None, "delivery_preferences": None})


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
    yield from (v for v in values if v)
