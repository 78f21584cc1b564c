"""Value types shared by the event payloads. Our own enums: Amazon's spellings are mapped
to these at the poller's edge, so nothing downstream depends on an API version."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_serializer, field_validator

from schemas.envelope import Model


class AmazonStatus(StrEnum):
    PENDING_AVAILABILITY = "PENDING_AVAILABILITY"
    PENDING = "PENDING"
    UNSHIPPED = "UNSHIPPED"
    PARTIALLY_SHIPPED = "PARTIALLY_SHIPPED"
    SHIPPED = "SHIPPED"
    INVOICE_UNCONFIRMED = "INVOICE_UNCONFIRMED"
    CANCELED = "CANCELED"
    UNFULFILLABLE = "UNFULFILLABLE"


class FulfillmentChannel(StrEnum):
    MERCHANT = "MERCHANT"
    AMAZON = "AMAZON"


class TabStatus(StrEnum):
    """Status shown on the Orders tab (SPEC §3)."""

    PENDING = "Pending"
    UNSHIPPED = "Unshipped"
    PARTIALLY_SHIPPED = "Partially Shipped"
    SHIPPED = "Shipped"
    CANCELED = "Canceled"
    COMPLETED = "Completed"


class MagentoState(StrEnum):
    NONE = "none"  # no Magento order wanted (yet)
    REQUESTED = "requested"
    CREATED = "created"
    FAILED = "failed"
    DELETED = "deleted"  # deleted by the merchant: never recreated
    CANCELED = "canceled"
    COMPLETE = "complete"


class Money(Model):
    amount: Decimal
    currency: str = Field(min_length=3, max_length=3)

    @field_serializer("amount")
    def _amount(self, value: Decimal) -> str:
        return str(value)


class Address(Model):
    """Shipping address, minimised: no phone number is carried on topics."""

    name: str | None = None
    company: str | None = None
    lines: tuple[str, ...] = ()
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country_code: str | None = None
    address_type: str | None = None


class OrderItem(Model):
    order_item_id: str
    sku: str
    asin: str | None = None
    title: str | None = None
    quantity_ordered: int = Field(ge=0)
    quantity_shipped: int = Field(ge=0, default=0)
    unit_price: Money | None = None
    buyer_cancel_requested: bool = False


class ShipmentTrack(Model):
    """A package Amazon reports for a merchant-fulfilled order: its carrier and tracking number only
    (no ship-from address, no item list, no timestamps: what a Magento shipment's track needs)."""

    carrier: str = Field(min_length=1)
    tracking_number: str = Field(min_length=1)


class AmazonOrder(Model):
    """Normalised Amazon order as the poller saw it. PII is limited to what a Magento
    order and the Orders tab need: buyer name and (Amazon's relay) email, ship-to address."""

    amazon_order_id: str
    marketplace_id: str
    status: AmazonStatus
    fulfillment_channel: FulfillmentChannel
    purchase_date: datetime
    last_updated: datetime
    latest_ship_date: datetime | None = None
    is_prime: bool = False
    is_business: bool = False
    is_premium: bool = False
    order_total: Money | None = None
    shipping_total: Money | None = None
    buyer_name: str | None = None
    buyer_email: str | None = None
    ship_to: Address | None = None
    items: tuple[OrderItem, ...] = ()

    @field_serializer("purchase_date", "last_updated", "latest_ship_date")
    def _iso(self, value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    @property
    def items_shipped(self) -> int:
        return sum(i.quantity_shipped for i in self.items)

    @property
    def items_unshipped(self) -> int:
        return sum(max(i.quantity_ordered - i.quantity_shipped, 0) for i in self.items)

    @property
    def buyer_cancel_requested(self) -> bool:
        return any(i.buyer_cancel_requested for i in self.items)


class OrderSettings(Model):
    """A store's order settings (SPEC §1), defaults first."""

    import_orders: bool = True
    initial_import: Literal["unshipped_at_integration", "none"] = "unshipped_at_integration"
    reserve_pending: bool = True
    reservation_expiry_days: int | None = Field(default=None, ge=1, le=14)
    amazon_fulfilled: Literal["create_when_shipped", "do_not_create"] = "create_when_shipped"
    order_number_source: Literal["amazon", "magento"] = "amazon"
    prefix_general: str = ""
    prefix_fba: str = ""
    prefix_prime: str = ""
    prefix_business: str = ""
    customer: Literal["guest", "create"] = "guest"
    order_status: str | None = None  # None: Magento's default for new orders
    create_invoice_and_shipment: bool = False


class StoreConfig(Model):
    """One integrated Amazon seller account in one marketplace (SPEC §1). The LWA secret
    is never here: ``lwa_credentials_ref`` names where the secret lives."""

    store_id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    name: str
    merchant_id: int = Field(ge=1)
    seller_id: str
    marketplace_id: str
    region: Literal["na", "eu", "fe"] = "na"
    spapi_endpoint: str
    lwa_credentials_ref: str
    magento_store_code: str = "default"
    magento_stock_id: int = 1
    poll_interval_seconds: int = Field(default=180, ge=1)
    integration_time: datetime
    enabled: bool = True
    settings: OrderSettings = OrderSettings()

    @field_serializer("integration_time")
    def _iso(self, value: datetime) -> str:
        return value.isoformat()


class FulfillmentSettings(Model):
    """A store's fulfillment settings (issue 18, item 7): "Send shipments to Amazon" and the
    carrier mapping (a Magento carrier code or title → Amazon's carrier code, e.g.
    ``{"myco_express": "UPS"}``; carriers it does not name are mapped by ``services/fulfillment/carriers.py``)."""

    send_shipments: bool = True
    carrier_mapping: dict[str, str] = Field(default_factory=dict)


class StoreConfigV2(StoreConfig):
    """v2 of a store's configuration (``store.configured`` v2): ``fulfillment`` added. A subclass
    on purpose: whatever reads a ``StoreConfig`` reads this unchanged; ``fulfillment_of`` reads
    the settings of either (a v1 configuration has the defaults)."""

    fulfillment: FulfillmentSettings = FulfillmentSettings()


def fulfillment_of(config: StoreConfig) -> FulfillmentSettings:
    return config.fulfillment if isinstance(config, StoreConfigV2) else FulfillmentSettings()


def with_fulfillment(config: StoreConfig, fulfillment: FulfillmentSettings | None = None) -> StoreConfigV2:
    """``config`` as v2 (v3 stays v3), its fulfillment settings replaced by ``fulfillment`` when given."""
    fields = {name: getattr(config, name) for name in type(config).model_fields}
    if fulfillment is not None or "fulfillment" not in fields:
        fields["fulfillment"] = fulfillment or FulfillmentSettings()
    return StoreConfigV3(**fields) if isinstance(config, StoreConfigV3) else StoreConfigV2(**fields)


DEFAULT_TIME_ZONE = "UTC"


def known_time_zone(name: str) -> str:
    """``name`` if it is an IANA time zone (tzdata), else ValueError saying what is expected."""
    try:
        if name == "localtime":  # the zone of whichever machine reads it
            raise ValueError(name)
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name[:64]!r}: give an IANA name such as 'UTC', 'Europe/Berlin' or "
            "'America/New_York'") from None
    return name


class StoreConfigV3(StoreConfigV2):
    """v3 of a store's configuration (``store.configured`` v3): ``time_zone`` added, the IANA zone the
    Orders tab shows the store's dates in (UTC on hover). A subclass of v2 as v2 is of v1: readers of
    v1 and v2 read it unchanged; ``time_zone_of`` reads any version (before v3: UTC)."""

    time_zone: str = DEFAULT_TIME_ZONE

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_time_zone(value)


def time_zone_of(config: StoreConfig) -> str:
    return config.time_zone if isinstance(config, StoreConfigV3) else DEFAULT_TIME_ZONE


def with_time_zone(config: StoreConfig, time_zone: str) -> StoreConfigV3:
    """``config`` as v3 with ``time_zone`` (ValidationError naming the field for an unknown zone)."""
    fields = {name: getattr(config, name) for name in type(config).model_fields}
    fields.setdefault("fulfillment", FulfillmentSettings())
    return StoreConfigV3(**{**fields, "time_zone": time_zone})


class LogEntry(Model):
    seq: int = Field(ge=1)
    at: datetime
    message: str

    @field_serializer("at")
    def _iso(self, value: datetime) -> str:
        return value.isoformat()


class SkuQuantity(Model):
    sku: str
    quantity: int = Field(ge=1)
