from __future__ import annotations

from typing import TypedDict

import pytest

from schemas.types import OrderSettings
from services.magento_writer.increment import IncrementIdTooLong, derive_increment_id, increment_id_for
from tests.magento_writer.factories import amazon_order


class Prefixes(TypedDict):
    prefix_general: str
    prefix_fba: str
    prefix_prime: str
    prefix_business: str


PREFIXES = Prefixes(prefix_general="AMZ-", prefix_fba="FBA-", prefix_prime="PRIME-", prefix_business="B2B-")


def test_general_prefix_plus_amazon_number() -> None:
    order = amazon_order("113-1234567-1234567")
    assert derive_increment_id(order, OrderSettings(**PREFIXES)) == "AMZ-113-1234567-1234567"


def test_kind_prefixes_fba_before_business_before_prime() -> None:
    settings = OrderSettings(**PREFIXES)
    assert derive_increment_id(amazon_order("1-2-3", fba=True, is_prime=True), settings) == "FBA-1-2-3"
    assert derive_increment_id(amazon_order("1-2-3", is_business=True, is_prime=True), settings) == "B2B-1-2-3"
    assert derive_increment_id(amazon_order("1-2-3", is_prime=True), settings) == "PRIME-1-2-3"


def test_kind_without_its_own_prefix_falls_back_to_general() -> None:
    settings = OrderSettings(prefix_general="G")
    assert derive_increment_id(amazon_order("1-2-3", fba=True), settings) == "G1-2-3"


def test_no_prefix_is_the_bare_amazon_number_and_is_deterministic() -> None:
    order = amazon_order("902-7654321-0000001")
    first = derive_increment_id(order, OrderSettings())
    assert first == "902-7654321-0000001"
    assert derive_increment_id(order, OrderSettings()) == first


def test_magento_sequence_sends_no_increment_id() -> None:
    assert increment_id_for(amazon_order(), OrderSettings(order_number_source="magento")) is None


def test_increment_id_longer_than_magento_column_is_refused() -> None:
    with pytest.raises(IncrementIdTooLong):
        derive_increment_id(amazon_order("113-1234567-1234567"), OrderSettings(prefix_general="X" * 40))
