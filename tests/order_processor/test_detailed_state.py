"""The processor keeps the order's details (``DetailedAmazonOrder``) in its state and sends them to the
writer in ``magento.order.requested`` v2: they survive the table's round trip and the command's encoding
(pydantic serialises by the declared type, so a field declared ``AmazonOrder`` would drop them), and a
state stored before the processor kept details still loads."""

from __future__ import annotations

from datetime import timedelta

from schemas import decode, encode
from schemas.events.lifecycle import MagentoOrderRequestedV2
from schemas.events.poller import AmazonOrderChangedDataV3, AmazonOrderChangedV3, DetailedAmazonOrder
from schemas.types import AmazonStatus, MagentoState
from services.order_processor.domain import OrderState
from tests.order_processor.driver import Fold
from tests.order_processor.factory import Script, store_config
from tests.pii.conftest import pii_order

# A state as the processor stored it before it kept details (serialised by the code of commit d0d13b8,
# whose ``OrderState.order`` was declared ``AmazonOrder``: the order's details were already dropped).
STORED_BEFORE = (
    b'{"key":"us-main:111-0000000-0000001","store_id":"us-main","amazon_order_id":"111-0000000-0000001",'
    b'"order_id":"eb9f4b02-ce4e-5b8b-ae86-e989c251fe66","excluded":false,"merchant_id":1,"order":'
    b'{"amazon_order_id":"111-0000000-0000001","marketplace_id":"ATVPDKIKX0DER","status":"UNSHIPPED",'
    b'"fulfillment_channel":"MERCHANT","purchase_date":"2026-11-02T09:00:00+00:00",'
    b'"last_updated":"2026-11-02T09:00:00+00:00","latest_ship_date":null,"is_prime":false,"is_business":false,'
    b'"is_premium":false,"order_total":{"amount":"19.99","currency":"USD"},"shipping_total":null,'
    b'"buyer_name":"Grace Hopper","buyer_email":"grace.h@marketplace.amazon.com","ship_to":{"name":"Grace Hopper",'
    b'"company":"Hopper Ltd","lines":["1 Navy Yard Rd","Apt 7"],"city":"Arlington","region":"VA",'
    b'"postal_code":"22202","country_code":"US","address_type":null},"items":[{"order_item_id":"i1",'
    b'"sku":"SKU-1","asin":null,"title":null,"quantity_ordered":1,"quantity_shipped":0,"unit_price":null,'
    b'"buyer_cancel_requested":false}]},"tracks":[{"carrier":"UPS","tracking_number":"1Z9"}],"on_tab":true,'
    b'"reserved":false,"invoiced":false,"magento_state":"requested","magento_order_number":null,'
    b'"magento_order_id":null,"magento_complete":false,"request_seq":1,"auto_retries":0,"cancel_seq":0,'
    b'"shipment_seq":0,"last_failure":null,"log_seq":2,"last_action":"Imported.","version":1,'
    b'"recent_ids":["0123456789ab"],"parked":[]}'
)


def _v3_fact(script: Script, order: DetailedAmazonOrder) -> AmazonOrderChangedV3:
    at = script.clock + timedelta(minutes=1)
    script.clock = at
    order = order.model_copy(update={"amazon_order_id": script.order_id, "last_updated": at,
                                     "purchase_date": script.purchased})
    data = AmazonOrderChangedDataV3(store_id=script.store_id, order=order, changes=("new",), observed_at=at)
    event: AmazonOrderChangedV3 = AmazonOrderChangedV3.build(key=script.key, occurred_at=at, producer="poller",
                                                             data=data, identity=(at.isoformat(), "v3"))
    return event


def test_a_state_stored_before_details_were_kept_still_loads() -> None:
    state = OrderState.from_bytes(STORED_BEFORE)
    assert isinstance(state.order, DetailedAmazonOrder)
    assert state.order.buyer_name == "Grace Hopper" and state.order.items[0].sku == "SKU-1"
    assert state.order.buyer_company_name is None and state.order.gift_messages == ()
    assert state.magento_state is MagentoState.REQUESTED and state.tracks[0].tracking_number == "1Z9"
    assert OrderState.from_bytes(state.to_bytes()) == state


def test_details_survive_the_tables_round_trip_and_the_command() -> None:
    run = Fold(store_config())
    script = Script()
    order = pii_order()
    run(_v3_fact(script, order))
    assert run.state is not None
    stored = OrderState.from_bytes(run.state.to_bytes())
    assert stored == run.state
    assert stored.order is not None
    assert stored.order.buyer_company_name == "Hopper Ltd"
    assert stored.order.gift_messages == ("Happy birthday Grace",)
    assert stored.order.delivery_preferences == order.delivery_preferences
    assert stored.order.tax_registrations == order.tax_registrations

    [request] = run.requests
    assert isinstance(request, MagentoOrderRequestedV2)
    decoded = decode(encode(request))
    assert isinstance(decoded, MagentoOrderRequestedV2) and decoded == request
    assert decoded.data.order.buyer_company_name == "Hopper Ltd"
    assert decoded.data.order.delivery_phone == "+1 555 0100"
    assert decoded.data.order.items[0].gift is not None
    assert decoded.data.order.items[0].gift.message == "Happy birthday Grace"


def test_a_v1_fact_gives_a_v2_command_with_empty_details() -> None:
    run = Fold(store_config())
    script = Script()
    run(script.amazon(AmazonStatus.UNSHIPPED))
    [request] = run.requests
    assert isinstance(request, MagentoOrderRequestedV2)
    assert request.data.order.amazon_order_id == script.order_id
    assert request.data.order.buyer_company_name is None and request.data.order.items[0].gift is None
    assert decode(encode(request)) == request
