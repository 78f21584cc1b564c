"""The sandbox's Notifications API against ``notifications.json``, and ``ORDER_CHANGE`` delivery
(payload per ``OrderChangeNotification.json``) to moto's SQS: at least once, duplicated,
reordered or dropped as a seeded policy says."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft4Validator, Draft7Validator

from sandbox.spapi.notifications import DeliveryPolicy, NotificationHub, moto_sqs_client
from sandbox.spapi.notifications_api import NotifyingSandboxState
from sandbox.spapi.notifications_sqs import MotoSqs, SqsQueue
from sandbox.spapi.server import create_app
from tests.harness import shared_path
from tests.sandbox.spapi.helpers import START, SellerSession, login

BASE = "/notifications/v1"


@cache
def _model() -> dict[str, Any]:
    return json.loads(shared_path("contracts", "sp-api", "notifications.json").read_text())


def check(definition: str, body: Any) -> None:
    schema = {"$ref": f"#/definitions/{definition}", "definitions": _model()["definitions"]}
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in Draft4Validator(schema).iter_errors(body)]
    assert not errors, errors


@cache
def _payload_validator() -> Draft7Validator:
    return Draft7Validator(json.loads(shared_path("contracts", "sp-api", "OrderChangeNotification.json").read_text()))


def check_notification(body: dict[str, Any]) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in _payload_validator().iter_errors(body)]
    assert not errors, errors


@pytest.fixture(scope="module")
def sqs() -> Iterator[MotoSqs]:
    with MotoSqs() as server:
        yield server


@pytest.fixture
def world(sqs: MotoSqs, request: pytest.FixtureRequest) -> Iterator[tuple[NotifyingSandboxState, TestClient, SqsQueue]]:
    queue = sqs.create_queue(f"notif-{request.node.name[:60]}".replace("[", "-").replace("]", ""))
    hub = NotificationHub(sqs=moto_sqs_client(sqs.endpoint_url), seed=5)
    state = NotifyingSandboxState(seed=5, rate_limits_enabled=False, notifications=hub)
    state.clock.freeze(START)
    with TestClient(create_app(state)) as client:
        yield state, client, queue
    hub.close()


def grantless(client: TestClient, state: NotifyingSandboxState) -> dict[str, str]:
    form = {"grant_type": "client_credentials", "scope": "sellingpartnerapi::notifications",
            "client_id": state.auth.client_id, "client_secret": state.auth.client_secret}
    r = client.post("/auth/o2/token", data=form)
    assert r.status_code == 200, r.text
    return {"x-amz-access-token": r.json()["access_token"]}


def seller_session(client: TestClient, state: NotifyingSandboxState,
                   marketplace: str = "ATVPDKIKX0DER") -> SellerSession:
    creds = state.create_seller(marketplace_id=marketplace)
    return SellerSession(creds, login(client, creds))


def subscribe(client: TestClient, state: NotifyingSandboxState, queue: SqsQueue, seller: SellerSession,
              **event_filter: Any) -> str:
    app = grantless(client, state)
    r = client.post(f"{BASE}/destinations", headers=app,
                    json={"name": "orders", "resourceSpecification": {"sqs": {"arn": queue.arn}}})
    if r.status_code == 409:
        dest = next(d for d in client.get(f"{BASE}/destinations", headers=app).json()["payload"]
                    if d["resource"]["sqs"]["arn"] == queue.arn)
    else:
        assert r.status_code == 200, r.text
        check("CreateDestinationResponse", r.json())
        dest = r.json()["payload"]
    body: dict[str, Any] = {"payloadVersion": "1.0", "destinationId": dest["destinationId"]}
    if event_filter:
        body["processingDirective"] = {"eventFilter": {"eventFilterType": "ORDER_CHANGE", **event_filter}}
    check("CreateSubscriptionRequest", body)
    r = client.post(f"{BASE}/subscriptions/ORDER_CHANGE", headers=seller.headers, json=body)
    assert r.status_code == 200, r.text
    check("CreateSubscriptionResponse", r.json())
    return str(r.json()["payload"]["subscriptionId"])


def receive_all(sqs: MotoSqs, queue: SqsQueue, expect: int, timeout_s: float = 10.0) -> list[dict[str, Any]]:
    client = sqs.client()
    out: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = client.receive_message(QueueUrl=queue.url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for m in got.get("Messages", []):
            out.append(json.loads(m["Body"]))
            client.delete_message(QueueUrl=queue.url, ReceiptHandle=m["ReceiptHandle"])
        if len(out) >= expect and not got.get("Messages"):
            break
    return out


def test_destination_and_subscription_lifecycle(world: tuple[NotifyingSandboxState, TestClient, SqsQueue]) -> None:
    state, client, queue = world
    seller = seller_session(client, state)
    sub_id = subscribe(client, state, queue, seller, marketplaceIds=["ATVPDKIKX0DER"])
    app = grantless(client, state)

    r = client.get(f"{BASE}/subscriptions/ORDER_CHANGE", headers=seller.headers)
    assert r.status_code == 200 and r.headers["x-amzn-RateLimit-Limit"] == "1"
    check("GetSubscriptionResponse", r.json())
    assert r.json()["payload"]["subscriptionId"] == sub_id
    assert r.json()["payload"]["processingDirective"]["eventFilter"]["marketplaceIds"] == ["ATVPDKIKX0DER"]

    r = client.get(f"{BASE}/subscriptions", headers=seller.headers, params={"notificationTypes": "ORDER_CHANGE"})
    check("GetSubscriptionsResponse", r.json())
    assert [s["subscriptionId"] for s in r.json()["payload"]["subscriptions"]] == [sub_id]

    r = client.get(f"{BASE}/destinations", headers=app)
    check("GetDestinationsResponse", r.json())

    again = client.post(f"{BASE}/subscriptions/ORDER_CHANGE", headers=seller.headers,
                        json={"payloadVersion": "1.0", "destinationId": r.json()["payload"][0]["destinationId"]})
    assert again.status_code == 409
    check("CreateSubscriptionResponse", again.json())

    r = client.get(f"{BASE}/subscriptions/ORDER_CHANGE/{sub_id}", headers=app)
    check("GetSubscriptionByIdResponse", r.json())
    r = client.delete(f"{BASE}/subscriptions/ORDER_CHANGE/{sub_id}", headers=app)
    assert r.status_code == 200
    check("DeleteSubscriptionByIdResponse", r.json())
    r = client.get(f"{BASE}/subscriptions/ORDER_CHANGE", headers=seller.headers)
    assert r.status_code == 404
    check("GetSubscriptionResponse", r.json())


@pytest.mark.parametrize("body, needle", [
    ({"name": "x", "resourceSpecification": {"sqs": {"arn": "not-an-arn"}}}, "ARN"),
    ({"resourceSpecification": {"sqs": {"arn": "arn:aws:sqs:us-east-1:1:q"}}}, "name"),
    ({"name": "x"}, "resourceSpecification"),
])
def test_create_destination_is_validated(world: tuple[NotifyingSandboxState, TestClient, SqsQueue],
                                         body: dict[str, Any], needle: str) -> None:
    state, client, _ = world
    r = client.post(f"{BASE}/destinations", headers=grantless(client, state), json=body)
    assert r.status_code == 400 and needle in r.json()["errors"][0]["message"]
    check("CreateDestinationResponse", r.json())


def test_subscription_requests_are_validated(world: tuple[NotifyingSandboxState, TestClient, SqsQueue]) -> None:
    state, client, queue = world
    seller = seller_session(client, state)
    app = grantless(client, state)
    dest = client.post(f"{BASE}/destinations", headers=app,
                       json={"name": "q", "resourceSpecification": {"sqs": {"arn": queue.arn}}}).json()["payload"]
    cases = [
        {"destinationId": dest["destinationId"]},  # no payloadVersion
        {"payloadVersion": "9.9", "destinationId": dest["destinationId"]},
        {"payloadVersion": "1.0", "destinationId": "nope"},
        {"payloadVersion": "1.0", "destinationId": dest["destinationId"],
         "processingDirective": {"eventFilter": {"eventFilterType": "ORDER_CHANGE", "orderChangeTypes": ["Nope"]}}},
    ]
    statuses = [client.post(f"{BASE}/subscriptions/ORDER_CHANGE", headers=seller.headers, json=c).status_code
                for c in cases]
    assert statuses == [400, 400, 404, 400]
    # a grantless token cannot subscribe for a seller, and no token reaches nothing
    assert client.post(f"{BASE}/subscriptions/ORDER_CHANGE", headers=app, json=cases[0]).status_code == 403
    assert client.get(f"{BASE}/destinations").status_code == 403


def test_lifecycle_sends_order_change_to_sqs(world: tuple[NotifyingSandboxState, TestClient, SqsQueue],
                                             sqs: MotoSqs) -> None:
    state, client, queue = world
    seller = seller_session(client, state)
    other = seller_session(client, state)  # not subscribed: nothing of it is sent
    sub_id = subscribe(client, state, queue, seller)
    order = state.create_order(seller.seller_id, fulfilled_by="MERCHANT", items=[{"quantity": 2}])
    state.set_status(seller.seller_id, order.order_id, "UNSHIPPED")
    state.request_cancellation(seller.seller_id, order.order_id, "Changed mind")
    state.cancel(seller.seller_id, order.order_id)
    state.create_order(other.seller_id)
    assert state.notifications.drain()
    got = receive_all(sqs, queue, 4)
    for body in got:
        check_notification(body)
        assert body["NotificationMetadata"]["SubscriptionId"] == sub_id
    changes = [(b["Payload"]["OrderChangeNotification"]["OrderChangeType"],
                b["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"]) for b in got]
    assert changes == [("OrderStatusChange", "Pending"), ("OrderStatusChange", "Unshipped"),
                       ("BuyerRequestedChange", "Unshipped"), ("OrderStatusChange", "Canceled")]
    assert {b["Payload"]["OrderChangeNotification"]["AmazonOrderId"] for b in got} == {order.order_id}
    assert len({b["NotificationMetadata"]["NotificationId"] for b in got}) == 4
    pending = got[0]["Payload"]["OrderChangeNotification"]["Summary"]
    assert pending["DestinationPostalCode"] is None  # unknown before payment, as in getOrder


def test_delivery_duplicates_reorders_and_drops_as_seeded(world: tuple[NotifyingSandboxState, TestClient, SqsQueue],
                                                          sqs: MotoSqs) -> None:
    state, client, queue = world
    seller = seller_session(client, state)
    silent = seller_session(client, state)
    subscribe(client, state, queue, seller)
    subscribe(client, state, queue, silent)
    hub = state.notifications
    hub.set_policy(DeliveryPolicy(duplicate=0.3, reorder=0.3, drop=0.1, max_delay_seconds=2))
    hub.set_policy(DeliveryPolicy(drop=1.0), seller_id=silent.seller_id)
    for _ in range(20):
        state.create_order(seller.seller_id, fulfilled_by="MERCHANT")
        state.create_order(silent.seller_id)
    assert hub.drain()
    c = hub.counters
    assert c.emitted == 40 and c.dropped >= 20 and c.duplicated > 0 and c.delayed > 0
    got = receive_all(sqs, queue, c.sent, timeout_s=15)
    assert len(got) == c.sent == 40 - c.dropped + c.duplicated
    ids = [b["NotificationMetadata"]["NotificationId"] for b in got]
    assert len(ids) > len(set(ids))  # at least once: some arrive twice
    assert {b["Payload"]["OrderChangeNotification"]["SellerId"] for b in got} == {seller.seller_id}
    sent_order = [s.notification_id for s in hub.sent if s.delay_seconds == 0]
    arrived = [i for i in dict.fromkeys(ids)]
    assert arrived != list(dict.fromkeys(s.notification_id for s in hub.sent))  # overtaken by later ones
    assert set(sent_order) <= set(arrived)


def test_same_seed_same_deliveries() -> None:
    def run() -> list[tuple[str, int]]:
        hub = NotificationHub(seed=3, policy=DeliveryPolicy(duplicate=0.5, reorder=0.5, drop=0.2))
        state = NotifyingSandboxState(seed=3, notifications=hub)
        seller = state.create_seller()
        app = hub.create_destination({"name": "q",
                                      "resourceSpecification": {"sqs": {"arn": "arn:aws:sqs:us-east-1:1:q"}}})
        hub.create_subscription(seller.seller_id, "ORDER_CHANGE", {"payloadVersion": "1.0",
                                                                    "destinationId": app.destination_id})
        for _ in range(10):
            state.create_order(seller.seller_id)
        return [(s.notification_id, s.delay_seconds) for s in hub.sent]

    assert run() == run()
