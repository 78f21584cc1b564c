from __future__ import annotations

from schemas.types import ShipmentTrack
from services.magento_writer.increment import increment_id_for
from services.magento_writer.payload import OrderOptions, build_order_entity, shipment_tracks
from tests.magento_writer.factories import amazon_order, target
from tests.magento_writer.schema_check import definition, request_body_schema, violations


def _entity(order, tgt, store_num=3, product_ids=None):  # type: ignore[no-untyped-def]
    options = OrderOptions("checkmo", "flatrate_flatrate", store_num, increment_id_for(order, tgt.settings))
    return build_order_entity(order, tgt, options, product_ids or {"SKU-1": 42, "SKU-2": 43})


def test_entity_follows_the_admin_schema_field_for_field() -> None:
    order = amazon_order(items=(("SKU-1", 2, "19.99"), ("SKU-2", 1, "5.00")))
    entity = _entity(order, target("s1", prefix_general="AMZ"))
    body_schema = request_body_schema("/V1/orders/create", "put")
    assert violations({"entity": entity}, body_schema) == []


def test_amazon_items_amounts_buyer_and_address_are_carried() -> None:
    order = amazon_order("113-1111111-2222222", items=(("SKU-1", 2, "19.99"), ("SKU-2", 1, "5.00")))
    entity = _entity(order, target("s1", prefix_general="AMZ", order_status="amazon_processing"))
    assert entity["ext_order_id"] == "113-1111111-2222222"
    assert entity["increment_id"] == "AMZ113-1111111-2222222"
    assert entity["store_id"] == 3
    assert (entity["state"], entity["status"]) == ("processing", "amazon_processing")
    assert [(i["sku"], i["qty_ordered"], i["price"], i["row_total"], i["product_id"]) for i in entity["items"]] == [
        ("SKU-1", 2, 19.99, 39.98, 42),
        ("SKU-2", 1, 5.0, 5.0, 43),
    ]
    assert entity["subtotal"] == 44.98 and entity["shipping_amount"] == 4.99
    assert entity["grand_total"] == entity["base_grand_total"] == 49.97
    assert entity["total_qty_ordered"] == 3
    assert entity["customer_email"] == "abc123@marketplace.amazon.com"
    assert (entity["customer_firstname"], entity["customer_lastname"]) == ("Jane Q", "Doe")
    assert entity["payment"]["method"] == "checkmo"
    assignment = entity["extension_attributes"]["shipping_assignments"][0]
    assert assignment["shipping"]["method"] == "flatrate_flatrate"
    ship = assignment["shipping"]["address"]
    assert ship["street"] == ["1 Main St", "Apt 2"] and ship["city"] == "Seattle"
    assert (ship["region_code"], ship["postcode"], ship["country_id"]) == ("WA", "98101", "US")
    assert entity["billing_address"]["address_type"] == "billing" and ship["address_type"] == "shipping"
    history = entity["status_histories"][0]
    assert "113-1111111-2222222" in history["comment"] and history["status"] == "amazon_processing"


def test_default_status_is_new_pending() -> None:
    entity = _entity(amazon_order(), target("s1"))
    assert (entity["state"], entity["status"]) == ("new", "pending")


def test_fba_order_without_buyer_data_gets_documented_placeholders() -> None:
    order = amazon_order("114-0000000-0000001", fba=True)
    assert order.buyer_name is None and order.ship_to is None
    entity = _entity(order, target("s1", prefix_fba="FBA"))
    assert entity["increment_id"] == "FBA114-0000000-0000001"
    assert entity["customer_email"] == "114-0000000-0000001@marketplace.amazon.invalid"
    assert (entity["customer_firstname"], entity["customer_lastname"]) == ("Amazon", "Customer")
    address = entity["billing_address"]
    assert address["street"] == ["N/A"] and address["city"] == "N/A" and address["postcode"] == "N/A"
    assert address["country_id"] == "US" and address["telephone"] == "N/A"
    assert violations(address, definition("sales-data-order-address-interface")) == []
    for field in ("address_type", "city", "country_id", "firstname", "lastname", "postcode", "telephone"):
        assert address[field], field


def test_magento_sequence_leaves_increment_id_to_magento() -> None:
    entity = _entity(amazon_order(), target("s1", order_number_source="magento"))
    assert "increment_id" not in entity


def test_shipment_tracks_follow_the_admin_schema_and_map_known_carriers() -> None:
    tracks = shipment_tracks(
        (
            ShipmentTrack(carrier="UPS", tracking_number="1Z999AA1234567890"),
            ShipmentTrack(carrier="FedEx", tracking_number="7712 3456"),
            ShipmentTrack(carrier="Royal Mail", tracking_number="RR123456789GB"),
        )
    )
    assert tracks == [
        {"track_number": "1Z999AA1234567890", "title": "UPS", "carrier_code": "ups"},
        {"track_number": "7712 3456", "title": "FedEx", "carrier_code": "fedex"},
        {"track_number": "RR123456789GB", "title": "Royal Mail", "carrier_code": "custom"},
    ]
    body_schema = request_body_schema("/V1/order/{orderId}/ship", "post")
    assert violations({"notify": False, "tracks": tracks}, body_schema) == []
    assert shipment_tracks(()) == []


def test_every_request_body_the_writer_sends_validates_required_fields_included() -> None:
    """The client's own bodies (create, comment, invoice, ship), captured off the wire."""
    import json

    import httpx

    from services.magento_writer.magento.client import MagentoClient

    sent: list[tuple[str, str, object]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path.split("/V1", 1)[1]
        sent.append((request.method, path, json.loads(request.content or b"null")))
        reply: object = {"entity_id": 7, "increment_id": "AMZ1"} if path == "/orders/create" else 5
        return httpx.Response(200, json=True if path.endswith("/comments") else reply)

    client = MagentoClient("http://magento.test", httpx.Auth(), transport=httpx.MockTransport(answer))
    for order in (amazon_order(items=(("SKU-1", 2, "19.99"),)), amazon_order("114-0000000-0000002", fba=True)):
        client.create_order("default", _entity(order, target("s1", prefix_general="AMZ")))
    client.add_comment("default", 7, "Amazon order canceled.", "pending")
    client.invoice("default", 7, "Invoice created for Amazon marketplace order.")
    tracks = shipment_tracks((ShipmentTrack(carrier="UPS", tracking_number="1Z"),))
    client.ship("default", 7, "Shipped by Amazon.", tracks)
    templates = {
        "/orders/create": "/V1/orders/create",
        "/orders/7/comments": "/V1/orders/{id}/comments",
        "/order/7/invoice": "/V1/order/{orderId}/invoice",
        "/order/7/ship": "/V1/order/{orderId}/ship",
    }
    assert [p for _, p, _ in sent] == ["/orders/create", "/orders/create", *list(templates)[1:]]
    for method, path, body in sent:
        assert violations(body, request_body_schema(templates[path], method.lower())) == [], path
