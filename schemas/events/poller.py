"""Poller events. ``amazon.order.changed`` (key: order) is the source of every order fact;
``store.poll.completed`` (key: store id) records each successful poll window."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import Field, field_serializer

from schemas.envelope import Event, Model
from schemas.types import Address, AmazonOrder, Money, OrderItem, ShipmentTrack


class AmazonOrderChangedData(Model):
    store_id: str
    order: AmazonOrder
    # What changed since the poller's previous fact for this order ("new" on first sighting).
    changes: tuple[str, ...] = ()
    # True when seen by the initial import at integration time (SPEC §2).
    initial_import: bool = False
    observed_at: datetime


class AmazonOrderChangedV1(Event):
    EVENT_TYPE: ClassVar[str] = "amazon.order.changed"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["amazon.order.changed"] = "amazon.order.changed"
    schema_version: Literal[1] = 1
    data: AmazonOrderChangedData


class AmazonOrderChangedDataV2(AmazonOrderChangedData):
    # The carrier and tracking number of each package Amazon reports (merchant-fulfilled orders,
    # Orders API ``includedData=PACKAGES``), in Amazon's order; empty when there are none.
    tracks: tuple[ShipmentTrack, ...] = ()


class AmazonOrderChangedV2(AmazonOrderChangedV1):
    """v2: the order's shipment tracks (carrier + tracking number), for the Magento shipment.

    A subclass of v1 on purpose: every consumer written against v1 (``isinstance``, ``data.order``)
    reads v2 unchanged. v1 facts are not upcast: they carry no tracks, and an upcast would change
    the type a replay of old facts decodes to for no gain; read tracks with ``tracks_of``."""

    SCHEMA_VERSION: ClassVar[int] = 2
    schema_version: Literal[2] = 2  # type: ignore[assignment]
    data: AmazonOrderChangedDataV2


def tracks_of(event: AmazonOrderChangedV1) -> tuple[ShipmentTrack, ...]:
    """The shipment tracks of an order fact (none for a v1 fact)."""
    return event.data.tracks if isinstance(event.data, AmazonOrderChangedDataV2) else ()


# --- v3: what merchants need beyond the lifecycle ----------------------------------------------
# Open strings of the Orders model (programs, fulfilledBy, service levels, breakdown types, …)
# are carried as Amazon sent them, unknown values included: nothing here is an enum.


class TimeRange(Model):
    """A ``DateTimeRange`` of the Orders model (either end may be absent)."""

    earliest: datetime | None = None
    latest: datetime | None = None

    @field_serializer("earliest", "latest")
    def _iso(self, value: datetime | None) -> str | None:
        return value.isoformat() if value else None


class ProceedsDetail(Model):
    """A ``detailedBreakdowns`` entry of an item's TAX or DISCOUNT proceeds (subtype ITEM, SHIPPING, …)."""

    subtype: str | None = None
    amount: Money


class ProceedsLine(Model):
    """One proceeds breakdown (``type`` ITEM, SHIPPING, GIFT_WRAP, COD_FEE, TAX, DISCOUNT, DELIVERY_TIP,
    OTHER, or a type Amazon adds later), its amount and, for items, its detailed breakdowns."""

    type: str
    amount: Money
    status: str | None = None  # order level only: PENDING / FINALIZED (DELIVERY_TIP)
    details: tuple[ProceedsDetail, ...] = ()


class GiftOption(Model):
    """Gift wrap and message of an item. ``message`` is buyer PII: never logged."""

    message: str | None = None
    wrap_level: str | None = None


class TaxCollection(Model):
    collection_model: str | None = None  # MARKETPLACE_FACILITATOR: Amazon withholds and remits the tax
    responsible_party: str | None = None


class DetailedOrderItem(OrderItem):
    """An order item with what a Magento order needs beyond the lifecycle."""

    programs: tuple[str, ...] = ()  # TRANSPARENCY, SUBSCRIBE_AND_SAVE, … as sent
    price_designation: str | None = None  # BUSINESS_PRICE
    proceeds_total: Money | None = None
    proceeds: tuple[ProceedsLine, ...] = ()  # ITEM, SHIPPING, TAX, DISCOUNT, GIFT_WRAP, … of this item
    promotion_ids: tuple[str, ...] = ()
    gift: GiftOption | None = None
    ioss_number: str | None = None  # Import One-Stop Shop number (EU VAT on imports)
    scheduled_delivery_window: TimeRange | None = None
    tax_reporting_schemes: tuple[str, ...] = ()  # UOSS, IOSS
    tax_collections: tuple[TaxCollection, ...] = ()

    def proceeds_of(self, kind: str) -> Money | None:
        """The sum of this item's proceeds lines of one type (``"DISCOUNT"``, ``"TAX"``, …), or None."""
        return _sum(line.amount for line in self.proceeds if line.type == kind)

    @property
    def discount(self) -> Money | None:
        """Amazon's DISCOUNT proceeds of this item as it reports them (promotions; usually negative)."""
        return self.proceeds_of("DISCOUNT")


class TaxRegistrationAttribute(Model):
    key: str | None = None  # TAX_OFFICE
    value: str | None = None


class TaxRegistration(Model):
    """A tax registration of the order (the buyer's VAT/CNPJ/… id for B2B invoices, the merchant's,
    the marketplace's). Legal name and address may be a person's: buyer PII, never logged."""

    entity_type: str | None = None  # BUYER, MERCHANT, MARKETPLACE
    registration_type: str | None = None  # BUSINESS, VAT, CST, CPF, CNPJ
    number: str | None = None
    legal_name: str | None = None
    address: Address | None = None
    attributes: tuple[TaxRegistrationAttribute, ...] = ()


class TimeOfDay(Model):
    hour: int | None = None
    minute: int | None = None


class DeliveryTimeWindow(Model):
    start: TimeOfDay | None = None
    end: TimeOfDay | None = None


class BusinessHours(Model):
    day_of_week: str | None = None  # SUN … SAT
    windows: tuple[DeliveryTimeWindow, ...] = ()


class ExceptionDate(Model):
    day: date | None = None
    type: str | None = None  # CLOSED, OPEN
    windows: tuple[DeliveryTimeWindow, ...] = ()

    @field_serializer("day")
    def _day(self, value: date | None) -> str | None:
        return value.isoformat() if value else None


class DeliveryPreferences(Model):
    """The buyer's delivery instructions (``recipient.deliveryPreference``): buyer PII, never logged."""

    drop_off_location: str | None = None
    address_instruction: str | None = None
    capabilities: tuple[str, ...] = ()  # HAS_ACCESS_POINT, PALLET_ENABLED, PALLET_DISABLED
    business_hours: tuple[BusinessHours, ...] = ()
    exception_dates: tuple[ExceptionDate, ...] = ()


class DetailedAmazonOrder(AmazonOrder):
    """``AmazonOrder`` plus what merchants need beyond the lifecycle: B2B (company, PO number, tax
    registrations), gifts, delivery instructions and phone, IOSS, item proceeds and promotions, ship
    and delivery windows and the service level, and the open strings as Amazon sent them.

    A subclass: whatever reads an ``AmazonOrder`` reads this unchanged. Where Amazon sent a value
    the lifecycle cannot use (``fulfilledBy`` absent or unknown), ``fulfillment_channel`` holds the
    poller's choice (MERCHANT) and ``fulfilled_by`` what Amazon sent. PII: buyer name and email,
    address, ``delivery_phone``, ``delivery_preferences``, gift messages, tax registrations."""

    items: tuple[DetailedOrderItem, ...] = ()
    programs: tuple[str, ...] = ()  # as sent, unknown ones included (is_prime & co. derive from it)
    fulfilled_by: str | None = None  # as sent; None when Amazon sent none
    fulfillment_service_level: str | None = None  # STANDARD, EXPEDITED, NEXT_DAY, …
    sales_channel: str | None = None  # AMAZON, NON_AMAZON
    marketplace_name: str | None = None
    ship_by_window: TimeRange | None = None  # earliest and latest ship date
    deliver_by_window: TimeRange | None = None
    buyer_company_name: str | None = None
    buyer_purchase_order_number: str | None = None
    tax_registrations: tuple[TaxRegistration, ...] = ()
    buyer_invoice_preference: str | None = None  # INDIVIDUAL, BUSINESS
    delivery_phone: str | None = None
    delivery_preferences: DeliveryPreferences | None = None
    proceeds: tuple[ProceedsLine, ...] = ()  # order-level breakdowns (DELIVERY_TIP among them)

    @property
    def earliest_ship_date(self) -> datetime | None:
        return self.ship_by_window.earliest if self.ship_by_window else None

    @property
    def buyer_tax_registrations(self) -> tuple[TaxRegistration, ...]:
        return tuple(r for r in self.tax_registrations if r.entity_type == "BUYER")

    @property
    def ioss_number(self) -> str | None:
        """The order's IOSS number (Amazon reports it per item; the first one given)."""
        return next((i.ioss_number for i in self.items if i.ioss_number), None)

    @property
    def gift_messages(self) -> tuple[str, ...]:
        """Each distinct gift message of the order's items, in item order."""
        seen: list[str] = []
        for item in self.items:
            if item.gift is not None and item.gift.message and item.gift.message not in seen:
                seen.append(item.gift.message)
        return tuple(seen)


def _sum(amounts: Iterable[Money]) -> Money | None:
    money = list(amounts)
    if not money or len({m.currency for m in money}) != 1:
        return None
    return Money(amount=sum((m.amount for m in money), Decimal(0)), currency=money[0].currency)


def detailed(order: AmazonOrder) -> DetailedAmazonOrder:
    """``order`` as a ``DetailedAmazonOrder``: itself when it is one, else with every detail empty
    (what a v1 or v2 fact knows)."""
    if isinstance(order, DetailedAmazonOrder):
        return order
    fields = {name: getattr(order, name) for name in AmazonOrder.model_fields if name != "items"}
    items = tuple(i if isinstance(i, DetailedOrderItem) else DetailedOrderItem(**dict(i)) for i in order.items)
    return DetailedAmazonOrder(**fields, items=items)


class AmazonOrderChangedDataV3(AmazonOrderChangedDataV2):
    order: DetailedAmazonOrder


class AmazonOrderChangedV3(AmazonOrderChangedV2):
    """v3: the order with its details (``DetailedAmazonOrder``): B2B, gifts, delivery instructions and
    phone, IOSS, item proceeds and promotions, ship/delivery windows, service level, raw programs.

    A subclass of v2 (and so of v1): consumers written against v1 or v2 read v3 unchanged. Older
    facts keep decoding as themselves (a replay sees what was published); ``order_changed_v3``
    upcasts one explicitly (same id, details empty) and ``detailed_order_of`` reads any version."""

    SCHEMA_VERSION: ClassVar[int] = 3
    schema_version: Literal[3] = 3  # type: ignore[assignment]
    data: AmazonOrderChangedDataV3


def order_changed_v3(event: AmazonOrderChangedV1) -> AmazonOrderChangedV3:
    """Any version of ``amazon.order.changed`` as v3: the same fact (id, key, times, tracks) with the
    details a v1/v2 fact did not carry left empty."""
    if isinstance(event, AmazonOrderChangedV3):
        return event
    d = event.data
    data = AmazonOrderChangedDataV3(store_id=d.store_id, order=detailed(d.order), changes=d.changes,
                                    initial_import=d.initial_import, observed_at=d.observed_at,
                                    tracks=tracks_of(event))
    return AmazonOrderChangedV3(event_id=event.event_id, key=event.key, occurred_at=event.occurred_at,
                                producer=event.producer, causation_id=event.causation_id, data=data)


def detailed_order_of(event: AmazonOrderChangedV1) -> DetailedAmazonOrder:
    """The order of a fact of any version, with its details (empty for a v1/v2 fact)."""
    return detailed(event.data.order)


class StorePollCompletedData(Model):
    store_id: str
    window_start: datetime
    window_end: datetime
    orders_seen: int = Field(ge=0)
    events_published: int = Field(ge=0)
    completed_at: datetime


class StorePollCompletedV1(Event):
    EVENT_TYPE: ClassVar[str] = "store.poll.completed"
    SCHEMA_VERSION: ClassVar[int] = 1
    event_type: Literal["store.poll.completed"] = "store.poll.completed"
    schema_version: Literal[1] = 1
    data: StorePollCompletedData


# --- v4: buyer PII sealed (issue 20, Amazon's Data Protection Policy) --------------------------


class AmazonOrderChangedDataV4(AmazonOrderChangedDataV3):
    # The key id of the data key that seals this order's PII (``store_id:amazon_order_id``); None when
    # the fact carries no PII (its key was already destroyed: the order's PII was erased).
    pii_key_id: str | None = None


class AmazonOrderChangedV4(AmazonOrderChangedV3):
    """v4: the v3 order with every buyer PII string sealed (``services.pii``: ``pii1.…`` values, AES-GCM
    under the order's own data key) and minimised (no delivery phone, no delivery instructions).

    Same shape as v3, so a v1–v3 consumer reads it unchanged and passes sealed values along as opaque
    strings; only services holding a decryptor (the Magento writer, the Orders tab) read them. Older
    facts keep decoding as themselves: their PII is in the clear, as published."""

    SCHEMA_VERSION: ClassVar[int] = 4
    schema_version: Literal[4] = 4  # type: ignore[assignment]
    data: AmazonOrderChangedDataV4
