"""The Users page (admins): the users with their role and status, a form to add one and a Disable
button per active user. The page's script does both through the users API (services/orders_tab/
users_api.py) with the session cookie, then takes the fresh table from this page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy import Engine

from services.orders_tab import accounts
from services.orders_tab.auth import page_access
from services.orders_tab.logins import Principal
from services.orders_tab.pages import render
from services.orders_tab.roles import Permission, Role

router = APIRouter(include_in_schema=False)

ROLE_HINTS = {
    Role.VIEWER: "reads the grid, details and dashboards",
    Role.OPERATOR: "also retries Magento orders and cancels on Amazon",
    Role.ADMIN: "also manages users and stores",
}


@router.get("/users")
def users_page(request: Request, who: Annotated[Principal, Depends(page_access(Permission.MANAGE_USERS))]) -> Response:
    engine: Engine = request.app.state.engine
    with engine.connect() as conn:
        users = accounts.list_users(conn)
    return render("users.html", who=who, nav="users", users=users, roles=ROLE_HINTS,
                  min_password=accounts.MIN_PASSWORD, max_password=accounts.MAX_PASSWORD,
                  headers={"Cache-Control": "no-store"})
