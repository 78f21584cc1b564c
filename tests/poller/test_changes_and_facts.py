from __future__ import annotations

from datetime import timedelta

from schemas.envelope import order_key
from services.poller.changes import changed_fields, fingerprint
from services.poller.facts import order_facts
from services.poller.mapping import map_order
from services.poller.state import StoredFingerprint
from tests.poller.factory import T0, raw_item, raw_order, with_changes

BASE = raw_order("111-3", items=[raw_item("1", "A", ordered=2), raw_item("2", "B", ordered=1)])


def fp_of(raw: dict) -> tuple:  # type: ignore[type-arg]
    f = fingerprint(map_order(raw))
    return f.digest, dict(f.fields)


def stored(raw: dict, seq: int = 1) -> StoredFingerprint:  # type: ignore[type-arg]
    f = fingerprint(map_order(raw))
    return StoredFingerprint(f.digest, f.fields, map_order(raw).last_updated, seq)


def test_fingerprint_ignores_what_does_not_matter() -> None:
    touched = with_changes(
        BASE, lastUpdatedTime="2026-11-01T13:00:00Z", buyer={"buyerName": "Someone Else"}, programs=["PRIME"]
    )
    assert fp_of(BASE)[0] == fp_of(touched)[0]


def test_each_field_that_matters_changes_the_fingerprint() -> None:
    variants = {
        "status": with_changes(BASE, fulfillment__fulfillmentStatus="SHIPPED"),
        "items.1.shipped": with_changes(BASE, orderItems__0__fulfillment={"quantityFulfilled": 1}),
        "order_total": with_changes(BASE, proceeds__grandTotal={"amount": "30.00", "currencyCode": "USD"}),
        "latest_ship_date": with_changes(
            BASE, fulfillment__shipByWindow={"latestDateTime": "2026-11-09T00:00:00Z"}
        ),
        "items.2.buyer_cancel_requested": with_changes(
            BASE, orderItems__1__cancellation={"cancellationRequest": {"requester": "BUYER"}}
        ),
    }
    base = fingerprint(map_order(BASE))
    for expected_key, raw in variants.items():
        current = fingerprint(map_order(raw))
        assert current.digest != base.digest, expected_key
        assert expected_key in changed_fields(base.fields, current), expected_key


def test_details_the_writer_maps_change_the_fingerprint_as_one_digest() -> None:
    plain = with_changes(BASE, recipient__deliveryAddress__phone=None)
    gift = {"fulfillment": {"packing": {"giftOption": {"giftMessage": "Happy birthday"}}}}
    variants = [
        with_changes(plain, buyer={"buyerCompanyName": "Doe GmbH"}),
        with_changes(plain, buyer={"buyerPurchaseOrderNumber": "PO-1"}),
        with_changes(plain, orderItems__0={**plain["orderItems"][0], **gift}),
        with_changes(plain, recipient__deliveryAddress__phone="+1 555 0100"),
        with_changes(plain, recipient__deliveryPreference={"addressInstruction": "Ring twice"}),
    ]
    base = fingerprint(map_order(plain))
    assert "details" not in base.fields  # an order without details keeps the digest it had
    digests = {base.digest}
    for raw in variants:
        current = fingerprint(map_order(raw))
        assert changed_fields(base.fields, current) == ("details",)
        digests.add(current.digest)
        for clear in ("Doe GmbH", "PO-1", "Happy birthday", "555 0100", "Ring twice"):  # stored: no PII
            assert clear not in "".join(current.fields.values())
    assert len(digests) == len(variants) + 1
    other_message = with_changes(plain, orderItems__0={**plain["orderItems"][0], "fulfillment": {
        "packing": {"giftOption": {"giftMessage": "Happy anniversary"}}}})
    assert fingerprint(map_order(other_message)).digest != fingerprint(map_order(variants[2])).digest


def test_an_item_without_seller_sku_and_its_sku_arriving_are_changes() -> None:
    no_sku = with_changes(BASE, orderItems__0__product={})
    without = fingerprint(map_order(no_sku))
    assert without.fields["items.1.no_sku"] == "true"
    assert changed_fields(without.fields, fingerprint(map_order(BASE))) == ("items.1.no_sku",)


def test_money_scale_does_not_matter() -> None:
    a = with_changes(BASE, proceeds__grandTotal={"amount": "30.0", "currencyCode": "USD"})
    b = with_changes(BASE, proceeds__grandTotal={"amount": "30.00", "currencyCode": "USD"})
    assert fp_of(a)[0] == fp_of(b)[0]


def test_changed_fields_of_partial_shipment() -> None:
    before = fingerprint(map_order(BASE))
    after = fingerprint(
        map_order(
            with_changes(
                BASE,
                fulfillment__fulfillmentStatus="PARTIALLY_SHIPPED",
                orderItems__0__fulfillment={"quantityFulfilled": 2},
            )
        )
    )
    assert changed_fields(before.fields, after) == ("items.1.shipped", "items.1.unshipped", "status")
    assert changed_fields(None, after) == ("new",)
    assert changed_fields(after.fields, after) == ()


def test_first_sighting_is_new_and_deterministic() -> None:
    orders = [map_order(BASE)]
    a = order_facts("st-a", orders, {}, T0)
    b = order_facts("st-a", orders, {}, T0 + timedelta(minutes=5))
    assert len(a.events) == 1 and a.events[0].event_id == b.events[0].event_id
    ev = a.events[0]
    assert ev.key == order_key("st-a", "111-3")
    assert ev.occurred_at == orders[0].last_updated
    assert ev.data.changes == ("new",) and not ev.data.initial_import
    assert a.updates[0].seq == 1


def test_unchanged_order_publishes_nothing() -> None:
    facts = order_facts("st-a", [map_order(BASE)], {"111-3": stored(BASE)}, T0)
    assert facts.events == () and facts.unchanged == 1


def test_change_gets_a_new_id_and_a_return_to_an_old_state_too() -> None:
    shipped = with_changes(
        BASE, fulfillment__fulfillmentStatus="SHIPPED", lastUpdatedTime="2026-11-01T13:00:00Z"
    )
    back = with_changes(BASE, lastUpdatedTime="2026-11-01T14:00:00Z")
    first = order_facts("st-a", [map_order(BASE)], {}, T0).events[0]
    second = order_facts("st-a", [map_order(shipped)], {"111-3": stored(BASE, 1)}, T0).events[0]
    third = order_facts("st-a", [map_order(back)], {"111-3": stored(shipped, 2)}, T0).events[0]
    assert second.data.changes == ("status",)
    assert len({first.event_id, second.event_id, third.event_id}) == 3


def test_an_older_view_than_the_stored_one_is_ignored() -> None:
    newer = with_changes(
        BASE, fulfillment__fulfillmentStatus="SHIPPED", lastUpdatedTime="2026-11-01T13:00:00Z"
    )
    facts = order_facts("st-a", [map_order(BASE)], {"111-3": stored(newer, 2)}, T0)
    assert facts.events == ()


def test_same_order_twice_in_a_page_publishes_the_latest_once() -> None:
    newer = with_changes(
        BASE, fulfillment__fulfillmentStatus="SHIPPED", lastUpdatedTime="2026-11-01T13:00:00Z"
    )
    facts = order_facts("st-a", [map_order(newer), map_order(BASE)], {}, T0)
    assert len(facts.events) == 1 and facts.events[0].data.order.status.value == "SHIPPED"


def test_initial_import_flag() -> None:
    facts = order_facts("st-a", [map_order(BASE)], {}, T0, initial_import=True)
    assert facts.events[0].data.initial_import
