"""The Orders tab in headless Chromium (Playwright): log in, filter by status and store, add an
optional column, open an order's details, follow the store link; axe-core on every page (serious
and critical violations fail), the keyboard path, the live refresh, who may retry, and the Users
page. Saves screenshots (the grid at 1,280 px under .test-logs/)."""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from schemas.events.requests import MagentoRetryRequestedV2
from schemas.topics import ORDER_VIEW, USER_REQUESTS
from services.common.db import get_engine
from services.common.settings import Settings
from services.devbroker import free_port
from services.order_processor.domain.messages import retry_requested
from services.orders_tab.accounts import add_user
from services.orders_tab.projector import Projector
from services.orders_tab.roles import Role
from services.orders_tab.web import create_app
from tests.harness import LOG_DIR, ROOT, TopicReader
from tests.orders_tab import dataset, sample
from tests.orders_tab.axe import assert_accessible, axe_script
from tests.orders_tab.dataset import Dataset

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "correct horse battery staple"

pytestmark = [
    pytest.mark.skipif(
        not Path(CHROMIUM).exists() and shutil.which("chromium") is None,
        reason="Chromium is not installed (apt-get install -y chromium, as scripts/install-system-tools.sh does)",
    ),
    pytest.mark.skipif(
        not axe_script().exists(), reason="axe-core is not installed (bash scripts/install-system-tools.sh)"
    ),
]


@pytest.fixture(scope="module")
def data(topics: Settings, publish: Callable, project: Callable) -> Dataset:
    ds = dataset.build(uuid.uuid4().hex[:8], datetime.now(UTC))
    for topic, evs in dataset.events(ds).items():
        publish(topic, evs)
    project()
    return ds


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the web app did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def base_url(topics: Settings, token_env: str) -> Iterator[str]:
    with serving(topics) as url:
        yield url


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    browser = pw.chromium.launch(
        executable_path=CHROMIUM,
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync"],
    )
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture()
def page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def sign_in(page: Any, base_url: str, *, token: str = "", name: str = "", password: str = "") -> None:
    from playwright.sync_api import expect

    page.goto(f"{base_url}/login")
    if token:
        page.fill("#token", token)
    if name:
        page.fill("#name", name)
        page.fill("#password", password)
    page.click("form[action='/login'] button[type=submit]")
    expect(page.locator("h1")).to_have_text("Orders")


def test_orders_grid_in_a_browser(base_url: str, data: Dataset, token_env: str, page: Any) -> None:
    from playwright.sync_api import expect

    a1, a5, b1 = data.views["A1"], data.views["A5"], data.views["B1"]
    page.set_viewport_size({"width": 1500, "height": 900})
    page.goto(f"{base_url}/")
    expect(page).to_have_url(f"{base_url}/login?next=%2F")
    assert_accessible(page, "the sign-in page")
    page.fill("#token", token_env)
    page.click("form[action='/login'] button[type=submit]")
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
    assert_accessible(page, "the grid with the columns menu open")
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

    # the screenshots: both stores, optional columns; usable at 1,280 px (sticky first column, scroll region)
    page.goto(f"{base_url}/?store={data.a}&store={data.b}&columns=merchant_id&columns=is_prime")
    expect(page.locator("#orders tbody tr")).to_have_count(5)
    assert_accessible(page, "the grid")
    page.set_viewport_size({"width": 1280, "height": 900})
    LOG_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(LOG_DIR / "orders-grid-1280.png"), full_page=True)
    region = page.locator(".grid-wrap")
    assert region.evaluate("el => el.scrollWidth > el.clientWidth"), "at 1,280 px the grid scrolls sideways"
    region.evaluate("el => el.scrollLeft = el.scrollWidth")
    first_cell = page.locator("#orders tbody tr").first.locator("td").first
    assert first_cell.bounding_box()["x"] >= region.bounding_box()["x"] - 1  # still in view
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
    assert_accessible(page, "an order's details")

    # follow the store link to the dashboard
    page.click("#store-link")
    expect(page.locator("#store-name")).to_have_text("Alpha Store")
    expect(page.locator("#by-status")).to_contain_text("Partially Shipped")
    assert_accessible(page, "a store's dashboard")

    page.goto(f"{base_url}/stores/no-such-store")
    expect(page.locator("h1")).to_have_text("Error 404")
    assert_accessible(page, "an error page")
    assert (LOG_DIR / "orders-grid-1280.png").stat().st_size > 10_000


def test_the_grid_works_from_the_keyboard(base_url: str, data: Dataset, token_env: str, page: Any) -> None:
    from playwright.sync_api import expect

    sign_in(page, base_url, token=token_env)
    page.goto(f"{base_url}/?store={data.a}")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # shown when focused
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
    # a filter from the keyboard: focus the order-number field, type, Enter submits
    page.locator("#f-order").focus()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.type(data.views["A5"].amazon_order_id[:9])
    page.keyboard.press("Enter")
    expect(page.locator("#orders tbody tr")).to_have_count(3)
    # Tab reaches the details link of a row, Enter opens it
    link = page.locator(f"tr[data-order='{data.views['A5'].amazon_order_id}'] a.details-link")
    for _ in range(80):
        page.keyboard.press("Tab")
        if link.evaluate("el => el === document.activeElement"):
            break
    expect(link).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page.locator("#order-number")).to_have_text(data.views["A5"].amazon_order_id)


def test_a_new_order_appears_without_a_reload(
    base_url: str, data: Dataset, token_env: str, page: Any, publish: Callable, project: Callable
) -> None:
    from playwright.sync_api import expect

    later = dataset.build(uuid.uuid4().hex[:8], datetime.now(UTC))
    sign_in(page, base_url, token=token_env)
    page.goto(f"{base_url}/?store={later.a}&sort=total&direction=asc")
    expect(page.locator("#no-orders")).to_be_visible()
    page.evaluate("window.__same_page = true")
    for topic, evs in dataset.events(later).items():
        publish(topic, evs)
    project()
    expect(page.locator("#orders tbody tr")).to_have_count(3, timeout=20_000)  # A1, A2, A5
    first = page.locator("#orders tbody tr").first
    expect(first).to_have_attribute("data-order", later.views["A1"].amazon_order_id)  # the sort kept
    expect(first).to_have_class("fresh")
    expect(page.locator("#live-status")).to_contain_text("3 new orders")
    expect(page.locator("#total")).to_have_text("3 records found")
    assert page.evaluate("window.__same_page === true"), "the page was reloaded"
    assert page.url.endswith(f"/?store={later.a}&sort=total&direction=asc")


@pytest.fixture(scope="module")
def team(people_settings: Settings, data: Dataset) -> Iterator[tuple[Settings, str, str, str]]:
    """The tab on a database of its own (named users there do not retire the session database's
    bootstrap token) with a viewer and an operator, projected from the session's topics."""
    suffix = uuid.uuid4().hex[:6]
    viewer, operator = f"viewer-{suffix}", f"operator-{suffix}"
    with get_engine(people_settings.database_url).begin() as conn:
        add_user(conn, viewer, Role.VIEWER, PASSWORD)
        add_user(conn, operator, Role.OPERATOR, PASSWORD)
    project_into(people_settings)
    with serving(people_settings) as url:
        yield people_settings, url, viewer, operator


def project_into(settings: Settings) -> None:
    projector = Projector(settings, group_id=None)
    try:
        projector.run(until_idle=True, max_seconds=60)
    finally:
        projector.close()


def test_a_viewer_is_refused_a_retry(team: tuple[Settings, str, str, str], data: Dataset, page: Any) -> None:
    from playwright.sync_api import expect

    _, url, viewer, _ = team
    a5 = data.views["A5"]  # its Magento order failed
    sign_in(page, url, name=viewer, password=PASSWORD)
    expect(page.locator("#who")).to_have_text(f"{viewer} · viewer")
    expect(page.locator("#bulk-retry-button")).to_have_count(0)
    page.goto(f"{url}/orders/{data.a}/{a5.amazon_order_id}")
    expect(page.locator("#retry")).to_have_count(0)
    expect(page.locator("#retry-not-allowed")).to_have_text("Retrying the Magento order needs the operator role.")
    assert_accessible(page, "an order's details for a viewer")
    refused = page.request.post(f"{url}/orders/{data.a}/{a5.amazon_order_id}/retry", max_redirects=0)
    assert refused.status == 403 and "operator" in refused.text()


def test_an_operators_retry_is_logged_with_their_name(
    team: tuple[Settings, str, str, str], data: Dataset, page: Any, publish: Callable
) -> None:
    from playwright.sync_api import expect

    settings, url, _, operator = team
    a5 = data.views["A5"]
    sign_in(page, url, name=operator, password=PASSWORD)
    page.goto(f"{url}/orders/{data.a}/{a5.amazon_order_id}")
    reader = TopicReader(settings, USER_REQUESTS)
    try:
        page.click("#retry")
        expect(page.locator(".flash")).to_have_text("Magento order retry requested.")

        def mine(events: list[Any]) -> list[MagentoRetryRequestedV2]:
            return [e for e in events if isinstance(e, MagentoRetryRequestedV2)
                    and e.data.amazon_order_id == a5.amazon_order_id and e.data.requested_by == operator]

        request = mine(reader.wait_for(lambda evs: bool(mine(evs)), timeout=30, what="the operator's retry"))[0]
    finally:
        reader.close()
    # the order processor's log line for the request, as it would publish it (it is not running here)
    message = retry_requested(request.data.requested_by, request.data.via)
    publish(ORDER_VIEW, [sample.log_event(data.a, a5.amazon_order_id, 1, message, datetime.now(UTC))])
    project_into(settings)
    page.reload()
    expect(page.locator("#log tbody")).to_contain_text(f"Retry requested by {operator}.")


def test_an_admin_adds_an_operator_on_the_users_page(team: tuple[Settings, str, str, str], page: Any) -> None:
    from playwright.sync_api import expect

    settings, url, viewer, _ = team
    suffix = uuid.uuid4().hex[:6]
    admin, newcomer = f"admin-{suffix}", f"newop-{suffix}"
    with get_engine(settings.database_url).begin() as conn:
        add_user(conn, admin, Role.ADMIN, PASSWORD)
    sign_in(page, url, name=admin, password=PASSWORD)
    page.click("#nav-users")
    expect(page.locator("h1")).to_have_text("Users")
    expect(page.locator("#nav-users")).to_have_attribute("aria-current", "page")
    assert_accessible(page, "the Users page")

    # the form from the keyboard: type, choose the role, Enter submits
    page.locator("#new-name").focus()
    page.keyboard.type(newcomer)
    page.keyboard.press("Tab")
    expect(page.locator("#new-role")).to_be_focused()
    page.select_option("#new-role", "operator")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    message = page.locator("#users-message")
    expect(message).to_contain_text(f"User {newcomer} added (operator). Their personal API token, shown once:")
    expect(message).to_be_focused()
    assert page.locator("#new-token").inner_text().startswith("sct_")
    row = page.locator(f"tr[data-user='{newcomer}']")
    expect(row.locator(".user-role")).to_have_text("operator")
    expect(row.locator(".user-status")).to_have_text("Active")
    expect(page.locator("#new-name")).to_have_value("")  # the form is cleared (and the password with it)
    assert_accessible(page, "the Users page after adding a user")
    LOG_DIR.mkdir(exist_ok=True)
    page.screenshot(path=str(LOG_DIR / "users-page.png"), full_page=True)

    # a refusal is said on the page
    page.fill("#new-name", newcomer)
    page.fill("#new-password", PASSWORD)
    page.click("#add-user-button")
    expect(page.locator("#users-error")).to_have_text(f"a user named '{newcomer}' already exists")
    assert_accessible(page, "the Users page with an error")

    # Disable, confirmed
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name=f"Disable {newcomer}").click()
    expect(row.locator(".user-status")).to_contain_text("Disabled")
    expect(message).to_contain_text(f"User {newcomer} disabled")
    expect(row.get_by_role("button")).to_have_count(0)

    # a viewer sees no link, and the page refuses them
    page.context.clear_cookies()
    sign_in(page, url, name=viewer, password=PASSWORD)
    expect(page.locator("#nav-users")).to_have_count(0)
    page.goto(f"{url}/users")
    expect(page.locator("h1")).to_have_text("Error 403")
