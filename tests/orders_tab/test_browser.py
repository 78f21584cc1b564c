"""The Orders tab in headless Chromium (Playwright): log in, filter by status and store, add
an optional column, open an order's details, follow the store link. Saves a screenshot."""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.common.settings import Settings
from services.devbroker import free_port
from services.orders_tab.web import create_app
from tests.harness import ROOT
from tests.orders_tab import dataset
from tests.orders_tab.dataset import Dataset

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and shutil.which("chromium") is None,
    reason="Chromium is not installed (apt-get install -y chromium, as scripts/install-system-tools.sh does)",
)


@pytest.fixture(scope="module")
def data(topics: Settings, publish: Callable, project: Callable) -> Dataset:
    ds = dataset.build(uuid.uuid4().hex[:8], datetime.now(UTC))
    for topic, evs in dataset.events(ds).items():
        publish(topic, evs)
    project()
    return ds


@pytest.fixture(scope="module")
def base_url(topics: Settings, token_env: str) -> Iterator[str]:
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(topics), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the web app did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_orders_grid_in_a_browser(base_url: str, data: Dataset, token_env: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    a1, a5, b1 = data.views["A1"], data.views["A5"], data.views["B1"]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 900})
            page.goto(f"{base_url}/")
            expect(page).to_have_url(f"{base_url}/login?next=%2F")
            page.fill("#token", token_env)
            page.click("button[type=submit]")
            expect(page.locator("h1")).to_have_text("Orders")

            # filter by store (selects submit on change)
            page.select_option("#f-store", data.a)
            expect(page.locator("#orders tbody tr")).to_have_count(3)  # A1, A2, A5
            expect(page.locator(f"tr[data-order='{b1.amazon_order_id}']")).to_have_count(0)
            # … and by status
            page.select_option("#f-status", "Partially Shipped")
            expect(page.locator("#orders tbody tr")).to_have_count(1)
            expect(page.locator(f"tr[data-order='{a5.amazon_order_id}'] td.urgent-past")).to_have_count(1)
            page.select_option("#f-status", "")
            expect(page.locator("#orders tbody tr")).to_have_count(3)

            # add an optional column
            page.click("#columns-button")
            with page.expect_navigation():  # a column change reloads the grid
                page.click("#columns-form input[type=checkbox][value=merchant_id]")
            expect(page.locator("#orders thead th", has_text="Merchant Id")).to_have_count(1)
            expect(page.locator("#orders tbody tr").first.locator("td.num").last).to_have_text("11")

            # sort by Total: largest first, then smallest first
            first_total = page.locator("#orders tbody tr").first.locator("td").nth(5)
            page.click("#orders thead th[data-sort=total] a")
            expect(first_total).to_have_text("250.00 USD")
            page.click("#orders thead th[data-sort=total] a")
            expect(first_total).to_have_text("10.00 USD")

            # the screenshot: both stores, an optional column
            page.goto(f"{base_url}/?store={data.a}&store={data.b}&columns=merchant_id&columns=is_prime")
            expect(page.locator("#orders tbody tr")).to_have_count(5)
            page.set_viewport_size({"width": 1920, "height": 900})
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "orders-grid.png"), full_page=True)

            # open an order's details
            page.locator(f"tr[data-order='{a1.amazon_order_id}'] a.details-link").click()
            expect(page.locator("#order-number")).to_have_text(a1.amazon_order_id)
            expect(page.locator("#amount")).to_have_text("10.00 USD")
            expect(page.locator("#buyer-email")).to_have_text(a1.buyer_email or "")
            expect(page.locator("#log tbody tr")).to_have_count(2)
            expect(page.locator("#items tbody tr td").first).to_have_text(a1.items[0].sku)

            # follow the store link to the dashboard
            page.click("#store-link")
            expect(page.locator("#store-name")).to_have_text("Alpha Store")
            expect(page.locator("#by-status")).to_contain_text("Partially Shipped")
        finally:
            browser.close()
    assert (ARTIFACTS / "orders-grid.png").stat().st_size > 10_000
