"""The server-rendered page through HTTP: login, grid, details, dashboard (no browser)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from services.common.settings import Settings
from services.orders_tab.web import create_app
from tests.orders_tab import dataset
from tests.orders_tab.dataset import Dataset

DEFAULT_HEADERS = [
    "Amazon Order Number",
    "Amazon Store Name",
    "Magento Order Number",
    "Buyer Name",
    "Status",
    "Total",
    "Fulfillment Channel",
    "Items Unshipped",
    "Reserved",
    "Purchase Date",
    "Latest Ship Date",
    "Last Action",
    "Action",
]


@pytest.fixture(scope="module")
def data(topics: Settings, publish: Callable, project: Callable) -> Dataset:
    ds = dataset.build(uuid.uuid4().hex[:8], datetime.now(UTC))
    for topic, evs in dataset.events(ds).items():
        publish(topic, evs)
    project()
    return ds


@pytest.fixture(scope="module")
def browser(topics: Settings, token_env: str) -> Iterator[TestClient]:
    with TestClient(create_app(topics)) as c:
        r = c.post("/login", data={"token": token_env, "next": "/"}, follow_redirects=False)
        assert r.status_code == 303
        yield c


def test_pages_need_a_login(topics: Settings, token_env: str) -> None:
    with TestClient(create_app(topics)) as c:
        r = c.get("/?status=Pending", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2F%3Fstatus%3DPending"
        assert c.get("/stores/x", follow_redirects=False).status_code == 303
        bad = c.post("/login", data={"token": "nope", "next": "/"})
        assert bad.status_code == 401 and "not valid" in bad.text
        good = c.post("/login", data={"token": token_env, "next": "//evil.example/"}, follow_redirects=False)
        assert good.headers["location"] == "/"  # no open redirect
        assert "orders_tab_session" in good.cookies and token_env not in good.headers["set-cookie"]
        assert c.get("/").status_code == 200
        out = c.post("/logout", follow_redirects=False)
        assert out.status_code == 303


def test_grid_page(browser: TestClient, data: Dataset) -> None:
    html = browser.get("/", params={"store": data.b}).text
    for header in DEFAULT_HEADERS:
        assert f">{header}</a>" in html or f"<th>{header}</th>" in html, header
    assert "Beta Store" in html and data.views["B1"].amazon_order_id in html
    assert "42.00 EUR" in html and "View Amazon Order Details" in html
    assert data.views["A1"].amazon_order_id not in html  # other store filtered out
    assert "Merchant Id</a>" not in html
    with_col = browser.get("/", params={"store": data.b, "columns": "merchant_id"}).text
    assert "Merchant Id</a>" in with_col


def test_grid_page_highlights_ship_dates_and_links_magento(browser: TestClient, data: Dataset) -> None:
    html = browser.get("/", params={"store": data.a}).text
    assert "urgent-near" in html and "urgent-past" in html
    assert 'href="http://127.0.0.1:8082/admin/sales/order/view/order_id/501/"' in html
    assert f'href="/stores/{data.a}"' in html


def test_details_and_dashboard_pages(browser: TestClient, data: Dataset) -> None:
    a1 = data.views["A1"]
    html = browser.get(f"/orders/{data.a}/{a1.amazon_order_id}").text
    for text in (
        "10.00 USD",
        "Ada Lovelace",
        a1.buyer_email or "",
        "100000001",
        a1.items[0].sku,
        "Order imported from Amazon.",
        "Magento order 100000001 was created.",
    ):
        assert text in html
    dash = browser.get(f"/stores/{data.a}").text
    assert "Alpha Store" in dash and "Orders by status" in dash and "Magento order failed" in dash
    missing = browser.get(f"/orders/{data.a}/999-0000000-0000000")
    assert missing.status_code == 404 and "no order" in missing.text


def test_page_bad_parameters_render_an_error(browser: TestClient) -> None:
    r = browser.get("/", params={"page_size": "5000"})
    assert r.status_code == 422 and "page_size" in r.text and "<html" in r.text


def test_failed_actions_stand_out_in_the_order_log(
        browser: TestClient, topics: Settings, publish: Callable, project: Callable) -> None:
    from schemas.topics import ORDER_VIEW, STORES
    from tests.orders_tab import sample

    store, order = f"lvl-{uuid.uuid4().hex[:8]}", "115-0000001-0000001"
    failed = "Cannot create sales order: product SKU-001 is out of stock."
    publish(STORES, [sample.store_event(store, "Level Store", 13)])
    publish(ORDER_VIEW, [sample.state_event(sample.view(store, order, last_action=failed)),
                              sample.log_event(store, order, 1, "Order imported from Amazon."),
                              sample.log_event(store, order, 2, failed)])
    project()
    html = browser.get(f"/orders/{store}/{order}").text
    assert '<tr class="log-info"><td>1</td>' in html and '<tr class="log-error"><td>2</td>' in html
    log = browser.get(f"/api/orders/{store}/{order}").json()["log"]
    assert [(e["seq"], e["level"]) for e in log] == [(1, "info"), (2, "error")]


def test_grid_page_pages_by_keyset_and_keeps_the_first_column_in_view(browser: TestClient, data: Dataset) -> None:
    import re
    from html import unescape

    first = browser.get("/", params={"store": data.stores, "page_size": 2, "sort": "amazon_order_id",
                                     "direction": "asc"}).text
    assert "position:sticky" in first and 'id="scroll-hint"' in first
    nxt = re.search(r'href="([^"]*)" id="next"', first)
    assert nxt and "after=" in nxt.group(1)
    seen = re.findall(r'<tr data-order="([^"]+)"', first)
    second = browser.get(unescape(nxt.group(1)))
    assert second.status_code == 200 and 'id="first"' in second.text
    seen += re.findall(r'<tr data-order="([^"]+)"', second.text)
    assert seen == sorted(data.ids("A1", "A2", "A5", "B1", "B2"))[:4]


def test_grid_page_answers_the_live_refresh_304_until_the_projection_moves(
    browser: TestClient, data: Dataset, publish: Callable, project: Callable
) -> None:
    shown = browser.get("/", params={"store": data.a})
    etag = shown.headers["etag"]
    assert etag.startswith('W/"') and 'id="grid-body"' in shown.text and 'id="live-status"' in shown.text
    unchanged = browser.get("/", params={"store": data.a}, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""

    later = dataset.build(uuid.uuid4().hex[:8], datetime.now(UTC))
    for topic, evs in dataset.events(later).items():
        publish(topic, evs)
    project()
    moved = browser.get("/", params={"store": later.a}, headers={"If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["etag"] != etag
    assert later.views["A1"].amazon_order_id in moved.text


def test_dates_show_in_the_stores_time_zone_with_utc_on_hover(
    browser: TestClient, token_env: str, publish: Callable, project: Callable, uid: str
) -> None:
    from schemas.topics import ORDER_VIEW, STORES
    from tests.orders_tab import sample

    berlin, plain = f"tz-berlin-{uid}", f"tz-utc-{uid}"
    summer = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    orders = [sample.view(berlin, f"903-{uid[:7]}-0000001", merchant_id=13, purchase_date=summer),
              sample.view(plain, f"904-{uid[:7]}-0000001", merchant_id=14, purchase_date=summer)]
    publish(STORES, [sample.store_event(berlin, "Berlin Store", 13, time_zone="Europe/Berlin"),
                     sample.store_event(plain, "Plain Store", 14)])  # v1: no zone, so UTC
    publish(ORDER_VIEW, [sample.state_event(o) for o in orders])
    project()
    hover = '<time datetime="2026-07-01T12:00:00+00:00" title="Jul 01, 2026 12:00 UTC">'
    grid = browser.get("/", params={"store": [berlin, plain]}).text
    assert hover + "Jul 01, 2026 14:00 CEST</time>" in grid
    assert hover + "Jul 01, 2026 12:00 UTC</time>" in grid
    details = browser.get(f"/orders/{berlin}/{orders[0].amazon_order_id}").text
    assert hover + "Jul 01, 2026 14:00 CEST</time>" in details and "Europe/Berlin" in details
    api = browser.get("/api/orders", params={"store": berlin}, headers={"Authorization": f"Bearer {token_env}"})
    [row] = api.json()["items"]
    assert row["time_zone"] == "Europe/Berlin" and row["purchase_date"].startswith("2026-07-01T12:00:00")
