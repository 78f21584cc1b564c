"""Orders at risk of missing their Latest Ship Date, from the projection (SQLite here;
the same SQL runs on PostgreSQL in the projection tests' database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Engine

from schemas.types import FulfillmentChannel, TabStatus
from services.common.db import get_engine, upgrade
from services.common.metrics import ship_risk_counts
from services.orders_tab import ship_risk
from services.orders_tab.apply import fold
from services.orders_tab.store import write_batch
from tests.orders_tab import sample

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/risk.db"
        upgrade(url)
        return get_engine(url)
    settings = request.getfixturevalue("settings")
    eng = get_engine(settings.database_url)
    from services.orders_tab.store import truncate

    with eng.begin() as conn:
        truncate(conn)
    return eng


def test_counts_match_the_shared_window_rule_and_skip_shipped_and_amazon_orders(engine: Engine) -> None:
    due = {"o1": -3, "o2": 2, "o3": 10, "o4": 30, "o5": -1}
    views = [sample.view("risk", oid, latest_ship_date=NOW + timedelta(hours=h)) for oid, h in due.items()]
    views += [
        sample.view("risk", "shipped", status=TabStatus.SHIPPED, latest_ship_date=NOW - timedelta(hours=5)),
        sample.view("risk", "fba", channel=FulfillmentChannel.AMAZON, latest_ship_date=NOW - timedelta(hours=5)),
        sample.view("risk", "partial", status=TabStatus.PARTIALLY_SHIPPED, latest_ship_date=NOW + timedelta(hours=1)),
        sample.view("calm", "later", latest_ship_date=NOW + timedelta(days=3)),
    ]
    with engine.begin() as conn:
        write_batch(conn, fold([sample.state_event(v) for v in views] + [sample.store_event("calm", "Calm", 901),
                                                                          sample.store_event("risk", "Risk", 902)]))
    with engine.connect() as conn:
        counts = ship_risk.export(conn, NOW)
    open_dates = [NOW + timedelta(hours=h) for h in (*due.values(), 1)]
    assert counts["risk"] == ship_risk_counts(open_dates, NOW) == {"overdue": 2, "4h": 2, "24h": 3}
    assert counts["calm"] == {"overdue": 0, "4h": 0, "24h": 0}
    assert REGISTRY.get_sample_value("sales_channel_orders_at_ship_risk", {"store": "risk", "window": "overdue"}) == 2
