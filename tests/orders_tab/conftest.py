"""Fixtures of the Orders-tab tests: a projector run until caught up, an API client."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text

from schemas.envelope import Event
from services.common.db import get_engine
from services.common.kafka import make_producer, publish_sync
from services.common.settings import Settings
from services.orders_tab.projector import Projector, RunStats

TOKEN = "test-orders-tab-token-0123456789"


@pytest.fixture(scope="session")
def producer(topics: Settings) -> Iterator[object]:
    p = make_producer(topics)
    yield p
    p.close()


@pytest.fixture(scope="session")
def publish(producer: object) -> Callable[[str, list[Event]], int]:
    def _publish(topic: str, events: list[Event]) -> int:
        return publish_sync(producer, topic, events)  # type: ignore[arg-type]

    return _publish


@pytest.fixture(scope="session")
def project(topics: Settings) -> Callable[..., RunStats]:
    """Run a projector (own partitions, no group) until every partition is read to its end."""

    def _project(**kwargs: object) -> RunStats:
        projector = Projector(topics, group_id=None)
        try:
            return projector.run(until_idle=True, max_seconds=60, **kwargs)  # type: ignore[arg-type]
        finally:
            projector.close()

    return _project


@pytest.fixture()
def uid() -> str:
    """A unique suffix, so tests sharing the session's topics and database never collide."""
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
def token_env() -> Iterator[str]:
    old = os.environ.get("ORDERS_TAB_TOKEN")
    os.environ["ORDERS_TAB_TOKEN"] = TOKEN
    yield TOKEN
    if old is None:
        os.environ.pop("ORDERS_TAB_TOKEN", None)
    else:
        os.environ["ORDERS_TAB_TOKEN"] = old


def table_rows(settings: Settings, sql: str, **params: object) -> list[tuple[object, ...]]:
    with get_engine(settings.database_url).connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), params)]


def fresh_database(pg_admin_url: str) -> tuple[str, Callable[[], None]]:
    """A new, migrated database and its dropper: for tests that add named admins, which retire the
    bootstrap token that the session database's other tests sign in with."""
    from sqlalchemy import create_engine

    from services.common.db import upgrade

    name = f"sc_users_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    upgrade(url)

    def drop() -> None:
        get_engine(url).dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url, drop


@pytest.fixture(scope="module")
def people_settings(topics: Settings, pg_admin_url: str, token_env: str) -> Iterator[Settings]:
    """Settings on a database of this module's own (the broker is the session's)."""
    url, drop = fresh_database(pg_admin_url)
    yield topics.model_copy(update={"database_url": url})
    drop()
