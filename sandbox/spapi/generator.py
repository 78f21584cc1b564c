"""Random but realistic orders: 3-7-7 order ids, 14-digit item ids, prices in the seller's currency."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from sandbox.spapi import catalog
from sandbox.spapi.model import SimAddress, SimBuyer, SimItem, SimOrder

CENT = Decimal("0.01")


@dataclass
class ItemSpec:
    """What a caller may pin down about an item; everything else is generated."""

    quantity: int = 1
    seller_sku: str | None = None
    title: str | None = None
    asin: str | None = None
    unit_price: Decimal | str | None = None
    """A decimal (or its string) in the marketplace currency."""


@dataclass
class OrderSpec:
    """What a caller may pin down about a new order; ``None`` means random."""

    fulfilled_by: str | None = None
    items: list[ItemSpec] | None = None
    programs: list[str] | None = None
    marketplace_id: str | None = None
    created_time: datetime | None = None
    order_id: str | None = None
    preorder: bool = False


class OrderFactory:
    def __init__(self, rng: random.Random, is_taken: Callable[[str], bool]) -> None:
        self._rng = rng
        self._is_taken = is_taken

    def order_id(self, prefixes: tuple[str, ...]) -> str:
        while True:
            candidate = (
                f"{self._rng.choice(prefixes)}-{self._rng.randrange(10**7):07d}"
                f"-{self._rng.randrange(10**7):07d}"
            )
            if not self._is_taken(candidate):
                return candidate

    def item_id(self) -> str:
        return f"{self._rng.randrange(10**13, 10**14)}"

    def new_order(
        self, seller_id: str, default_marketplace_id: str, now: datetime, spec: OrderSpec
    ) -> SimOrder:
        rng = self._rng
        market = catalog.marketplace(spec.marketplace_id or default_marketplace_id)
        fulfilled_by = spec.fulfilled_by or rng.choice(("MERCHANT", "MERCHANT", "AMAZON"))
        programs = list(spec.programs) if spec.programs is not None else self._random_programs()
        if spec.preorder and "PREORDER" not in programs:
            programs.append("PREORDER")
        business = "AMAZON_BUSINESS" in programs
        item_specs = spec.items or [
            ItemSpec(quantity=rng.choice((1, 1, 1, 2, 3))) for _ in range(rng.choice((1, 1, 1, 2, 3)))
        ]
        items = [self._item(item_spec, market) for item_spec in item_specs]
        created = (spec.created_time or now).replace(microsecond=0)
        first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
        company = rng.choice(catalog.COMPANIES) if business else None
        city, region, postal = rng.choice(catalog.CITIES)
        order_id = spec.order_id or self.order_id(market.order_id_prefixes)
        return SimOrder(
            order_id=order_id,
            seller_id=seller_id,
            marketplace_id=market.marketplace_id,
            currency=market.currency,
            created_time=created,
            last_updated_time=created,
            status="PENDING_AVAILABILITY" if spec.preorder else "PENDING",
            fulfilled_by=fulfilled_by,
            items=items,
            buyer=SimBuyer(
                name=f"{first} {last}",
                email=f"{''.join(rng.choices('abcdefghijklmnopqrstuvwxyz0123456789', k=16))}"
                "@marketplace.amazon.com",
                company_name=company,
                purchase_order_number=f"PO-{rng.randrange(10**6):06d}" if business else None,
            ),
            address=SimAddress(
                name=f"{first} {last}",
                address_line1=f"{rng.randrange(1, 9999)} {rng.choice(catalog.STREETS)}",
                city=city,
                state_or_region=region,
                postal_code=postal,
                country_code=market.country,
                phone=f"+1 206-555-{rng.randrange(10**4):04d}",
                company_name=company,
                address_type="COMMERCIAL" if business else "RESIDENTIAL",
            ),
            programs=programs,
            service_level=rng.choice(catalog.SERVICE_LEVELS),
            seller_order_id=f"SO-{rng.randrange(10**8):08d}" if fulfilled_by == "MERCHANT" else None,
        )

    def _random_programs(self) -> list[str]:
        programs = []
        if self._rng.random() < 0.4:
            programs.append("PRIME")
        if self._rng.random() < 0.1:
            programs.append("AMAZON_BUSINESS")
        return programs

    def _item(self, spec: ItemSpec, market: catalog.Marketplace) -> SimItem:
        product = self._rng.choice(catalog.PRODUCTS)
        if spec.unit_price is not None:
            unit_price = Decimal(str(spec.unit_price))
        elif market.currency == "JPY":
            unit_price = (product.price * 150).quantize(Decimal("1"))
        else:
            unit_price = product.price
        unit_price = unit_price.quantize(CENT, ROUND_HALF_UP)
        line = unit_price * spec.quantity
        return SimItem(
            order_item_id=self.item_id(),
            asin=spec.asin or product.asin,
            seller_sku=spec.seller_sku or product.sku,
            title=spec.title or product.title,
            quantity_ordered=spec.quantity,
            unit_price=unit_price,
            item_tax=(line * Decimal("0.08")).quantize(CENT, ROUND_HALF_UP),
            shipping_price=Decimal("4.99") if self._rng.random() < 0.3 else Decimal("0.00"),
        )

    def package_parts(self) -> tuple[str, str, str]:
        carrier, service, prefix = self._rng.choice(catalog.CARRIERS)
        tracking = prefix + "".join(self._rng.choices("0123456789", k=16))
        return carrier, service, tracking

    def cancel_reason(self) -> str:
        return self._rng.choice(catalog.CANCEL_REASONS)
