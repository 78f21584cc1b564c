"""The Orders tab's "Cancel on Amazon" action (services/orders_tab/cancel_api.py): an Unshipped
order's request reaches user-requests with Amazon's reason and who asked; shipped orders are refused."""

from __future__ import annotations

from fastapi.testclient import TestClient

from schemas.events.fulfillment import AmazonCancelRequestedV1
from schemas.topics import USER_REQUESTS
from services.common.settings import Settings
from tests.harness import TopicReader
from tests.orders_tab.dataset import Dataset
from tests.orders_tab.test_api import client, data  # noqa: F401 - the module's fixtures

PATH = "/api/orders/{store}/{order}/cancel-on-amazon"


def test_an_unshipped_order_is_requested_for_cancellation(client: TestClient, data: Dataset,  # noqa: F811
                                                          topics: Settings) -> None:
    a1 = data.views["A1"]
    r = client.post(PATH.format(store=data.a, order=a1.amazon_order_id), json={"reason": "NoInventory"})
    assert r.status_code == 202, r.text
    assert r.json()["message"] == "Cancellation on Amazon requested."
    request_id = r.json()["request_id"]
    reader = TopicReader(topics, USER_REQUESTS)
    try:
        events = reader.wait_for(lambda evs: any(
            isinstance(e, AmazonCancelRequestedV1) and e.data.request_id == request_id for e in evs), timeout=20)
    finally:
        reader.close()
    (event,) = [e for e in events if isinstance(e, AmazonCancelRequestedV1) and e.data.request_id == request_id]
    assert (event.key, event.data.reason, event.data.store_id, event.data.amazon_order_id) == (
        f"{data.a}:{a1.amazon_order_id}", "NoInventory", data.a, a1.amazon_order_id)
    assert event.data.requested_by and event.data.via


def test_shipped_orders_are_refused_with_a_clear_message(client: TestClient, data: Dataset) -> None:  # noqa: F811
    for key in ("A2", "A5"):  # Shipped, Partially Shipped
        r = client.post(PATH.format(store=data.a, order=data.views[key].amazon_order_id),
                        json={"reason": "NoInventory"})
        assert r.status_code == 409, r.text
        assert "shipped" in r.json()["error"] and "cannot be canceled" in r.json()["error"]


def test_unknown_orders_and_reasons_not_amazons_are_refused(client: TestClient, data: Dataset) -> None:  # noqa: F811
    order = data.views["A1"].amazon_order_id
    assert client.post(PATH.format(store=data.a, order="999-0000000-0000000"),
                       json={"reason": "NoInventory"}).status_code == 404
    assert client.post(PATH.format(store=data.a, order=order), json={"reason": "Because"}).status_code == 422
