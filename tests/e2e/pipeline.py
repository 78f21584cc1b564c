"""A whole pipeline for end-to-end tests: sandboxes in this process, every service as a
real child process on the real broker and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from sandbox._server import ServerHandle, serve_in_thread
from sandbox.magento import MagentoState
from sandbox.magento import create_app as magento_app
from sandbox.spapi import SandboxState, SellerCredentials
from sandbox.spapi.server import create_app as spapi_app
from schemas.types import OrderSettings, StoreConfig
from services.common.settings import Settings
from services.devbroker import free_port
from services.stores import registry
from tests.harness import PII_KEK_ENV, ServiceProcess, pii_kek_secret, settings_env, wait_until

SERVICE_COMMANDS = ("poller", "order-processor", "inventory-reserver", "magento-writer", "projector")
TAB_TOKEN = "e2e-orders-tab-token"


@dataclass
class Pipeline:
    settings: Settings
    amazon: SandboxState
    magento: MagentoState
    amazon_srv: ServerHandle
    magento_srv: ServerHandle
    secrets_file: Path
    env: dict[str, str]
    processes: dict[str, ServiceProcess] = field(default_factory=dict)
    metrics_ports: dict[str, int] = field(default_factory=dict)
    sellers: dict[str, SellerCredentials] = field(default_factory=dict)
    _client: TestClient | None = None

    def add_store(self, store_id: str, integration_time: datetime, merchant_id: int | None = None,
                  **order_settings: Any) -> SellerCredentials:
        creds = self.amazon.create_seller()
        self.sellers[store_id] = creds
        data = json.loads(self.secrets_file.read_text())
        data[store_id] = {"client_id": creds.client_id, "client_secret": creds.client_secret,
                          "refresh_token": creds.refresh_token, "token_url": f"{self.amazon_srv.url}/auth/o2/token"}
        self.secrets_file.write_text(json.dumps(data))
        registry.integrate(self.settings, StoreConfig(
            store_id=store_id, name=f"Store {store_id}", merchant_id=merchant_id or uuid.uuid4().int % 10**8 + 1,
            seller_id=creds.seller_id, marketplace_id=creds.marketplace_id, spapi_endpoint=self.amazon_srv.url,
            lwa_credentials_ref=f"file:{store_id}", magento_store_code="default", poll_interval_seconds=1,
            integration_time=integration_time, settings=OrderSettings(**order_settings),
        ))
        return creds

    def start(self, *commands: str) -> None:
        for command in commands or SERVICE_COMMANDS:
            port = self.metrics_ports.setdefault(command, free_port())
            env = {**self.env, "METRICS_PORT": str(port)}
            self.processes[command] = ServiceProcess(command, [command], env).start()

    def scrape(self, command: str) -> dict[str, float]:
        """``/metrics`` of one service: every sample as ``name{labels}`` → value."""
        from prometheus_client.parser import text_string_to_metric_families

        body = httpx.get(f"http://127.0.0.1:{self.metrics_ports[command]}/metrics", timeout=5).text
        samples: dict[str, float] = {}
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                samples[f"{sample.name}{{{labels}}}"] = sample.value
        return samples

    def healthz(self, command: str) -> int:
        return httpx.get(f"http://127.0.0.1:{self.metrics_ports[command]}/healthz", timeout=5).status_code

    def check_alive(self) -> None:
        for name, proc in self.processes.items():
            if not proc.alive():
                raise AssertionError(f"{name} exited ({proc.proc.returncode if proc.proc else '?'}):\n"
                                     f"{proc.log()[-3000:]}")

    @property
    def tab(self) -> TestClient:
        if self._client is None:
            from services.orders_tab.web import create_app

            web_settings = self.settings.model_copy(update={"secrets_file": self.secrets_file,
                                                            "web_admin_token_ref": "file:orders-tab"})
            self._client = TestClient(create_app(web_settings))
            self._client.headers["Authorization"] = f"Bearer {TAB_TOKEN}"
        return self._client

    def order_details(self, store_id: str, amazon_order_id: str) -> dict[str, Any] | None:
        self.check_alive()
        resp = self.tab.get(f"/api/orders/{store_id}/{amazon_order_id}")
        return resp.json() if resp.status_code == 200 else None

    def wait_details(self, store_id: str, order_id: str, predicate: Any, timeout: float = 120.0,
                     what: str = "order details") -> dict[str, Any]:
        def check() -> dict[str, Any] | None:
            d = self.order_details(store_id, order_id)
            return d if d is not None and predicate(d) else None

        result: dict[str, Any] = wait_until(check, timeout=timeout, interval=0.5, what=what)
        return result

    def advance_amazon(self, seconds: float) -> None:
        self.amazon.clock.advance(seconds)

    def stop(self) -> None:
        for proc in self.processes.values():
            proc.stop()
        if self._client is not None:
            self._client.close()
        self.amazon_srv.stop()
        self.magento_srv.stop()


@contextmanager
def pipeline(settings: Settings, tmp_path: Path, amazon_now: datetime,
             amazon: SandboxState | None = None) -> Iterator[Pipeline]:
    """``amazon``: the SP-API sandbox's state (default: seed 11, rates 1000x Amazon's)."""
    amazon = amazon or SandboxState(seed=11, rate_scale=1000.0)
    amazon.clock.freeze(amazon_now)
    magento = MagentoState()
    amazon_srv = serve_in_thread(spapi_app(amazon))
    magento_srv = serve_in_thread(magento_app(magento))
    secrets_file = tmp_path / "secrets.json"
    secrets_file.write_text(json.dumps({"magento": magento.issue_admin_token(ttl_s=None), "orders-tab": TAB_TOKEN,
                                        **pii_kek_secret()}))
    env = {**settings_env(settings), "SECRETS_FILE": str(secrets_file), "MAGENTO_BASE_URL": magento_srv.url,
           "MAGENTO_AUTH_REF": "file:magento", "WEB_ADMIN_TOKEN_REF": "file:orders-tab", "LOG_FORMAT": "console",
           **PII_KEK_ENV}
    p = Pipeline(settings, amazon, magento, amazon_srv, magento_srv, secrets_file, env)
    try:
        yield p
    finally:
        p.stop()


def hours_ago(now: datetime, hours: float) -> datetime:
    return now - timedelta(hours=hours)
