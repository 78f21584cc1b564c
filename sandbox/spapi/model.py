"""The simulator's own order records (not the wire format; see ``render``)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

FULFILLMENT_STATUSES = (
    "PENDING_AVAILABILITY",
    "PENDING",
    "UNSHIPPED",
    "PARTIALLY_SHIPPED",
    "SHIPPED",
    "CANCELLED",
    "UNFULFILLABLE",
)
FULFILLED_BY = ("MERCHANT", "AMAZON")
INCLUDED_DATA = (
    "BUYER",
    "RECIPIENT",
    "PROCEEDS",
    "EXPENSE",
    "PROMOTION",
    "CANCELLATION",
    "FULFILLMENT",
    "PACKAGES",
    "TAX",
    "PAYMENT",
    "FULFILLMENT_ORDERS",
)
ORDER_PROGRAMS = (
    "AMAZON_BAZAAR",
    "AMAZON_BUSINESS",
    "AMAZON_EASY_SHIP",
    "AMAZON_HAUL",
    "DELIVERY_BY_AMAZON",
    "FBM_SHIP_PLUS",
    "INVOICE_BY_AMAZON",
    "IN_STORE_PICK_UP",
    "PREMIUM",
    "PREORDER",
    "PRIME",
)
PRE_PAYMENT_STATUSES = frozenset({"PENDING_AVAILABILITY", "PENDING"})
TERMINAL_STATUSES = frozenset({"SHIPPED", "CANCELLED", "UNFULFILLABLE"})


@dataclass
class SimItem:
    order_item_id: str
    asin: str
    seller_sku: str
    title: str
    quantity_ordered: int
    unit_price: Decimal
    item_tax: Decimal = Decimal("0.00")
    shipping_price: Decimal = Decimal("0.00")
    quantity_shipped: int = 0
    condition_type: str = "NEW"
    cancel_request_reason: str | None = None

    @property
    def quantity_unshipped(self) -> int:
        return self.quantity_ordered - self.quantity_shipped


@dataclass
class SimPackage:
    package_reference_id: str
    created_time: datetime
    carrier: str
    shipping_service: str
    tracking_number: str
    items: list[tuple[str, int]]


@dataclass
class SimAddress:
    name: str
    address_line1: str
    city: str
    state_or_region: str
    postal_code: str
    country_code: str
    phone: str
    company_name: str | None = None
    address_line2: str | None = None
    address_type: str = "RESIDENTIAL"


@dataclass
class SimBuyer:
    name: str
    email: str
    company_name: str | None = None
    purchase_order_number: str | None = None


@dataclass
class SimOrder:
    """One order's full state. Transitions copy it (copy-on-write) so older versions can stay
    visible to searchOrders while an update is "late"."""

    order_id: str
    seller_id: str
    marketplace_id: str
    currency: str
    created_time: datetime
    last_updated_time: datetime
    status: str
    fulfilled_by: str
    items: list[SimItem]
    buyer: SimBuyer
    address: SimAddress
    programs: list[str] = field(default_factory=list)
    service_level: str = "STANDARD"
    seller_order_id: str | None = None
    packages: list[SimPackage] = field(default_factory=list)
    cancelled_by: str | None = None
    cancel_reason: str | None = None
    priced: bool = False
    """Set once the order has left PENDING: prices, buyer and address are known from then on."""

    @property
    def is_open(self) -> bool:
        return self.status not in TERMINAL_STATUSES

    def clone(self) -> SimOrder:
        """A copy transitions may change: items and lists are copied; buyer, address and
        packages are never changed in place, so they are shared."""
        new = copy.copy(self)
        new.items = [copy.copy(item) for item in self.items]
        new.programs = list(self.programs)
        new.packages = list(self.packages)
        return new
