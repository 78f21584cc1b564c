"""`sales-channel poller` as a real process: SIGKILL and restart lose nothing, SIGTERM stops it."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schemas.events.poller import AmazonOrderChangedV1
from schemas.topics import AMAZON_ORDERS
from services.common.settings import Settings
from services.devbroker import free_port
from services.stores.registry import publish_config
from tests.harness import PII_KEK_ENV, ServiceProcess, TopicReader, pii_kek_secret, settings_env, wait_until
from tests.poller.conftest import Sandbox
from tests.poller.factory import store_config

pytestmark = pytest.mark.integration


def test_killed_poller_resumes_without_loss_and_stops_on_sigterm(topics: Settings, sandbox: Sandbox,
                                                                 tmp_path: Path) -> None:
    sb = sandbox
    creds = sb.state.create_seller()
    secrets_file = tmp_path / "secrets.json"
    secrets_file.write_text(json.dumps({"proc-lwa": {
        "client_id": creds.client_id, "client_secret": creds.client_secret,
        "refresh_token": creds.refresh_token, "token_url": f"{sb.url}/auth/o2/token"}, **pii_kek_secret()}))
    store = store_config("proc-store", sb.url, integration_time=datetime.now(UTC) - timedelta(minutes=10),
                         initial_import="none", poll_interval=2, credentials_ref="file:proc-lwa",
                         seller_id=creds.seller_id)
    publish_config(topics, store, "integrated", store.integration_time)
    orders = [sb.state.create_order(creds.seller_id, status="UNSHIPPED") for _ in range(3)]
    sb.advance(5)  # the process learns the sandbox's clock from the Date header

    metrics_port = free_port()
    env = {**settings_env(topics), "SECRETS_FILE": str(secrets_file), "METRICS_PORT": str(metrics_port),
           "LOG_FORMAT": "console", **PII_KEK_ENV}
    reader = TopicReader(topics, AMAZON_ORDERS)
    first = ServiceProcess("poller", ["poller"], env).start()
    second: ServiceProcess | None = None
    try:
        def mine() -> list[AmazonOrderChangedV1]:
            return [e for e in reader.events
                    if isinstance(e, AmazonOrderChangedV1) and e.data.store_id == "proc-store"]

        reader.wait_for(lambda _: len(mine()) >= 3, 40, "the first three orders")
        body = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read().decode()
        assert 'sales_channel_poller_spapi_calls_total{operation="searchOrders",outcome="ok",store="proc-store"}' \
            in body
        first.kill()  # SIGKILL: nothing flushed

        sb.state.ship(creds.seller_id, orders[0].order_id)
        fresh = sb.state.create_order(creds.seller_id, status="UNSHIPPED")
        sb.advance(5)
        second = ServiceProcess("poller", ["poller"], env).start()
        reader.wait_for(lambda _: len({(e.data.order.amazon_order_id, e.data.order.status) for e in mine()}) >= 5,
                        40, "the change and the order made while the poller was down")
        second.stop(timeout=20)  # SIGTERM
        assert second.proc is not None and second.proc.returncode == 0, second.log()[-2000:]
        assert "poller_stopped" in second.log()
    finally:
        reader.close()
        first.kill()
        if second is not None:
            second.kill()

    ids_by_change: dict[tuple[str, str], set[str]] = {}
    for e in mine():
        ids_by_change.setdefault((e.data.order.amazon_order_id, e.data.order.status.value), set()).add(e.event_id)
    expected = {(o.order_id, "UNSHIPPED") for o in orders} | {(orders[0].order_id, "SHIPPED"),
                                                               (fresh.order_id, "UNSHIPPED")}
    assert set(ids_by_change) == expected
    assert all(len(ids) == 1 for ids in ids_by_change.values())
    wait_until(lambda: not first.alive(), 5, what="the killed process is gone")
