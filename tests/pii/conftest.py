"""Shared helpers of the PII tests: a KEK ring and an order full of buyer PII."""

from __future__ import annotations

import base64
import os
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from schemas.events.poller import (
    DeliveryPreferences,
    DetailedAmazonOrder,
    DetailedOrderItem,
    GiftOption,
    TaxRegistration,
)
from schemas.types import Address, AmazonStatus, FulfillmentChannel, Money
from services.common.db import upgrade
from services.pii.kek import KeyRing
from services.pii.store import KeyStore

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
NAME, EMAIL, LINE1, LINE2 = "Grace Hopper", "grace.h@marketplace.amazon.com", "1 Navy Yard Rd", "Apt 7"


def ring(*versions: str, active: str | None = None) -> KeyRing:
    keys = {v: base64.b64encode(os.urandom(32)).decode() for v in versions}
    return KeyRing.parse({"active": active or versions[-1], "keys": keys})


def pii_order(order_id: str = "111-0000000-0000001", status: AmazonStatus = AmazonStatus.UNSHIPPED
              ) -> DetailedAmazonOrder:
    address = Address(name=NAME, company="Hopper Ltd", lines=(LINE1, LINE2), city="Arlington", region="VA",
                      postal_code="22202", country_code="US")
    return DetailedAmazonOrder(
        amazon_order_id=order_id, marketplace_id="ATVPDKIKX0DER", status=status,
        fulfillment_channel=FulfillmentChannel.MERCHANT, purchase_date=T0, last_updated=T0,
        order_total=Money(amount=Decimal("19.99"), currency="USD"), buyer_name=NAME, buyer_email=EMAIL, ship_to=address,
        items=(DetailedOrderItem(order_item_id="i1", sku="SKU-1", quantity_ordered=1,
                                 gift=GiftOption(message="Happy birthday Grace", wrap_level="Classic")),),
        buyer_company_name="Hopper Ltd",
        tax_registrations=(TaxRegistration(entity_type="BUYER", registration_type="CPF", number="123.456.789-00",
                                           legal_name=NAME, address=address),
                           TaxRegistration(entity_type="MARKETPLACE", number="EU372000041")),
        delivery_phone="+1 555 0100",
        delivery_preferences=DeliveryPreferences(drop_off_location="Back door", address_instruction="Ring twice"),
    )


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    url = f"sqlite:///{tmp_path}/pii.db"
    upgrade(url)
    return url


@pytest.fixture
def keystore(sqlite_url: str) -> KeyStore:
    return KeyStore(sqlite_url, ring("1"))
