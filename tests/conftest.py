"""Session fixtures: the real broker and a fresh PostgreSQL database.

KAFKA_BOOTSTRAP_SERVERS: use that broker; otherwise an embedded Tansu is started on a free port.
TEST_PG_ADMIN_URL: PostgreSQL to create the test database in (default: local, trust auth)."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from services.common.settings import Settings
from tests.harness import LOG_DIR, TANSU_TIMINGS, free_port

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    external = os.environ.get("TEST_KAFKA_BOOTSTRAP_SERVERS")
    if external:
        yield external
        return
    from services.common.broker import start_tansu

    LOG_DIR.mkdir(exist_ok=True)
    port = free_port()
    proc = start_tansu("127.0.0.1", port, log_path=LOG_DIR / f"tansu-{port}.log")
    try:
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    name = f"sc_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - environment problem, say what to do
        pytest.exit(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}. Start it with "
                    "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`.", 2)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
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
        database_url=migrated_pg_url,
        order_topic_partitions=4,
        kafka_session_timeout_ms=int(TANSU_TIMINGS["KAFKA_SESSION_TIMEOUT_MS"]),
        kafka_heartbeat_interval_ms=int(TANSU_TIMINGS["KAFKA_HEARTBEAT_INTERVAL_MS"]),
        kafka_max_poll_interval_ms=int(TANSU_TIMINGS["KAFKA_MAX_POLL_INTERVAL_MS"]),
        kafka_rebalance_timeout_ms=int(TANSU_TIMINGS["KAFKA_REBALANCE_TIMEOUT_MS"]),
        data_dir=data_dir,
        log_format="console",
    )


@pytest.fixture(scope="session")
def topics(settings: Settings) -> Settings:
    """Settings, with every catalogue topic created on the broker."""
    from services.common.kafka import ensure_topics

    ensure_topics(settings)
    return settings
