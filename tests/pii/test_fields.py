"""Which order fields are PII, minimisation, and sealing every one of them."""

from __future__ import annotations

from services.pii.crypto import new_data_key, seal
from services.pii.fields import minimised, pii_values, transform
from services.pii.sealed import is_sealed

from .conftest import EMAIL, LINE1, LINE2, NAME, pii_order


def test_every_pii_field_is_found() -> None:
    values = set(pii_values(pii_order()))
    assert {NAME, EMAIL, LINE1, LINE2, "22202", "Hopper Ltd", "Happy birthday Grace", "123.456.789-00"} <= values
    assert not {"Arlington", "VA", "US", "EU372000041", "SKU-1"} & values


def test_sealing_leaves_no_clear_pii_and_keeps_the_rest() -> None:
    order = pii_order()
    key = new_data_key()
    sealed = transform(minimised(order), lambda v: seal(key, "s1:x", v))
    dumped = sealed.model_dump_json()
    for clear in pii_values(order):
        assert clear not in dumped
    assert all(is_sealed(v) for v in pii_values(sealed))
    assert sealed.ship_to is not None and sealed.ship_to.city == "Arlington" and sealed.ship_to.country_code == "US"
    assert sealed.tax_registrations[1].number == "EU372000041"
    assert sealed.order_total == order.order_total and sealed.items[0].sku == "SKU-1"


def test_minimised_orders_carry_no_phone_and_no_delivery_instructions() -> None:
    order = minimised(pii_order())
    assert order.delivery_phone is None and order.delivery_preferences is None
    assert "555 0100" not in order.model_dump_json() and "Ring twice" not in order.model_dump_json()


def test_removing_pii_empties_every_pii_field() -> None:
    removed = transform(pii_order(), lambda _: None)
    assert list(pii_values(removed)) == []
    assert removed.ship_to is not None and removed.ship_to.lines == () and removed.ship_to.city == "Arlington"
