"""Which order fields are PII, minimisation, and sealing every one of them."""

from __future__ import annotations

from schemas.events.poller import BusinessHours, DeliveryPreferences
from services.pii.crypto import new_data_key, open_sealed, seal
from services.pii.fields import minimised, pii_values, transform
from services.pii.sealed import Sealed, is_sealed

from .conftest import EMAIL, LINE1, LINE2, NAME, pii_order


def test_every_pii_field_is_found() -> None:
    values = set(pii_values(pii_order()))
    assert {NAME, EMAIL, LINE1, LINE2, "22202", "Hopper Ltd", "Happy birthday Grace", "123.456.789-00",
            "+1 555 0100", "Back door", "Ring twice"} <= values
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


def test_minimised_orders_keep_phone_and_instructions_the_writer_maps_and_drop_the_rest() -> None:
    prefs = DeliveryPreferences(drop_off_location="Back door", address_instruction="Ring twice",
                                capabilities=("HAS_ACCESS_POINT",), business_hours=(BusinessHours(day_of_week="MON"),))
    order = minimised(pii_order().model_copy(update={"delivery_preferences": prefs}))
    assert order.delivery_phone == "+1 555 0100"
    assert order.delivery_preferences == DeliveryPreferences(drop_off_location="Back door",
                                                             address_instruction="Ring twice")
    bare = minimised(pii_order().model_copy(update={"delivery_preferences": DeliveryPreferences(
        capabilities=("PALLET_ENABLED",))}))
    assert bare.delivery_preferences is None


def test_sealed_phone_and_instructions_open_again() -> None:
    key = new_data_key()
    sealed = transform(minimised(pii_order()), lambda v: seal(key, "s1:x", v))
    assert sealed.delivery_phone is not None and is_sealed(sealed.delivery_phone)
    assert sealed.delivery_preferences is not None
    assert is_sealed(sealed.delivery_preferences.address_instruction or "")
    assert is_sealed(sealed.delivery_preferences.drop_off_location or "")
    opened = transform(sealed, lambda v: open_sealed(key, Sealed.parse(v)))
    assert opened.delivery_phone == "+1 555 0100"
    assert opened.delivery_preferences == pii_order().delivery_preferences


def test_removing_pii_empties_every_pii_field() -> None:
    removed = transform(pii_order(), lambda _: None)
    assert list(pii_values(removed)) == []
    assert removed.ship_to is not None and removed.ship_to.lines == () and removed.ship_to.city == "Arlington"
