"""Request shaping and answer parsing of the Magento client (httpx.MockTransport, no server)."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from services.magento_writer.magento.auth import BearerAuth, auth_from_secret
from services.magento_writer.magento.client import MagentoClient, as_int
from services.magento_writer.magento.errors import BusinessError, NotFound, RetryableError, UniqueViolation

Handler = Callable[[httpx.Request], httpx.Response]


def client(handler: Handler) -> tuple[MagentoClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return MagentoClient("http://magento.test/", BearerAuth("tok"), transport=httpx.MockTransport(record)), seen


def test_create_puts_entity_on_the_store_scoped_url_and_accepts_string_ids() -> None:
    c, seen = client(lambda r: httpx.Response(200, json={"entity_id": "42", "increment_id": "AMZ1", "store_id": "3"}))
    ref = c.create_order("de_store", {"ext_order_id": "1-2-3"})
    assert (ref.entity_id, ref.increment_id, ref.store_id) == (42, "AMZ1", 3)
    request = seen[0]
    assert request.method == "PUT" and request.url.path == "/rest/de_store/V1/orders/create"
    assert json.loads(request.content) == {"entity": {"ext_order_id": "1-2-3"}}
    assert request.headers["Authorization"] == "Bearer tok"
    assert request.headers["Content-Type"] == "application/json"


def test_lookup_by_ext_order_id_uses_search_criteria_with_page_size() -> None:
    c, seen = client(
        lambda r: httpx.Response(200, json={"items": [{"entity_id": 5, "increment_id": "100000005"}], "total_count": 1})
    )
    found = c.find_orders("default", "ext_order_id", "113-1-2", store_id=1)
    assert [f.entity_id for f in found] == [5]
    params = seen[0].url.params
    assert params["searchCriteria[filter_groups][0][filters][0][field]"] == "ext_order_id"
    assert params["searchCriteria[filter_groups][0][filters][0][value]"] == "113-1-2"
    assert params["searchCriteria[filter_groups][0][filters][0][condition_type]"] == "eq"
    assert params["searchCriteria[filter_groups][1][filters][0][field]"] == "store_id"
    assert params["searchCriteria[pageSize]"] == "5"


def test_invoice_ship_cancel_comment_bodies() -> None:
    answers = iter(
        [
            httpx.Response(200, json="7"),
            httpx.Response(200, json=8),
            httpx.Response(200, json=False),
            httpx.Response(200, json=True),
        ]
    )
    c, seen = client(lambda r: next(answers))
    assert c.invoice("default", 3) == 7
    assert c.ship("default", 3) == 8
    assert c.cancel_order("default", 3) is False
    assert c.add_comment("default", 3, "note", "processing") is True
    assert [r.url.path for r in seen] == [
        "/rest/default/V1/order/3/invoice",
        "/rest/default/V1/order/3/ship",
        "/rest/default/V1/orders/3/cancel",
        "/rest/default/V1/orders/3/comments",
    ]
    assert json.loads(seen[0].content) == {"capture": False, "notify": False}
    assert json.loads(seen[3].content) == {
        "statusHistory": {
            "comment": "note",
            "is_customer_notified": 0,
            "is_visible_on_front": 0,
            "parent_id": 3,
            "status": "processing",
        }
    }


def test_reservation_command_goes_to_the_module_route() -> None:
    c, seen = client(lambda r: httpx.Response(200, json={"applied": True}))
    command = {"reservation_key": "k", "stock_id": 1, "items": [{"sku": "A", "quantity": -2}], "metadata": {}}
    assert c.apply_reservation("default", command) is True
    assert seen[0].url.path == "/rest/default/V1/sales-channel/reservations"
    assert json.loads(seen[0].content) == {"command": command}


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (500, {"message": "Internal Error. Report ID: webapi-1"}, RetryableError),
        (429, {"message": "Too Many Requests"}, RetryableError),
        (400, {"message": "Unique constraint violation found"}, UniqueViolation),
        (
            404,
            {"message": "The entity that was requested doesn't exist. Verify the entity and try again."},
            NotFound,
        ),
        (400, {"message": "Not enough items for sale"}, BusinessError),
    ],
)
def test_errors_are_typed(status: int, body: dict[str, str], error: type[Exception]) -> None:
    c, _ = client(lambda r: httpx.Response(status, json=body))
    with pytest.raises(error):
        c.get_order("default", 1)


def test_timeouts_and_connection_errors_are_retryable() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    c, _ = client(timeout)
    with pytest.raises(RetryableError):
        c.create_order("default", {})


def test_unknown_product_is_none() -> None:
    c, seen = client(lambda r: httpx.Response(404, json={"message": "The product that was requested doesn't exist."}))
    assert c.get_product("default", "A/B") is None
    assert seen[0].url.raw_path == b"/rest/default/V1/products/A%2FB"


def test_auth_secret_forms() -> None:
    assert isinstance(auth_from_secret("abc"), BearerAuth)
    oauth = auth_from_secret(
        {"consumer_key": "a", "consumer_secret": "b", "access_token": "c", "access_token_secret": "d"}
    )
    request = httpx.Request("GET", "http://m.test/rest/default/V1/orders?x=1")
    signed = next(oauth.auth_flow(request))
    assert signed.headers["Authorization"].startswith("OAuth ")
    assert 'oauth_signature_method="HMAC-SHA256"' in signed.headers["Authorization"]
    with pytest.raises(ValueError):
        auth_from_secret({"consumer_key": "a"})


def test_ids_as_numbers_or_numeric_strings() -> None:
    assert as_int(7) == as_int("7") == as_int(7.0) == 7
    with pytest.raises(ValueError):
        as_int("7a")


def test_customer_for_reads_the_account_a_racing_writer_created() -> None:
    from services.magento_writer.customers import customer_for
    from tests.magento_writer.factories import amazon_order

    searches: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/store/storeViews"):
            return httpx.Response(200, json=[{"id": 1, "code": "default", "website_id": 1}])
        if path.endswith("/customers/search"):
            searches.append(request.url.params["searchCriteria[filter_groups][0][filters][0][value]"])
            assert request.url.params["searchCriteria[filter_groups][1][filters][0][field]"] == "website_id"
            items = [{"id": 9, "email": searches[-1], "group_id": 4, "website_id": 1}] if len(searches) > 1 else []
            return httpx.Response(200, json={"items": items, "total_count": len(items)})
        assert request.method == "POST" and path.endswith("/V1/customers")
        body = json.loads(request.content)["customer"]
        assert (body["firstname"], body["lastname"], body["website_id"]) == ("Jane Q", "Doe", 1)
        return httpx.Response(
            400, json={"message": "A customer with the same email address already exists in an associated website."}
        )

    c, _ = client(handler)
    order = amazon_order()
    ref = customer_for(c, "default", order)
    assert (ref.id, ref.group_id) == (9, 4)
    assert searches == [order.buyer_email, order.buyer_email]
