from datetime import UTC, datetime
from decimal import Decimal

import pytest

from schemas import DecodeError, decode, encode, event_id_for, order_key, split_order_key
from schemas.events.poller import AmazonOrderChangedData, AmazonOrderChangedV1
from schemas.types import AmazonOrder, AmazonStatus, FulfillmentChannel, Money, OrderItem

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _order(status: AmazonStatus = AmazonStatus.PENDING) -> AmazonOrder:
    return AmazonOrder(
        amazon_order_id="111-2223334-5556667", marketplace_id="ATVPDKIKX0DER", status=status,
        fulfillment_channel=FulfillmentChannel.MERCHANT, purchase_date=T0, last_updated=T0,
        order_total=Money(amount=Decimal("19.99"), currency="USD"),
        items=(OrderItem(order_item_id="1", sku="SKU-1", quantity_ordered=2),),
    )


def _event(status: AmazonStatus = AmazonStatus.PENDING) -> AmazonOrderChangedV1:
    order = _order(status)
    key = order_key("us-main", order.amazon_order_id)
    return AmazonOrderChangedV1.build(
        key=key, occurred_at=T0, producer="poller", identity=(status.value,),
        data=AmazonOrderChangedData(store_id="us-main", order=order, changes=("new",), observed_at=T0),
    )


def test_round_trip_keeps_every_field() -> None:
    event = _event()
    decoded = decode(encode(event))
    assert decoded == event
    assert isinstance(decoded, AmazonOrderChangedV1)
    assert decoded.data.order.order_total is not None
    assert str(decoded.data.order.order_total.amount) == "19.99"


def test_event_ids_are_deterministic_and_distinguish_facts() -> None:
    assert _event().event_id == _event().event_id
    assert _event(AmazonStatus.PENDING).event_id != _event(AmazonStatus.UNSHIPPED).event_id
    assert event_id_for("a", "k", 1) == event_id_for("a", "k", 1) != event_id_for("a", "k", 2)


def test_order_key_round_trip_and_rejects_separator_in_store() -> None:
    assert split_order_key(order_key("us-main", "111-1")) == ("us-main", "111-1")
    with pytest.raises(ValueError):
        order_key("us:main", "1")
    with pytest.raises(ValueError):
        split_order_key("no-separator")


@pytest.mark.parametrize("raw, message", [
    (b"not json", "not JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"event_type": "nope", "schema_version": 1}', "invalid event nope@1"),
    (b'{"event_type": "amazon.order.changed", "schema_version": 1, "key": "a:b"}', "invalid event"),
])
def test_decode_rejects_bad_input_with_a_clear_error(raw: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        decode(raw)


def test_unknown_fields_from_newer_producers_are_ignored() -> None:
    import json

    payload = json.loads(encode(_event()))
    payload["added_later"] = {"x": 1}
    payload["data"]["order"]["new_field"] = True
    assert decode(json.dumps(payload)) == _event()


def test_unknown_status_is_rejected() -> None:
    import json

    payload = json.loads(encode(_event()))
    payload["data"]["order"]["status"] = "LOST_IN_SPACE"
    with pytest.raises(DecodeError):
        decode(json.dumps(payload))


def test_fast_and_general_decoding_agree() -> None:
    """Bytes as we encode them take the one-model JSON path; the same event given as text takes
    the general path (parse, then pick the model by its tag). Both give the same event."""
    for status in AmazonStatus:
        raw = encode(_event(status))
        assert decode(raw) == decode(raw.decode()) == _event(status)


def test_fast_path_rejects_what_the_general_path_rejects() -> None:
    import json

    payload = json.loads(encode(_event()))
    payload["data"]["order"]["status"] = "LOST_IN_SPACE"
    with pytest.raises(DecodeError, match="invalid event amazon.order.changed@1"):
        decode(json.dumps(payload).encode())
    payload = json.loads(encode(_event()))
    payload["added_later"] = {"x": 1}
    assert decode(json.dumps(payload).encode()) == _event()
