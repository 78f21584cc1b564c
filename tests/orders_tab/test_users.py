"""Named users on the Orders tab (SPEC §11, issue 21): roles on every route, who asked for a
retry in its request event, argon2 passwords, throttled sign-in, personal API tokens, the
bootstrap admin token, bulk retry and the CSV export. On a database of this module's own."""

from __future__ import annotations

import csv
import io
import math
import re
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text

from schemas import Event
from schemas.events.requests import MagentoRetryRequestedV2, RequestedVia
from schemas.topics import USER_REQUESTS
from schemas.types import MagentoState, TabStatus
from services.common.db import get_engine
from services.common.settings import Settings
from services.orders_tab import accounts, query
from services.orders_tab.apply import fold
from services.orders_tab.auth import Access, SignInRefused
from services.orders_tab.query import GridQuery
from services.orders_tab.roles import Role
from services.orders_tab.store import write_batch
from services.orders_tab.throttle import PER_USER
from services.orders_tab.web import create_app
from tests.harness import TopicReader
from tests.orders_tab import sample
from tests.orders_tab.conftest import fresh_database

PASSWORD = "correct horse battery"
STORE, OTHER = "users-a", "users-b"
FAILED, CREATED, FAILED_B = "301-0000001-0000001", "301-0000002-0000002", "302-0000003-0000003"
BULK = 1_200  # orders of a third store, for the export's paging


@dataclass
class People:
    settings: Settings
    tokens: dict[str, str]  # user name -> personal API token


def seed(settings: Settings) -> None:
    at = sample.EPOCH + timedelta(days=30)
    views = [
        sample.view(STORE, FAILED, magento_state=MagentoState.FAILED, buyer_name="Ada Lovelace",
                    last_action="Cannot create sales order: boom.", purchase_date=at),
        sample.view(STORE, CREATED, magento_state=MagentoState.CREATED, magento_order_number="100000002",
                    magento_order_id=2, buyer_name="=HYPERLINK(\"x\")", purchase_date=at + timedelta(hours=1)),
        sample.view(OTHER, FAILED_B, magento_state=MagentoState.FAILED, buyer_name="Grace Hopper",
                    status=TabStatus.SHIPPED, purchase_date=at + timedelta(hours=2)),
    ]
    views += [sample.view("users-c", f"303-{n:07d}-0000000", purchase_date=sample.EPOCH + timedelta(minutes=n),
                          buyer_name=f"Buyer {n}", total=Decimal(n % 97) + Decimal("0.5"),
                          status=TabStatus.UNSHIPPED if n % 3 else TabStatus.SHIPPED)
              for n in range(BULK)]
    events: list[Event] = [sample.store_event(STORE, "Users Alpha", 21), sample.store_event(OTHER, "Users Beta", 22),
              sample.store_event("users-c", "Users Gamma", 23)] + [sample.state_event(v) for v in views]
    with get_engine(settings.database_url).begin() as conn:
        write_batch(conn, fold(events))


@pytest.fixture(scope="module")
def people(people_settings: Settings) -> People:
    seed(people_settings)
    tokens = {}
    with get_engine(people_settings.database_url).begin() as conn:
        for name, role in (("ada", Role.ADMIN), ("otto", Role.OPERATOR), ("vera", Role.VIEWER),
                           ("gone", Role.OPERATOR), ("locky", Role.OPERATOR)):
            _, tokens[name] = accounts.add_user(conn, name, role, PASSWORD)
    return People(people_settings, tokens)


@pytest.fixture(scope="module")
def app_client(people: People) -> Iterator[TestClient]:
    with TestClient(create_app(people.settings)) as c:
        yield c


def as_user(client: TestClient, people: People, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {people.tokens[name]}"}


def signed_in(people: People, name: str) -> TestClient:
    c = TestClient(create_app(people.settings))
    r = c.post("/login", data={"name": name, "password": PASSWORD, "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return c


def retry_events(settings: Settings, request_ids: set[str]) -> list[MagentoRetryRequestedV2]:
    reader = TopicReader(settings, USER_REQUESTS)
    try:
        events = reader.wait_for(
            lambda evs: request_ids <= {e.data.request_id for e in evs if isinstance(e, MagentoRetryRequestedV2)},
            timeout=20)
    finally:
        reader.close()
    return [e for e in events if isinstance(e, MagentoRetryRequestedV2) and e.data.request_id in request_ids]


# --- roles ------------------------------------------------------------------------------------------


def test_every_role_reads_the_grid_and_a_viewer_is_refused_a_retry(app_client: TestClient, people: People) -> None:
    for name in ("ada", "otto", "vera"):
        r = app_client.get("/api/orders", params={"store": STORE}, headers=as_user(app_client, people, name))
        assert r.status_code == 200 and len(r.json()["items"]) == 2
    r = app_client.post(f"/api/orders/{STORE}/{FAILED}/retry", headers=as_user(app_client, people, "vera"))
    assert r.status_code == 403
    assert r.json()["error"] == ("your role (viewer) does not allow you to retry Magento orders; "
                                 "it needs the operator role (ask an admin)")
    r = app_client.post("/api/orders/retry", json={"orders": [{"store_id": STORE, "amazon_order_id": FAILED}]},
                        headers=as_user(app_client, people, "vera"))
    assert r.status_code == 403


def test_a_viewer_sees_no_retry_button_and_the_page_refuses_the_post(people: People) -> None:
    with signed_in(people, "vera") as c:
        html = c.get(f"/orders/{STORE}/{FAILED}").text
        assert 'id="retry"' not in html and "needs the operator role" in html
        assert 'id="who">vera · viewer' in html
        assert "select-failed" not in c.get("/", params={"store": STORE}).text
        r = c.post(f"/orders/{STORE}/{FAILED}/retry", follow_redirects=False)
        assert r.status_code == 403 and "needs the operator role" in r.text


def test_only_an_admin_manages_users(app_client: TestClient, people: People) -> None:
    for name in ("otto", "vera"):
        assert app_client.get("/api/users", headers=as_user(app_client, people, name)).status_code == 403
    admin = as_user(app_client, people, "ada")
    listed = {u["name"]: u for u in app_client.get("/api/users", headers=admin).json()["items"]}
    assert listed["otto"]["role"] == "operator" and listed["vera"]["active"] is True
    r = app_client.post("/api/users", json={"name": "newbie", "role": "viewer", "password": PASSWORD}, headers=admin)
    assert r.status_code == 201 and r.json()["token"].startswith("sct_")
    me = app_client.get("/api/me", headers={"Authorization": f"Bearer {r.json()['token']}"}).json()
    assert me == {"name": "newbie", "role": "viewer", "bootstrap": False}
    again = app_client.post("/api/users", json={"name": "newbie", "role": "viewer", "password": PASSWORD},
                            headers=admin)
    assert again.status_code == 409
    short = app_client.post("/api/users", json={"name": "x", "role": "viewer", "password": "short"}, headers=admin)
    assert short.status_code == 422
    assert app_client.post("/api/users/nobody/disable", headers=admin).status_code == 404


# --- who did it -------------------------------------------------------------------------------------


def test_an_operators_retry_names_them_in_the_request_event(app_client: TestClient, people: People) -> None:
    r = app_client.post(f"/api/orders/{STORE}/{FAILED}/retry", headers=as_user(app_client, people, "otto"))
    assert r.status_code == 202, r.text
    with signed_in(people, "otto") as c:
        page = c.post(f"/orders/{STORE}/{FAILED}/retry", follow_redirects=False)
        assert page.status_code == 303
    api_id = r.json()["request_id"]
    (api_event,) = retry_events(people.settings, {api_id})
    assert (api_event.data.requested_by, api_event.data.via) == ("otto", RequestedVia.API)
    reader = TopicReader(people.settings, USER_REQUESTS)
    try:
        events = reader.wait_for(lambda evs: any(isinstance(e, MagentoRetryRequestedV2) and e.data.via is
                                                 RequestedVia.WEB and e.data.requested_by == "otto" for e in evs),
                                 timeout=20)
    finally:
        reader.close()
    assert any(e.key == f"{STORE}:{FAILED}" for e in events if isinstance(e, MagentoRetryRequestedV2))


def test_bulk_retry_sends_one_request_per_failed_order(app_client: TestClient, people: People) -> None:
    body = {"orders": [{"store_id": STORE, "amazon_order_id": FAILED},
                       {"store_id": STORE, "amazon_order_id": CREATED},
                       {"store_id": OTHER, "amazon_order_id": FAILED_B},
                       {"store_id": STORE, "amazon_order_id": FAILED}]}
    r = app_client.post("/api/orders/retry", json=body, headers=as_user(app_client, people, "otto"))
    assert r.status_code == 202, r.text
    out = r.json()
    assert [(o["store_id"], o["amazon_order_id"]) for o in out["requested"]] == [(STORE, FAILED), (OTHER, FAILED_B)]
    assert out["skipped"] == [{"store_id": STORE, "amazon_order_id": CREATED}]
    events = retry_events(people.settings, {o["request_id"] for o in out["requested"]})
    assert sorted(e.key for e in events) == sorted([f"{STORE}:{FAILED}", f"{OTHER}:{FAILED_B}"])
    assert {(e.data.requested_by, e.data.via) for e in events} == {("otto", RequestedVia.API)}


def test_bulk_retry_from_the_grid(people: People) -> None:
    with signed_in(people, "otto") as c:
        html = c.get("/", params={"store": [STORE, OTHER]}).text
        assert html.count('class="select-failed"') == 2 and 'id="bulk-retry-button"' in html
        r = c.post("/orders/retry", data={"order": [f"{STORE}/{FAILED}", f"{OTHER}/{FAILED_B}"],
                                          "back": f"/?store={STORE}"}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == f"/?store={STORE}&retried=2"
        assert "Magento order retry requested for 2 orders." in c.get(r.headers["location"]).text
        none = c.post("/orders/retry", data={"order": [f"{STORE}/{CREATED}"]}, follow_redirects=False)
        assert none.status_code == 422
        bad = c.post("/orders/retry", data={"order": ["not a key"]}, follow_redirects=False)
        assert bad.status_code == 422


# --- accounts, tokens, sessions ---------------------------------------------------------------------


def test_passwords_are_argon2_hashes_and_tokens_are_kept_as_digests(people: People) -> None:
    with get_engine(people.settings.database_url).connect() as conn:
        sql = "SELECT password_hash, token_hash FROM orders_tab_users WHERE name = 'otto'"
        pw, digest = conn.execute(text(sql)).one()
    assert pw.startswith("$argon2id$") and PASSWORD not in pw
    assert digest == accounts.token_digest(people.tokens["otto"]) and people.tokens["otto"] not in digest


def test_a_disabled_user_loses_token_password_and_session(app_client: TestClient, people: People) -> None:
    c = signed_in(people, "gone")
    assert c.get("/").status_code == 200
    r = app_client.post("/api/users/gone/disable", headers=as_user(app_client, people, "ada"))
    assert r.status_code == 200 and r.json()["active"] is False
    assert app_client.get("/api/orders", headers=as_user(app_client, people, "gone")).status_code == 401
    assert c.get("/", follow_redirects=False).status_code == 303  # back to sign-in
    refused = c.post("/login", data={"name": "gone", "password": PASSWORD})
    assert refused.status_code == 401 and "do not match" in refused.text
    c.close()


def test_a_new_personal_token_replaces_the_old_one(app_client: TestClient, people: People) -> None:
    old = as_user(app_client, people, "vera")
    r = app_client.post("/api/me/token", headers=old)
    assert r.status_code == 200
    people.tokens["vera"] = r.json()["token"]
    assert app_client.get("/api/me", headers=old).status_code == 401
    assert app_client.get("/api/me", headers=as_user(app_client, people, "vera")).json()["name"] == "vera"


def test_sign_in_is_throttled_per_account(people: People) -> None:
    with TestClient(create_app(people.settings)) as c:
        for _ in range(PER_USER.free):
            assert c.post("/login", data={"name": "locky", "password": "wrong password!"}).status_code == 401
        assert c.post("/login", data={"name": "locky", "password": "wrong password!"}).status_code == 401
        locked = c.post("/login", data={"name": "locky", "password": PASSWORD})  # right, but locked out
        assert locked.status_code == 429 and "Too many failed sign-ins" in locked.text
        assert 1 <= int(locked.headers["retry-after"]) <= PER_USER.base.total_seconds()
        # another account from the same address still signs in (the address allows more failures)
        ok = c.post("/login", data={"name": "otto", "password": PASSWORD}, follow_redirects=False)
        assert ok.status_code == 303


def test_throttle_per_client_address_and_expiry(people: People) -> None:
    access = Access(get_engine(people.settings.database_url), None)
    now = datetime.now(UTC) + timedelta(days=1)  # clear of the other tests' failures
    for i in range(20):
        with pytest.raises(SignInRefused) as wrong:
            access.sign_in(f"nobody{i}", "wrong password!", "", "198.51.100.7", now)
        assert wrong.value.status == 401
    with pytest.raises(SignInRefused) as locked:
        access.sign_in("nobody-else", "wrong password!", "", "198.51.100.7", now)
    assert locked.value.status == 401  # the 21st failure is the first to lock
    with pytest.raises(SignInRefused) as refused:
        access.sign_in("otto", PASSWORD, "", "198.51.100.7", now)
    assert refused.value.status == 429
    assert access.sign_in("otto", PASSWORD, "", "198.51.100.8", now)  # another address is not locked
    later = now + timedelta(seconds=31)
    assert access.sign_in("otto", PASSWORD, "", "198.51.100.7", later)


def test_an_unknown_name_costs_an_argon2_verification(people: People) -> None:
    import time

    with get_engine(people.settings.database_url).connect() as conn:
        started = time.perf_counter()
        assert accounts.by_password(conn, "no-such-user", PASSWORD) is None
        unknown = time.perf_counter() - started
        started = time.perf_counter()
        assert accounts.by_password(conn, "otto", "wrong password!") is None
        wrong = time.perf_counter() - started
    assert unknown > 0.2 * wrong  # same order of magnitude: both ran argon2


# --- the bootstrap admin token ------------------------------------------------------------------------


def test_the_admin_token_works_only_until_the_first_admin_exists(topics: Settings, pg_admin_url: str,
                                                                  token_env: str) -> None:
    url, drop = fresh_database(pg_admin_url)
    try:
        settings = topics.model_copy(update={"database_url": url})
        with TestClient(create_app(settings)) as c:
            bootstrap = {"Authorization": f"Bearer {token_env}"}
            assert c.get("/api/me", headers=bootstrap).json() == {"name": "bootstrap-admin", "role": "admin",
                                                                  "bootstrap": True}
            assert 'id="token"' in c.get("/login").text
            r = c.post("/api/users", json={"name": "first", "role": "admin", "password": PASSWORD}, headers=bootstrap)
            assert r.status_code == 201
            assert c.get("/api/me", headers=bootstrap).status_code == 401
            assert 'id="token"' not in c.get("/login").text
            retired = c.post("/login", data={"token": token_env})
            assert retired.status_code == 401 and "only signs in until the first admin exists" in retired.text
            first = {"Authorization": f"Bearer {r.json()['token']}"}
            assert c.get("/api/me", headers=first).json()["role"] == "admin"
        # with a named admin, the tab starts without any admin token
        assert create_app(settings.model_copy(update={"web_admin_token_ref": "env:ORDERS_TAB_TOKEN_UNSET_IN_TESTS"}))
    finally:
        drop()


# --- CSV export ----------------------------------------------------------------------------------------


def rows_of(body: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body)))


@pytest.mark.parametrize("params", [
    {"store": STORE},
    {"store": [STORE, OTHER], "magento_state": "failed"},
    {"store": "users-c", "status": "Shipped", "sort": "total", "direction": "asc"},
    {"store": "users-c", "total_min": "10", "total_max": "20", "columns": ["merchant_id", "is_prime"]},
])
def test_the_export_holds_exactly_the_grids_rows_in_its_order(app_client: TestClient, people: People,
                                                              params: dict[str, Any]) -> None:
    headers = as_user(app_client, people, "otto")
    grid: list[str] = []
    after = None
    while True:
        page = app_client.get("/api/orders", params={**params, "page_size": 200, **({"after": after} if after else {})},
                              headers=headers).json()
        grid += [o["amazon_order_id"] for o in page["items"]]
        if not (after := page["next_after"]):
            break
    r = app_client.get("/api/orders/export", params=params, headers=headers)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert r.headers["content-disposition"].startswith('attachment; filename="orders-')
    rows = rows_of(r.text)
    assert [row["Amazon Order Number"] for row in rows] == grid and grid
    if "columns" in params:
        assert rows[0]["Merchant Id"] == "1" and rows[0]["Is Prime"] == "No"


def test_buyer_names_are_exported_to_operators_only_and_formulas_are_defused(app_client: TestClient,
                                                                            people: People) -> None:
    viewer = rows_of(app_client.get("/api/orders/export", params={"store": STORE},
                                    headers=as_user(app_client, people, "vera")).text)
    assert "Buyer Name" not in viewer[0] and "Lovelace" not in str(viewer)
    operator = rows_of(app_client.get("/api/orders/export", params={"store": STORE},
                                      headers=as_user(app_client, people, "otto")).text)
    by_id = {r["Amazon Order Number"]: r for r in operator}
    assert by_id[FAILED]["Buyer Name"] == "Ada Lovelace"
    assert by_id[CREATED]["Buyer Name"] == "'=HYPERLINK(\"x\")"
    assert by_id[FAILED]["Purchase Date (UTC)"].startswith("2026-01-31T00:00:00")
    assert by_id[FAILED]["Magento Order State"] == "failed" and by_id[FAILED]["Total"] == "25.00"


def test_the_export_link_on_the_page_keeps_the_filters(people: People) -> None:
    with signed_in(people, "vera") as c:
        html = c.get("/", params={"store": STORE, "status": "Unshipped", "page": "1"}).text
        assert f'href="/api/orders/export?store={STORE}&amp;status=Unshipped"' in html
        r = c.get(f"/api/orders/export?store={STORE}&status=Unshipped")
        assert r.status_code == 200 and {row["Amazon Order Number"] for row in rows_of(r.text)} == {FAILED, CREATED}


def test_the_export_reads_in_keyset_chunks_with_bounded_memory(people: People) -> None:
    engine = get_engine(people.settings.database_url)
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if "FROM orders_tab_orders" in statement:
            statements.append(statement)

    q = GridQuery(stores=("users-c",), statuses=(TabStatus.UNSHIPPED, TabStatus.SHIPPED))
    event.listen(engine, "before_cursor_execute", record)
    try:
        with engine.connect() as conn:
            tracemalloc.start()
            n = 0
            peak_at_100 = 0
            for n, _row in enumerate(query.every_row(conn, q, chunk=100), start=1):
                if n == 100:
                    peak_at_100 = tracemalloc.get_traced_memory()[1]
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert n == BULK
    assert len(statements) == math.ceil(BULK / 100) + (1 if BULK % 100 == 0 else 0)
    assert all("LIMIT" in s and not re.search(r"\.items(,|\s)", s.split("FROM")[0]) for s in statements)
    assert all("ORDER BY" in s for s in statements)
    # memory holds one chunk: the peak over 1,200 rows is that of the first chunks, not 12 times it
    assert peak < 3 * max(peak_at_100, 1) + 512 * 1024
