"""What ``sales-channel users add|list|disable`` do, on the Orders tab's database."""

from __future__ import annotations

from services.common.db import get_engine
from services.common.settings import Settings
from services.orders_tab import accounts
from services.orders_tab.roles import Role


def add(settings: Settings, name: str, role: str, password: str) -> str:
    """Add an active user; returns their personal API token. ValueError says what is wrong."""
    try:
        chosen = Role(role)
    except ValueError:
        raise ValueError(f"unknown role {role!r}: choose {', '.join(r.value for r in Role)}") from None
    with get_engine(settings.database_url).begin() as conn:
        _, token = accounts.add_user(conn, name, chosen, password)
    return token


def list_all(settings: Settings) -> list[accounts.User]:
    with get_engine(settings.database_url).connect() as conn:
        return accounts.list_users(conn)


def disable(settings: Settings, name: str) -> accounts.User:
    with get_engine(settings.database_url).begin() as conn:
        return accounts.disable(conn, name)
