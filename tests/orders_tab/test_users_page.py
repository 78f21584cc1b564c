"""The Users page (issue 21): admins only, linked from the navigation for them; it lists the users
with role and status, and its script adds and disables users through the users API with the
session cookie (the calls made here are the script's). On a database of this module's own."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from services.common.db import get_engine
from services.common.settings import Settings
from services.orders_tab import accounts
from services.orders_tab.roles import Role
from services.orders_tab.web import create_app
from tests.orders_tab.conftest import fresh_database

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def team(people_settings: Settings) -> Settings:
    with get_engine(people_settings.database_url).begin() as conn:
        for name, role in (("root", Role.ADMIN), ("opal", Role.OPERATOR), ("vic", Role.VIEWER)):
            accounts.add_user(conn, name, role, PASSWORD)
    return people_settings


@pytest.fixture()
def admin(team: Settings) -> Iterator[TestClient]:
    with signed_in(team, "root") as c:
        yield c


def signed_in(settings: Settings, name: str) -> TestClient:
    c = TestClient(create_app(settings))
    r = c.post("/login", data={"name": name, "password": PASSWORD, "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return c


def row(html: str, name: str) -> str:
    found = re.search(rf'<tr data-user="{re.escape(name)}">(.*?)</tr>', html, re.S)
    assert found, f"no row for {name}"
    return found.group(1)


def test_an_admin_sees_the_users_page_from_the_navigation(admin: TestClient) -> None:
    grid = admin.get("/").text
    assert '<a href="/users" id="nav-users">Users</a>' in grid
    page = admin.get("/users")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    html = page.text
    assert '<a href="/users" id="nav-users" aria-current="page">Users</a>' in html
    assert "<h1>Users</h1>" in html
    # the form: labelled fields, the password never in a URL
    assert '<form id="add-user" class="panel" method="post"' in html
    for field in ("new-name", "new-role", "new-password"):
        assert f'<label for="{field}">' in html and f'id="{field}"' in html
    assert 'type="password" required minlength="12"' in html
    assert [v for v in re.findall(r'<option value="(\w+)"', html)] == ["viewer", "operator", "admin"]
    # the list: role and status; a Disable button for others, none for yourself
    assert "<td class=\"user-role\">operator</td>" in row(html, "opal")
    assert "Active" in row(html, "vic") and 'aria-label="Disable vic"' in row(html, "vic")
    assert "(you)" in row(html, "root") and "Disable" not in row(html, "root")
    # the script calls the users API
    assert 'post("/api/users", body)' in html and "/api/users/${encodeURIComponent(name)}/disable" in html


@pytest.mark.parametrize("name", ["vic", "opal"])
def test_viewers_and_operators_see_no_link_and_are_refused_the_page(team: Settings, name: str) -> None:
    with signed_in(team, name) as c:
        assert 'href="/users"' not in c.get("/").text
        r = c.get("/users")
        assert r.status_code == 403
        assert "does not allow you to manage users; it needs the admin role" in r.text
        assert c.post("/api/users", json={"name": f"by-{name}", "role": "viewer", "password": PASSWORD}
                      ).status_code == 403


def test_the_page_needs_a_sign_in(team: Settings) -> None:
    with TestClient(create_app(team)) as c:
        r = c.get("/users", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login?next=%2Fusers"


def test_adding_and_disabling_through_the_pages_api_calls(admin: TestClient, team: Settings) -> None:
    # Add, as the page's script posts it (session cookie, JSON)
    added = admin.post("/api/users", json={"name": "newop", "role": "operator", "password": PASSWORD},
                       headers={"Accept": "application/json"})
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["user"]["role"] == "operator" and body["token"].startswith("sct_")
    assert "<td class=\"user-role\">operator</td>" in row(admin.get("/users").text, "newop")
    with signed_in(team, "newop") as c:  # the new user signs in with the password given
        assert c.get("/api/me").json() == {"name": "newop", "role": "operator", "bootstrap": False}

    # what the page shows for a refused add: the API's error message
    again = admin.post("/api/users", json={"name": "newop", "role": "viewer", "password": PASSWORD})
    assert again.status_code == 409 and again.json()["error"] == "a user named 'newop' already exists"
    short = admin.post("/api/users", json={"name": "shorty", "role": "viewer", "password": "short"})
    assert short.status_code == 422 and "password" in short.json()["error"]

    # a form another site could post (text/plain, no preflight) is not read as JSON
    forged = admin.post("/api/users", content=json.dumps({"name": "forged", "role": "admin", "password": PASSWORD}),
                        headers={"Content-Type": "text/plain"})
    assert forged.status_code == 422
    assert 'data-user="forged"' not in admin.get("/users").text

    # Disable
    disabled = admin.post("/api/users/newop/disable")
    assert disabled.status_code == 200 and disabled.json()["active"] is False
    after = row(admin.get("/users").text, "newop")
    assert "Disabled" in after and "Disable newop" not in after
    refused = TestClient(create_app(team)).post("/login", data={"name": "newop", "password": PASSWORD})
    assert refused.status_code == 401


def test_an_admin_cannot_disable_themselves(admin: TestClient) -> None:
    r = admin.post("/api/users/root/disable")
    assert r.status_code == 409 and r.json()["error"] == "you cannot disable your own account; ask another admin"
    assert "Active" in row(admin.get("/users").text, "root")


def test_the_bootstrap_admin_adds_the_first_admin_on_the_page(topics: Settings, pg_admin_url: str,
                                                              token_env: str) -> None:
    url, drop = fresh_database(pg_admin_url)
    try:
        settings = topics.model_copy(update={"database_url": url})
        with TestClient(create_app(settings)) as c:
            assert c.post("/login", data={"token": token_env}, follow_redirects=False).status_code == 303
            html = c.get("/users").text
            assert 'id="bootstrap-hint"' in html and 'id="no-users"' in html
            assert c.post("/api/users", json={"name": "first", "role": "admin", "password": PASSWORD}
                          ).status_code == 201
            # the bootstrap session ends with the first named admin (the page links to the sign-in)
            assert c.get("/users", follow_redirects=False).headers["location"] == "/login?next=%2Fusers"
    finally:
        drop()
