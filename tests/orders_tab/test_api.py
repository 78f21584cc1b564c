"""The JSON API on PostgreSQL, with data projected from real events: every filter, sort,
optional column, details, dashboard, retry, auth and bad parameters."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from schemas.events.requests import MagentoRetryRequestedV1
from schemas.topics import USER_REQUESTS
from services.common.settings import Settings
from services.orders_tab.query import SortKey
from services.orders_tab.web import create_app
from tests.harness import TopicReader
from tests.orders_tab import dataset
from tests.orders_tab.dataset import Dataset


@pytest.fixture(scope="module")
def data(topics: Settings, publish: Callable, project: Callable) -> Dataset:
    import uuid

    ds = dataset.build(uuid.uuid4().hex[:8], datetime.now(UTC))
    for topic, evs in dataset.events(ds).items():
        publish(topic, evs)
    project()
    return ds


@pytest.fixture(scope="module")
def client(topics: Settings, token_env: str) -> Iterator[TestClient]:
    with TestClient(create_app(topics)) as c:
        c.headers["Authorization"] = f"Bearer {token_env}"
        yield c


def ids(client: TestClient, ds: Dataset, **params: Any) -> set[str]:
    params.setdefault("store", ds.stores)
    r = client.get("/api/orders", params={"page_size": 200, **params})
    assert r.status_code == 200, r.text
    return {o["amazon_order_id"] for o in r.json()["items"]}


def test_default_view_hides_pending_and_orders_never_on_the_tab(client: TestClient, data: Dataset) -> None:
    assert ids(client, data) == data.ids("A1", "A2", "A5", "B1", "B2")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "Pending"}, ("A3",)),
        ({"status": ["Pending", "Canceled"]}, ("A3", "A4")),
        ({"status": "Canceled"}, ()),  # canceled while Pending: never joins the tab
        ({"status": ["Unshipped", "Partially Shipped"]}, ("A1", "A5", "B1")),
        ({"status": "Completed"}, ("B2",)),
        (
            {"purchased_from": "2026-02-02T00:00:00Z", "purchased_to": "2026-02-04T23:59:59Z"},
            ("B1", "A5", "B2"),
        ),
        ({"purchased_from": "2026-02-05"}, ("A2",)),
        ({"amazon_order_id": "901-0000005"}, ("A5",)),
        ({"amazon_order_id": "902-0000002-2000002"}, ("B2",)),
        ({"buyer_name": "hop"}, ("A2",)),
        ({"buyer_name": "KNUTH"}, ("B1",)),
        ({"total_min": "40", "total_max": "100"}, ("A2", "B1", "B2")),
        ({"total_min": "99.5"}, ("A2", "A5")),
        ({"fulfillment_channel": "AMAZON"}, ("A2", "B2")),
        ({"fulfillment_channel": "MERCHANT"}, ("A1", "A5", "B1")),
        ({"is_prime": "true"}, ("A1", "B2")),
        ({"is_prime": "false"}, ("A2", "A5", "B1")),
        ({"reserved": "true"}, ()),
        ({"reserved": "true", "status": "Pending"}, ("A3",)),
        ({"reserved": "false"}, ("A1", "A2", "A5", "B1", "B2")),
        ({"magento_state": "failed"}, ("A5",)),
        ({"magento_state": ["created", "complete"]}, ("A1", "A2", "B2")),
        ({"magento_state": "none"}, ("B1",)),
    ],
)
def test_filters(client: TestClient, data: Dataset, params: dict[str, Any], expected: tuple[str, ...]) -> None:
    assert ids(client, data, **params) == data.ids(*expected)


def test_store_filter(client: TestClient, data: Dataset) -> None:
    assert ids(client, data, store=data.b) == data.ids("B1", "B2")
    assert ids(client, data, store=[data.a], status="Pending") == data.ids("A3")


SORT_VALUE: dict[SortKey, Callable[[dict[str, Any]], Any]] = {
    SortKey.AMAZON_ORDER_ID: lambda o: o["amazon_order_id"],
    SortKey.STORE: lambda o: o["store_id"],
    SortKey.MAGENTO_ORDER_NUMBER: lambda o: o["magento_order_number"],
    SortKey.BUYER_NAME: lambda o: o["buyer_name"],
    SortKey.STATUS: lambda o: o["status"],
    SortKey.TOTAL: lambda o: Decimal(o["total"]["amount"]) if o["total"] else None,
    SortKey.FULFILLMENT_CHANNEL: lambda o: {"Merchant": "MERCHANT", "Amazon": "AMAZON"}[o["fulfillment_channel"]],
    SortKey.ITEMS_UNSHIPPED: lambda o: o["items_unshipped"],
    SortKey.RESERVED: lambda o: o["reserved"],
    SortKey.PURCHASE_DATE: lambda o: o["purchase_date"],
    SortKey.LATEST_SHIP_DATE: lambda o: o["latest_ship_date"],
    SortKey.LAST_ACTION: lambda o: o["last_action"],
    SortKey.ORDER_ID: lambda o: o["order_id"],
    SortKey.MERCHANT_ID: lambda o: o["merchant_id"],
    SortKey.IS_PRIME: lambda o: o["is_prime"],
    SortKey.ITEMS_SHIPPED: lambda o: o["items_shipped"],
}


@pytest.mark.parametrize("key", list(SortKey))
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sort_by_every_column(client: TestClient, data: Dataset, key: SortKey, direction: str) -> None:
    r = client.get(
        "/api/orders",
        params={
            "store": data.stores,
            "status": ["Pending", "Unshipped", "Partially Shipped", "Shipped", "Canceled", "Completed"],
            "sort": key.value,
            "direction": direction,
            "columns": ["order_id", "merchant_id", "is_prime", "items_shipped"],
        },
    )
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert len(items) == 7
    values = [SORT_VALUE[key](o) for o in items]
    present = [v for v in values if v is not None]
    assert present == sorted(present, reverse=direction == "desc")
    assert len(set(map(str, present))) > 1 or key in (SortKey.RESERVED,)  # the data really varies


def test_optional_columns_only_when_asked(client: TestClient, data: Dataset) -> None:
    plain = client.get("/api/orders", params={"store": data.b}).json()["items"][0]
    for col in ("order_id", "merchant_id", "is_prime", "items_shipped"):
        assert col not in plain
    assert {
        "amazon_order_id",
        "store_name",
        "magento_order_number",
        "buyer_name",
        "status",
        "total",
        "fulfillment_channel",
        "items_unshipped",
        "reserved",
        "purchase_date",
        "latest_ship_date",
        "last_action",
        "details_url",
    } <= set(plain)
    r = client.get(
        "/api/orders",
        params={
            "store": data.b,
            "columns": ["merchant_id", "items_shipped"],
            "sort": "amazon_order_id",
            "direction": "asc",
        },
    )
    body = r.json()
    assert body["columns"] == ["merchant_id", "items_shipped"]
    first = body["items"][0]
    assert (first["merchant_id"], first["items_shipped"]) == (12, 0)
    assert "order_id" not in first and "is_prime" not in first


def test_rows_show_the_grid_values(client: TestClient, data: Dataset) -> None:
    r = client.get("/api/orders", params={"store": data.a, "amazon_order_id": data.views["A1"].amazon_order_id})
    (row,) = r.json()["items"]
    assert row["store_name"] == "Alpha Store"
    assert row["magento_order_number"] == "100000001"
    assert row["magento_order_url"] == "http://127.0.0.1:8082/admin/sales/order/view/order_id/501/"
    assert row["total"] == {"amount": "10.00", "currency": "USD"}
    assert row["fulfillment_channel"] == "Merchant"
    assert row["ship_urgency"] == "near"
    (a5,) = client.get("/api/orders", params={"store": data.a, "magento_state": "failed"}).json()["items"]
    assert a5["ship_urgency"] == "past"


def test_paging(client: TestClient, data: Dataset) -> None:
    seen: list[str] = []
    for page in (1, 2, 3):
        body = client.get(
            "/api/orders",
            params={
                "store": data.stores,
                "page_size": 2,
                "page": page,
                "sort": "amazon_order_id",
                "direction": "asc",
            },
        ).json()
        assert (body["total"], body["pages"], body["total_exact"]) == (5, 3, True)
        seen += [o["amazon_order_id"] for o in body["items"]]
    assert seen == sorted(data.ids("A1", "A2", "A5", "B1", "B2"))


def test_order_details(client: TestClient, data: Dataset) -> None:
    a1 = data.views["A1"]
    r = client.get(f"/api/orders/{data.a}/{a1.amazon_order_id}")
    assert r.status_code == 200
    d = r.json()
    assert d["total"] == {"amount": "10.00", "currency": "USD"}
    assert (d["buyer_name"], d["buyer_email"]) == ("Ada Lovelace", a1.buyer_email)
    assert d["magento_order_number"] == "100000001"
    assert d["magento_order_url"].endswith("/sales/order/view/order_id/501/")
    assert [(i["sku"], i["quantity_ordered"], i["quantity_shipped"], i["unit_price"]) for i in d["items"]] == [
        (a1.items[0].sku, 1, 0, {"amount": "10.00", "currency": "USD"})
    ]
    assert d["purchase_date"].startswith("2026-02-01T00:00:00")
    assert d["latest_ship_date"] is not None and d["last_updated"] is not None
    assert [(e["seq"], e["message"]) for e in d["log"]] == [
        (1, "Order imported from Amazon."),
        (2, "Magento order 100000001 was created."),
    ]
    assert client.get(f"/api/orders/{data.a}/999-0000000-0000000").status_code == 404


def test_stores_and_dashboard(client: TestClient, data: Dataset) -> None:
    stores = {s["store_id"]: s for s in client.get("/api/stores").json()["items"]}
    assert stores[data.a]["name"] == "Alpha Store" and stores[data.b]["merchant_id"] == 12
    d = client.get(f"/api/stores/{data.a}/dashboard").json()
    assert d["orders_by_status"] == {
        "Pending": 1,
        "Unshipped": 1,
        "Partially Shipped": 1,
        "Shipped": 1,
        "Canceled": 1,
        "Completed": 0,
    }
    assert (d["reserved_orders"], d["reserved_units"]) == (1, 3)
    assert d["magento_failed_orders"] == 1
    assert d["failed_orders"][0]["amazon_order_id"] == data.views["A5"].amazon_order_id
    assert (d["ship_date_past"], d["ship_date_near"]) == (1, 1)
    assert [o["urgency"] for o in d["at_risk_orders"]] == ["past", "near"]
    assert datetime.fromisoformat(d["last_successful_poll_at"]) == data.polled_at
    assert client.get(f"/api/stores/{data.b}/dashboard").json()["last_successful_poll_at"] is None
    assert client.get("/api/stores/no-such-store/dashboard").status_code == 404


def test_retry_publishes_a_user_request(client: TestClient, data: Dataset, topics: Settings) -> None:
    a5 = data.views["A5"]
    r = client.post(f"/api/orders/{data.a}/{a5.amazon_order_id}/retry")
    assert r.status_code == 202, r.text
    request_id = r.json()["request_id"]
    reader = TopicReader(topics, USER_REQUESTS)
    try:
        events = reader.wait_for(
            lambda evs: any(isinstance(e, MagentoRetryRequestedV1) and e.data.request_id == request_id for e in evs),
            timeout=20,
        )
    finally:
        reader.close()
    (event,) = [e for e in events if isinstance(e, MagentoRetryRequestedV1) and e.data.request_id == request_id]
    assert (event.data.store_id, event.data.amazon_order_id, event.key) == (
        data.a,
        a5.amazon_order_id,
        f"{data.a}:{a5.amazon_order_id}",
    )
    assert client.post(f"/api/orders/{data.a}/999-0000000-0000000/retry").status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"page_size": 201},
        {"page_size": 0},
        {"page": 0},
        {"page": "x"},
        {"status": "Bogus"},
        {"sort": "nope"},
        {"direction": "up"},
        {"total_min": "-1"},
        {"total_min": "abc"},
        {"total_min": "5", "total_max": "1"},
        {"total_max": "1e400"},
        {"purchased_from": "yesterday"},
        {"store": "BAD STORE"},
        {"columns": "buyer_email"},
        {"amazon_order_id": "a\x00b"},
        {"buyer_name": "x" * 101},
        {"is_prime": "maybe"},
        {"magento_state": "lost"},
        {"fulfillment_channel": "POST"},
    ],
)
def test_bad_parameters_are_422_with_a_message(client: TestClient, params: dict[str, Any]) -> None:
    r = client.get("/api/orders", params=params)
    assert r.status_code == 422, r.text
    assert r.json()["error"]


def test_bad_path_parameters_are_422(client: TestClient) -> None:
    assert client.get("/api/orders/BAD STORE/123").status_code == 422
    assert client.get("/api/stores/BAD!/dashboard").status_code == 422


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/orders"),
        ("get", "/api/stores"),
        ("get", "/api/stores/x/dashboard"),
        ("get", "/api/orders/x/1"),
        ("post", "/api/orders/x/1/retry"),
        ("get", "/api/openapi.json"),
    ],
)
def test_api_requires_the_token(topics: Settings, token_env: str, method: str, path: str) -> None:
    with TestClient(create_app(topics)) as anonymous:
        r = getattr(anonymous, method)(path)
        assert r.status_code == 401
        assert "Bearer" in r.json()["error"]
        r = getattr(anonymous, method)(path, headers={"Authorization": "Bearer wrong-token"})
        assert r.status_code == 401


def test_openapi_is_published_to_authenticated_users(client: TestClient) -> None:
    doc = client.get("/api/openapi.json").json()
    assert {
        "/api/orders",
        "/api/orders/{store_id}/{amazon_order_id}",
        "/api/stores",
        "/api/stores/{store_id}/dashboard",
        "/api/orders/{store_id}/{amazon_order_id}/retry",
    } <= set(doc["paths"])


def test_missing_token_fails_at_startup_with_a_clear_message(topics: Settings) -> None:
    from services.orders_tab.auth import TokenMissing

    with pytest.raises(TokenMissing, match="ORDERS_TAB_TOKEN"):
        create_app(topics.model_copy(update={"web_admin_token_ref": "env:ORDERS_TAB_TOKEN_UNSET_IN_TESTS"}))


def test_http_metrics_are_recorded(client: TestClient) -> None:
    from prometheus_client import REGISTRY

    before = (
        REGISTRY.get_sample_value(
            "sales_channel_orders_tab_http_requests_total", {"route": "/api/stores", "status": "200"}
        )
        or 0
    )
    client.get("/api/stores")
    after = REGISTRY.get_sample_value(
        "sales_channel_orders_tab_http_requests_total", {"route": "/api/stores", "status": "200"}
    )
    assert after == before + 1
    assert REGISTRY.get_sample_value(
        "sales_channel_orders_tab_http_request_duration_seconds_count", {"route": "/api/stores"}
    )


def test_counts_beyond_the_cap_are_planner_estimates(
    client: TestClient, data: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    from services.orders_tab import query

    monkeypatch.setattr(query, "COUNT_CAP", 1)
    body = client.get("/api/orders", params={"store": data.stores}).json()
    assert body["total_exact"] is False and body["total"] >= 2
    assert len(body["items"]) == 5  # the page itself is exact
    every_filter = {
        "store": data.stores,
        "status": ["Unshipped", "Partially Shipped"],
        "purchased_from": "2026-01-01T00:00:00+02:00",
        "purchased_to": "2027-01-01",
        "amazon_order_id": "90",
        "buyer_name": "a",
        "total_min": "0.5",
        "total_max": "1000",
        "fulfillment_channel": "MERCHANT",
        "is_prime": "false",
        "reserved": "false",
        "magento_state": ["none", "failed"],
    }
    r = client.get("/api/orders", params=every_filter)  # the estimate's EXPLAIN renders every literal
    assert r.status_code == 200, r.text
    assert {o["amazon_order_id"] for o in r.json()["items"]} == data.ids("A5", "B1")
    assert r.json()["total_exact"] is False
    quoted = client.get("/api/orders", params={"store": data.stores, "buyer_name": "O'Brien 100% _x\\"})
    assert quoted.status_code == 200 and quoted.json()["items"] == []


@pytest.mark.parametrize("moment", [
    "2008-08-16T07:01:42-16:57", "2026-01-01T00:00:00+23:59", "0001-01-01T00:00:00+01:00"])
def test_any_utc_offset_python_accepts_is_answered_without_a_server_error(client: TestClient, moment: str) -> None:
    """PostgreSQL refuses offsets beyond ±15:59; found by schemathesis."""
    r = client.get("/api/orders", params={"purchased_from": moment})
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422:
        assert "out of range" in r.json()["error"]


ALL_STATUSES = ["Pending", "Unshipped", "Partially Shipped", "Shipped", "Canceled", "Completed"]


@pytest.mark.parametrize("key", list(SortKey))
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_keyset_paging_walks_every_row_once_in_order(
    client: TestClient, data: Dataset, key: SortKey, direction: str
) -> None:
    """Pages of two by `after` give exactly the one-page order, whatever the sort (ties, NULLs)."""
    base = {"store": data.stores, "status": ALL_STATUSES, "sort": key.value, "direction": direction}
    whole = client.get("/api/orders", params={**base, "page_size": 50}).json()
    expected = [o["amazon_order_id"] for o in whole["items"]]
    assert len(expected) == 7 and whole["next_after"] is None
    seen: list[str] = []
    after: str | None = None
    for _ in range(10):
        r = client.get("/api/orders", params={**base, "page_size": 2, **({"after": after} if after else {})})
        assert r.status_code == 200, r.text
        body = r.json()
        seen += [o["amazon_order_id"] for o in body["items"]]
        assert (body["total"], body["total_exact"]) == (7, True)
        after = body["next_after"]
        if after is None:
            break
    assert seen == expected


def test_keyset_cursor_errors_say_what_to_do(client: TestClient, data: Dataset) -> None:
    first = client.get("/api/orders", params={"store": data.stores, "page_size": 2, "sort": "total"}).json()
    assert first["next_after"]
    other_sort = client.get("/api/orders", params={"store": data.stores, "after": first["next_after"]})
    assert other_sort.status_code == 422 and "another sort order" in other_sort.json()["error"]
    for bad in ("garbage", "W10", "WyJ0b3RhbCIsImRlc2MiLFsieCIsbnVsbCwiYSIsImIiXV0"):
        r = client.get("/api/orders", params={"store": data.stores, "sort": "total", "after": bad})
        assert r.status_code == 422 and "first page" in r.json()["error"], (bad, r.text)
    assert client.get("/api/orders", params={"after": "not a cursor!"}).status_code == 422
