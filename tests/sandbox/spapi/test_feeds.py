"""Feeds API v2021-06-30 in the SP-API sandbox (issue 18, seller cancellation): the full flow
createFeedDocument → upload → createFeed → getFeed → processing report, requests and answers valid
against feeds_2021-06-30.json; an Unshipped order ends Canceled, a shipped one is refused."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft4Validator

from sandbox.spapi import SandboxState
from services.fulfillment.feeds import (
    ACKNOWLEDGEMENT_FEED,
    CONTENT_TYPE,
    Cancellation,
    acknowledgement_feed,
    read_report,
)
from tests.harness import shared_path
from tests.sandbox.spapi.helpers import SellerSession, get_order

MARKETPLACE = "ATVPDKIKX0DER"
CONTRACT = shared_path("contracts", "sp-api", "feeds_2021-06-30.json")
BASE = "/feeds/2021-06-30"


@cache
def _definitions() -> dict[str, Any]:
    definitions: dict[str, Any] = json.loads(CONTRACT.read_text())["definitions"]
    return definitions


def assert_valid(definition: str, instance: Any) -> None:
    if not CONTRACT.exists():
        pytest.skip("feeds_2021-06-30.json not beside the repo")
    Draft4Validator({"$ref": f"#/definitions/{definition}", "definitions": _definitions()}).validate(instance)


def run_feed(client: TestClient, seller: SellerSession, document: bytes) -> tuple[dict[str, Any], bytes | None]:
    """The whole flow as a client runs it; the final Feed and its report (None without one)."""
    spec = {"contentType": CONTENT_TYPE}
    assert_valid("CreateFeedDocumentSpecification", spec)
    created = client.post(f"{BASE}/documents", json=spec, headers=seller.headers)
    assert created.status_code == 201, created.text
    assert_valid("CreateFeedDocumentResponse", created.json())
    upload = client.put(created.json()["url"], content=document, headers={"content-type": CONTENT_TYPE})
    assert upload.status_code == 200
    feed_spec = {"feedType": ACKNOWLEDGEMENT_FEED, "marketplaceIds": [MARKETPLACE],
                 "inputFeedDocumentId": created.json()["feedDocumentId"]}
    assert_valid("CreateFeedSpecification", feed_spec)
    made = client.post(f"{BASE}/feeds", json=feed_spec, headers=seller.headers)
    assert made.status_code == 202, made.text
    assert_valid("CreateFeedResponse", made.json())
    statuses = []
    for _ in range(5):
        feed = client.get(f"{BASE}/feeds/{made.json()['feedId']}", headers=seller.headers)
        assert feed.status_code == 200, feed.text
        assert_valid("Feed", feed.json())
        statuses.append(feed.json()["processingStatus"])
        if statuses[-1] in ("DONE", "FATAL", "CANCELLED"):
            break
    assert statuses[0] == "IN_PROGRESS" and statuses[-1] in ("DONE", "FATAL"), statuses
    if statuses[-1] != "DONE":
        return feed.json(), None
    result = client.get(f"{BASE}/documents/{feed.json()['resultFeedDocumentId']}", headers=seller.headers)
    assert result.status_code == 200
    assert_valid("FeedDocument", result.json())
    report = client.get(result.json()["url"])
    assert report.status_code == 200
    return feed.json(), report.content


def status_of(client: TestClient, seller: SellerSession, order_id: str) -> str:
    order = get_order(client, seller, order_id, includedData="FULFILLMENT").json()["order"]
    return str(order["fulfillment"]["fulfillmentStatus"])


def test_an_unshipped_order_is_canceled_and_a_shipped_one_refused(client: TestClient, state: SandboxState,
                                                                   seller: SellerSession) -> None:
    open_order = state.create_order(seller.seller_id, status="UNSHIPPED", fulfilled_by="MERCHANT")
    shipped = state.ship(seller.seller_id,
                         state.create_order(seller.seller_id, status="UNSHIPPED", fulfilled_by="MERCHANT").order_id)
    sent = [Cancellation(open_order.order_id, "NoInventory", tuple(i.order_item_id for i in open_order.items)),
            Cancellation(shipped.order_id, "BuyerCanceled")]
    _, report = run_feed(client, seller, acknowledgement_feed(seller.seller_id, sent))
    assert report is not None
    results = read_report(report, sent)
    assert [(r.amazon_order_id, r.error) for r in results] == [
        (open_order.order_id, None),
        (shipped.order_id, "The order cannot be canceled because it has already shipped.")]
    assert status_of(client, seller, open_order.order_id) == "CANCELLED"
    assert state.get_order(seller.seller_id, open_order.order_id).cancel_reason == "NoInventory"
    assert status_of(client, seller, shipped.order_id) == "SHIPPED"


def test_canceling_again_is_accepted_and_an_unknown_order_refused(client: TestClient, state: SandboxState,
                                                                  seller: SellerSession) -> None:
    order = state.create_order(seller.seller_id, status="UNSHIPPED", fulfilled_by="MERCHANT")
    sent = [Cancellation(order.order_id, "GeneralAdjustment"), Cancellation("999-0000000-0000000", "NoInventory")]
    run_feed(client, seller, acknowledgement_feed(seller.seller_id, sent[:1]))
    _, report = run_feed(client, seller, acknowledgement_feed(seller.seller_id, sent))
    assert report is not None
    errors = [r.error for r in read_report(report, sent)]
    assert errors[0] is None and errors[1] is not None and "not found" in errors[1]


def test_a_feed_that_is_not_an_acknowledgement_feed_is_fatal(client: TestClient, seller: SellerSession) -> None:
    feed, report = run_feed(client, seller, b"<not-an-envelope/>")
    assert feed["processingStatus"] == "FATAL" and report is None and "resultFeedDocumentId" not in feed


@pytest.mark.parametrize(("payload", "says"), [
    ({"feedType": "POST_PRODUCT_DATA", "marketplaceIds": [MARKETPLACE], "inputFeedDocumentId": "x"}, "not supported"),
    ({"feedType": ACKNOWLEDGEMENT_FEED, "marketplaceIds": [], "inputFeedDocumentId": "x"}, "marketplaceIds"),
    ({"feedType": ACKNOWLEDGEMENT_FEED, "marketplaceIds": [MARKETPLACE]}, "inputFeedDocumentId is required"),
    ({"feedType": ACKNOWLEDGEMENT_FEED, "marketplaceIds": [MARKETPLACE], "inputFeedDocumentId": "nope"}, "not found"),
    ({"feedType": ACKNOWLEDGEMENT_FEED, "marketplaceIds": [MARKETPLACE], "inputFeedDocumentId": "x", "extra": 1},
     "Unknown field extra"),
])
def test_create_feed_checks_the_specification(client: TestClient, seller: SellerSession, payload: dict[str, Any],
                                              says: str) -> None:
    answer = client.post(f"{BASE}/feeds", json=payload, headers=seller.headers)
    assert answer.status_code == 400 and says in answer.json()["errors"][0]["message"]


def test_a_document_must_be_uploaded_before_its_feed(client: TestClient, seller: SellerSession) -> None:
    created = client.post(f"{BASE}/documents", json={"contentType": CONTENT_TYPE}, headers=seller.headers).json()
    answer = client.post(f"{BASE}/feeds", headers=seller.headers, json={
        "feedType": ACKNOWLEDGEMENT_FEED, "marketplaceIds": [MARKETPLACE],
        "inputFeedDocumentId": created["feedDocumentId"]})
    assert answer.status_code == 400 and "not been uploaded" in answer.json()["errors"][0]["message"]


def test_feed_operations_need_a_token_and_take_faults_and_rate_limits(client: TestClient, state: SandboxState,
                                                                      seller: SellerSession) -> None:
    assert client.post(f"{BASE}/documents", json={"contentType": CONTENT_TYPE}).status_code == 403
    state.inject_fault("createFeedDocument", status=503, seller_id=seller.seller_id)
    assert client.post(f"{BASE}/documents", json={"contentType": CONTENT_TYPE},
                       headers=seller.headers).status_code == 503
    state.rate_limiter.enabled = True
    answers = [client.post(f"{BASE}/feeds", json={}, headers=seller.headers).status_code for _ in range(16)]
    assert answers[:15] == [400] * 15 and answers[15] == 429  # createFeed: burst 15, then 0.0083/s
    assert client.get(f"{BASE}/feeds/unknown", headers=seller.headers).status_code == 404
