"""Session fixtures: the real broker and a fresh PostgreSQL database.

TEST_BROKER chooses the broker of a test session:
- ``kafka`` (default): Apache Kafka (deploy/kafka/pom.xml's version) started on free ports;
- ``tansu``: the demo's dev broker, with ``BROKER_QUIRKS=tansu``;
- ``external``: whatever ``KAFKA_BOOTSTRAP_SERVERS`` (or TEST_KAFKA_BOOTSTRAP_SERVERS) points at,
  with the ``BROKER_QUIRKS`` of the environment;
- ``testcontainers``: Kafka and PostgreSQL containers, where a Docker engine runs.
TEST_PG_ADMIN_URL: PostgreSQL to create the test database in (scripts/test.sh sets it up)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from services.common.settings import Settings
from tests.harness import LOG_DIR, PG_ADMIN_URL, group_timings

BROKERS = ("kafka", "tansu", "external", "testcontainers")


def test_broker() -> str:
    chosen = os.environ.get("TEST_BROKER", "").strip().lower()
    if not chosen:
        chosen = "external" if os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS") else "kafka"
    if chosen not in BROKERS:
        raise pytest.UsageError(f"TEST_BROKER={chosen!r}: choose one of {', '.join(BROKERS)}")
    return chosen


# Every process of the session (and the services it starts, through the environment) works around
# the quirks of the broker under test, and only those.
os.environ["BROKER_QUIRKS"] = {"tansu": "tansu", "kafka": "none", "testcontainers": "none"}.get(
    test_broker(), os.environ.get("BROKER_QUIRKS", "none"))


def _testcontainers() -> Any:
    try:
        from testcontainers.kafka import KafkaContainer
        from testcontainers.postgres import PostgresContainer
    except ImportError as exc:  # pragma: no cover - depends on the machine
        pytest.exit(f"TEST_BROKER=testcontainers needs testcontainers[kafka,postgres]: {exc}", 2)
    return KafkaContainer, PostgresContainer


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    chosen = test_broker()
    if chosen == "external":
        external = os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS") or os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if not external:
            pytest.exit("TEST_BROKER=external needs KAFKA_BOOTSTRAP_SERVERS", 2)
        yield external
        return
    if chosen == "testcontainers":
        kafka_container, _ = _testcontainers()
        with kafka_container("apache/kafka:4.1.1") as container:
            yield container.get_bootstrap_server()
        return
    from services.devbroker import start_broker

    LOG_DIR.mkdir(exist_ok=True)
    broker = start_broker(chosen, data_dir=LOG_DIR / f"{chosen}-{uuid.uuid4().hex[:6]}")  # type: ignore[arg-type]
    try:
        yield broker.bootstrap
    finally:
        broker.stop()


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    if test_broker() == "testcontainers":
        _, postgres_container = _testcontainers()
        with postgres_container("postgres:15", driver="psycopg2") as container:
            yield container.get_connection_url()
        return
    yield PG_ADMIN_URL


@pytest.fixture(scope="session")
def pg_url(pg_admin_url: str) -> Iterator[str]:
    name = f"sc_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - environment problem, say what to do
        pytest.exit(f"PostgreSQL is not reachable at {pg_admin_url}: {exc}. Run `bash scripts/postgres.sh`, "
                    "which installs, starts and configures it, then export the TEST_PG_ADMIN_URL it prints.", 2)
    url = pg_admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        from services.common.db import get_engine

        get_engine.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_pg_url(pg_url: str) -> str:
    from services.common.db import upgrade

    upgrade(pg_url)
    return pg_url


@pytest.fixture(scope="session")
def settings(kafka_bootstrap: str, migrated_pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir: Path = tmp_path_factory.mktemp("data")
    return Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        broker_quirks=os.environ["BROKER_QUIRKS"],  # type: ignore[arg-type]
        database_url=migrated_pg_url,
        order_topic_partitions=4,
        **group_timings(),
        data_dir=data_dir,
        log_format="console",
    )


@pytest.fixture(scope="session")
def topics(settings: Settings) -> Settings:
    """Settings, with every catalogue topic created on the broker."""
    from services.common.topic_admin import ensure_topics

    ensure_topics(settings)
    return settings
