"""Which package to confirm (services/fulfillment/decide.py): every rule, one test each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from schemas.events.fulfillment import MagentoShipmentRecordedData, ShipmentItem, ShipmentTrack
from schemas.types import FulfillmentSettings
from services.fulfillment.carriers import AMAZON_CARRIER_CODES, carrier_for
from services.fulfillment.decide import (
    AmazonItem,
    AmazonOrderView,
    Confirm,
    Held,
    HeldPackage,
    Refuse,
    Skip,
    decide,
    package_reference_id,
)

SHIPPED_AT = datetime(2026, 12, 5, 9, 30, tzinfo=UTC)


def shipment(items: list[tuple[str | None, str, float]] | None = None,
             tracks: list[tuple[int, str, str, str]] | None = None, shipment_id: int = 12,
             **extra: Any) -> MagentoShipmentRecordedData:
    """items: (Amazon item id, sku, qty); tracks: (track id, number, Magento carrier code, title)."""
    return MagentoShipmentRecordedData(
        store_id="s1", amazon_order_id="113-1", magento_store_code="default", magento_order_id=40,
        shipment_id=shipment_id, shipped_at=extra.pop("shipped_at", SHIPPED_AT), outbox_entry_id=1,
        change="shipment_saved",
        items=tuple(ShipmentItem(magento_order_item_id=n, amazon_order_item_id=a, sku=s, quantity=q)
                    for n, (a, s, q) in enumerate(items if items is not None else [("A1", "SKU-1", 2)], 1)),
        tracks=tuple(ShipmentTrack(track_id=i, track_number=n, carrier_code=c, title=t)
                     for i, n, c, t in (tracks if tracks is not None else [(1, "1Z1", "ups", "UPS")])),
        **extra,
    )


def order(status: str = "UNSHIPPED", fulfilled_by: str = "MERCHANT", shipped: dict[str, int] | None = None,
          packages: tuple[HeldPackage, ...] = ()) -> AmazonOrderView:
    shipped = shipped or {}
    return AmazonOrderView(
        order_id="113-1", status=status, fulfilled_by=fulfilled_by, marketplace_id="ATVPDKIKX0DER",
        items=(AmazonItem("A1", "SKU-1", 2, shipped.get("A1", 0)), AmazonItem("A2", "SKU-2", 3, shipped.get("A2", 0))),
        packages=packages,
    )


def confirmed(decision: object) -> Confirm:
    assert isinstance(decision, Confirm), decision
    return decision


def test_a_tracked_shipment_of_an_unshipped_order_is_one_package() -> None:
    d = confirmed(decide(shipment(), order()))
    p = d.package
    assert (p.package_reference_id, p.carrier_code, p.carrier_name, p.tracking_number) == ("12", "UPS", None, "1Z1")
    assert [(i.amazon_order_item_id, i.quantity) for i in p.items] == [("A1", 2)]
    assert p.ship_date == SHIPPED_AT and not d.edit and d.ignored_tracks == ()


def test_the_reference_is_the_shipment_id_so_retries_and_corrections_edit_the_same_package() -> None:
    first = confirmed(decide(shipment(), order()))
    again = confirmed(decide(shipment(), order()))
    assert first == again
    held = HeldPackage("12", "UPS", "1Z1", (("A1", 2),))
    corrected = confirmed(decide(shipment(tracks=[(1, "1Z1", "ups", "UPS"), (2, "1Z2", "ups", "UPS")]),
                                 order(shipped={"A1": 2}, status="PARTIALLY_SHIPPED", packages=(held,))))
    assert corrected.edit and corrected.package.package_reference_id == "12"
    assert corrected.package.tracking_number == "1Z2" and corrected.ignored_tracks == ("1Z1",)
    with pytest.raises(ValueError):
        package_reference_id(0)


def test_two_shipments_are_two_packages() -> None:
    one = confirmed(decide(shipment(shipment_id=12), order()))
    two = confirmed(decide(shipment([("A2", "SKU-2", 3)], [(2, "9400", "usps", "USPS")], shipment_id=13), order()))
    assert {one.package.package_reference_id, two.package.package_reference_id} == {"12", "13"}


def test_an_unchanged_package_is_not_sent_again_and_counts_as_confirmed() -> None:
    """An earlier call went through (its answer lost to a crash or a lost commit): nothing to send,
    and the shipment is confirmed with the package Amazon holds."""
    held = HeldPackage("12", "UPS", "1Z1", (("A1", 2),))
    decision = decide(shipment(), order("PARTIALLY_SHIPPED", shipped={"A1": 2}, packages=(held,)))
    assert isinstance(decision, Held)
    assert decision.package == confirmed(decide(shipment(), order())).package


def test_editing_a_package_of_a_shipped_order_is_allowed() -> None:
    held = HeldPackage("12", "UPS", "OLD", (("A1", 2), ("A2", 3)))
    s = shipment([("A1", "SKU-1", 2), ("A2", "SKU-2", 3)], [(1, "NEW", "ups", "UPS")])
    d = confirmed(decide(s, order("SHIPPED", shipped={"A1": 2, "A2": 3}, packages=(held,))))
    assert d.edit and d.package.tracking_number == "NEW"


@pytest.mark.parametrize("fulfilled_by", ["AMAZON"])
def test_fba_orders_are_never_confirmed(fulfilled_by: str) -> None:
    assert decide(shipment(), order(fulfilled_by=fulfilled_by)) == Skip("the order is fulfilled by Amazon")


def test_no_echo_of_a_shipment_mirroring_amazons_packages() -> None:
    amazon_pkg = HeldPackage("PKG-113-1-1", "UPS", "1Z1", (("A1", 2), ("A2", 3)))
    mirrored = shipment([("A1", "SKU-1", 2), ("A2", "SKU-2", 3)], [(1, "1z1", "ups", "UPS")], shipment_id=99)
    decision = decide(mirrored, order("SHIPPED", shipped={"A1": 2, "A2": 3}, packages=(amazon_pkg,)))
    assert isinstance(decision, Skip) and "mirrors" in decision.reason


def test_no_echo_of_an_untracked_shipment_of_a_shipped_order() -> None:
    decision = decide(shipment(tracks=[]), order("SHIPPED", shipped={"A1": 2, "A2": 3}))
    assert isinstance(decision, Skip) and "Shipped" in decision.reason


def test_an_untracked_shipment_waits_for_its_tracking_number() -> None:
    assert decide(shipment(tracks=[(1, "  ", "ups", "UPS")]), order()) == \
        Skip("waiting for a tracking number (Amazon requires one)")


def test_a_new_package_on_an_order_amazon_shows_shipped_is_refused() -> None:
    other = HeldPackage("5", "UPS", "1ZOTHER", (("A1", 2), ("A2", 3)))
    decision = decide(shipment(), order("SHIPPED", shipped={"A1": 2, "A2": 3}, packages=(other,)))
    assert isinstance(decision, Refuse) and "already shows every item as shipped" in decision.reason


@pytest.mark.parametrize(("status", "words"), [("CANCELLED", "Cancelled"), ("UNFULFILLABLE", "Unfulfillable"),
                                               ("PENDING", "Pending")])
def test_orders_amazon_will_not_ship_are_refused(status: str, words: str) -> None:
    decision = decide(shipment(), order(status))
    assert isinstance(decision, Refuse) and words in decision.reason


def test_the_store_setting_turns_confirmation_off() -> None:
    assert decide(shipment(), order(), FulfillmentSettings(send_shipments=False)) == \
        Skip("Send shipments to Amazon is off for this store")


def test_the_stores_carrier_mapping_names_amazons_carrier() -> None:
    mapped = FulfillmentSettings(carrier_mapping={"myco_express": "DHL Express"})
    s = shipment(tracks=[(1, "MX1", "myco_express", "MyCo Express")])
    assert confirmed(decide(s, order(), mapped)).package.carrier_code == "DHL Express"
    unmapped = confirmed(decide(s, order())).package
    assert (unmapped.carrier_code, unmapped.carrier_name) == ("Other", "MyCo Express")


def test_settings_come_from_the_store_configuration_any_version() -> None:
    from schemas.types import StoreConfig, fulfillment_of, with_fulfillment

    v1 = StoreConfig(store_id="s1", name="S", merchant_id=1, seller_id="A", marketplace_id="M",
                     spapi_endpoint="http://x", lwa_credentials_ref="env:X", integration_time=SHIPPED_AT)
    assert fulfillment_of(v1) == FulfillmentSettings(send_shipments=True, carrier_mapping={})
    off = with_fulfillment(v1, FulfillmentSettings(send_shipments=False))
    assert fulfillment_of(off).send_shipments is False
    assert fulfillment_of(with_fulfillment(off)) == fulfillment_of(off)  # kept when only upgraded
    assert decide(shipment(), order(), fulfillment_of(off)) == Skip("Send shipments to Amazon is off for this store")


def test_quantities_are_summed_per_amazon_item_and_checked_against_what_is_left() -> None:
    s = shipment([("A2", "SKU-2", 1), ("A2", "SKU-2", 1)])
    assert [(i.amazon_order_item_id, i.quantity) for i in confirmed(decide(s, order())).package.items] == [("A2", 2)]
    too_many = decide(shipment([("A2", "SKU-2", 3)]), order("PARTIALLY_SHIPPED", shipped={"A2": 1}))
    assert too_many == Refuse("SKU SKU-2: 3 shipped in Magento, Amazon has 2 left to ship")


def test_partial_shipment_of_some_units() -> None:
    d = confirmed(decide(shipment([("A2", "SKU-2", 1)]), order()))
    assert [(i.amazon_order_item_id, i.quantity) for i in d.package.items] == [("A2", 1)]


def test_items_map_by_sku_when_magento_has_no_amazon_item_id() -> None:
    d = confirmed(decide(shipment([(None, "SKU-2", 1)]), order()))
    assert d.package.items[0].amazon_order_item_id == "A2"
    assert isinstance(decide(shipment([(None, "SKU-9", 1)]), order()), Refuse)
    assert isinstance(decide(shipment([("A9", "SKU-1", 1)]), order()), Refuse)  # a wrong id is not guessed


def test_fractional_and_empty_shipments_are_refused() -> None:
    assert isinstance(decide(shipment([("A1", "SKU-1", 1.5)]), order()), Refuse)
    assert decide(shipment([]), order()) == Refuse("the shipment holds no items")


def test_a_shipment_without_a_date_uses_when_it_was_recorded() -> None:
    at = datetime(2026, 12, 5, 10, tzinfo=UTC)
    assert confirmed(decide(shipment(shipped_at=None), order(), recorded_at=at)).package.ship_date == at
    assert isinstance(decide(shipment(shipped_at=None), order()), Refuse)


@pytest.mark.parametrize(
    ("code", "title", "mapping", "expected"),
    [
        ("ups", "United Parcel Service", None, ("UPS", None)),
        ("usps", "", None, ("USPS", None)),
        ("fedex", "Federal Express", None, ("FedEx", None)),
        ("dhl", "DHL", None, ("DHL", None)),
        ("custom", "OnTrac", None, ("OnTrac", None)),
        ("custom", "Canada post", None, ("Canada Post", None)),
        ("custom", "Bob's Courier", None, ("Other", "Bob's Courier")),
        ("custom", "", None, ("Other", None)),
        ("custom", "Speedy", {"speedy": "LaserShip"}, ("LaserShip", None)),
        ("tablerate", "Local van", {"tablerate": "Other"}, ("Other", "Local van")),
        ("custom", "Speedy", {"speedy": "Not A Carrier"}, ("Other", "Speedy")),
    ],
)
def test_carriers(code: str, title: str, mapping: dict[str, str] | None, expected: tuple[str, str | None]) -> None:
    assert carrier_for(code, title, mapping) == expected
    assert expected[0] in AMAZON_CARRIER_CODES


def test_other_carriers_carry_their_name_and_a_nameless_one_is_refused() -> None:
    d = confirmed(decide(shipment(tracks=[(1, "X1", "custom", "Bob's Courier")]), order()))
    assert (d.package.carrier_code, d.package.carrier_name) == ("Other", "Bob's Courier")
    assert isinstance(decide(shipment(tracks=[(1, "X1", "custom", "")]), order()), Refuse)


def test_reading_amazons_order_is_tolerant() -> None:
    view = AmazonOrderView.from_v2026({
        "orderId": "113-1", "salesChannel": {"marketplaceId": "ATVPDKIKX0DER"},
        "fulfillment": {"fulfillmentStatus": "PARTIALLY_SHIPPED", "fulfilledBy": "MERCHANT", "new": 1},
        "orderItems": [{"orderItemId": "A1", "quantityOrdered": 2, "product": {"sellerSku": "SKU-1"},
                        "fulfillment": {"quantityFulfilled": 1}}, {"noId": True}, "junk"],
        "packages": [{"packageReferenceId": "12", "carrier": "UPS", "trackingNumber": "1Z1",
                      "packageItems": [{"orderItemId": "A1", "quantity": 1}]}, {"carrier": "no id"}],
    })
    assert view.status == "PARTIALLY_SHIPPED" and view.marketplace_id == "ATVPDKIKX0DER"
    assert view.items == (AmazonItem("A1", "SKU-1", 2, 1),)
    assert view.packages == (HeldPackage("12", "UPS", "1Z1", (("A1", 1),)),)
    bare = AmazonOrderView.from_v2026({"orderId": "113-2"})
    assert (bare.status, bare.fulfilled_by, bare.items, bare.packages) == ("UNKNOWN", "MERCHANT", (), ())
