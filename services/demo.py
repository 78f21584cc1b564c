"""``sales-channel demo``: the whole pipeline on one machine.

A broker (embedded Tansu by default, or Apache Kafka with ``--broker kafka``), SQLite, the
SP-API and Magento sandboxes (in this process, so they can be seeded directly), every service
as a child process, and the Orders tab with one named user per role (random passwords, printed at
start; no bootstrap admin token). The sandboxes stand in for Amazon and Magento; the pipeline talks
to them over HTTP exactly as it would to the real APIs."""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import signal
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Literal

from rich.console import Console
from rich.panel import Panel

from services.common.settings import Settings
from services.supervisor import Supervisor, Watchdog

if TYPE_CHECKING:
    from sandbox.magento import MagentoState
    from sandbox.spapi import SandboxState
    from services.devbroker import RunningBroker

DEMO_DIR = Path(".sales-channel") / "demo"
SERVICES = (
    ("poller", "poller"),
    ("order-processor", "order-processor"),
    ("inventory-reserver", "inventory-reserver"),
    ("magento-writer", "magento-writer"),
    ("projector", "projector"),
    ("key-service", "key-service"),
)
METRICS_BASE_PORT = 9301
RESTOCK_SKU = "DEMO-RESTOCK-1"
PUSH_STORE = "store-1"  # ORDER_CHANGE notifications on: its orders appear within seconds


@dataclass(frozen=True)
class DemoAccount:
    name: str
    role: str
    password: str
    token: str  # the personal API token


DEMO_ROLES = ("admin", "operator", "viewer")  # one account per role, named after it
ROLE_NOTES = {"admin": "admin: users", "operator": "operator: retry, cancel", "viewer": "viewer: read only"}


def create_accounts(settings: Settings) -> list[DemoAccount]:
    """The demo's named accounts, one per role with a random password, made by the code behind
    ``sales-channel users add``. A named admin exists from the start, so no bootstrap token is needed."""
    from services.orders_tab import users_cli

    made = []
    for role in DEMO_ROLES:
        password = secrets.token_urlsafe(12)  # 16 characters
        made.append(DemoAccount(role, role, password, users_cli.add(settings, role, role, password)))
    return made


def sign_in_text(web_port: int, accounts: list[DemoAccount]) -> str:
    """How to sign in to the demo's Orders tab: each account's name and password, and the admin's API token."""
    url = f"http://127.0.0.1:{web_port}"
    width = max(len(a.name) for a in accounts)
    lines = [f"[bold]Orders tab[/bold]  {url}/   sign in with a name and password:"]
    lines += [f"  {a.name:<{width}}  {a.password}   ({ROLE_NOTES.get(a.role, a.role)})" for a in accounts]
    admin = next((a for a in accounts if a.role == "admin"), None)
    if admin is not None:
        lines.append(f"Users page  {url}/users   (as {admin.name}: add and disable users)")
    lines.append(f"API docs    {url}/api/docs   (once signed in)")
    if admin is not None:
        lines.append(f"API token   {admin.token}   ({admin.name}'s: Authorization: Bearer …)")
    return "\n".join(lines)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PortsTaken(Exception):
    """A port the demo needs is in use; the message says which, by what, and what to do."""


def plan_ports(web_port: int, metrics_base: int = METRICS_BASE_PORT, broker_port: int = 9092,
               services: int = len(SERVICES)) -> tuple[int, list[int], list[str]]:
    """The demo's ports, checked before anything starts: the Orders tab's (refused when taken: the
    user chose it), the broker's and the services' metrics ports (a free port instead, said so).
    Returns the broker port, the metrics ports and the notes to show."""
    from services.supervisor import port_owner, port_taken

    def owner(port: int) -> str:
        who = port_owner(port)
        if who is None:
            return "another process (run `ss -ltnp` to see which)"
        return who + (" — a demo left running? stop it with `kill " + who.split()[1] + "`"
                      if "sales-channel" in who or "services.cli" in who or "tansu" in who else "")

    if port_taken(web_port):
        raise PortsTaken(f"Port {web_port} (the Orders tab) is taken by {owner(web_port)}. "
                         f"Free it, or run `sales-channel demo --web-port PORT` with another port.")
    notes: list[str] = []
    chosen_broker = broker_port
    if port_taken(broker_port):
        chosen_broker = _free_port()
        notes.append(f"port {broker_port} is taken by {owner(broker_port)}; the broker uses {chosen_broker}")
    metrics: list[int] = []
    for n in range(services):
        port = metrics_base + n
        if port_taken(port) or port in (web_port, chosen_broker):
            free = _free_port()
            notes.append(f"metrics port {port} is taken by {owner(port)}; using {free}")
            port = free
        metrics.append(port)
    return chosen_broker, metrics, notes


def _store_settings(i: int) -> dict[str, object]:
    """Three flavours of store so the demo shows the settings at work."""
    flavours: list[dict[str, object]] = [
        {},  # defaults: import into Magento, reserve Pending, Amazon order numbers
        {"order_number_source": "magento", "prefix_general": "AMZ-", "reservation_expiry_days": 3},
        {"import_orders": False, "reserve_pending": False},  # review only
    ]
    return flavours[i % len(flavours)]


def _showcase(amazon: SandboxState, magento: MagentoState, seller_id: str, now: datetime) -> dict[str, str]:
    """Orders of the first store (reserve Pending, import into Magento) that show the product at work.
    The random ticks never move them."""
    from sandbox.magento.faults import ORDER_CREATE

    held = amazon.create_order(seller_id, status="PENDING", fulfilled_by="MERCHANT")
    to_cancel = amazon.create_order(seller_id, status="PENDING", fulfilled_by="MERCHANT")
    fba = amazon.create_order(seller_id, status="SHIPPED", fulfilled_by="AMAZON")
    # Out of stock in Magento: "Cannot create sales order"; the demo restocks it and retries (run()).
    magento.create_product(RESTOCK_SKU, "Demo item, restocked after a minute", price=19.99, qty=0)
    failing = amazon.create_order(seller_id, status="UNSHIPPED", fulfilled_by="MERCHANT",
                                  items=[{"seller_sku": RESTOCK_SKU, "quantity": 1, "unit_price": "19.99",
                                          "title": "Demo item, restocked after a minute"}])
    # Magento also answers 503 once (a cause that can pass): the writer retries on its own.
    magento.inject_fault(ORDER_CREATE, "status", times=1, status=503)
    return {"pending_held": held.order_id, "pending_to_cancel": to_cancel.order_id, "fba": fba.order_id,
            "magento_fails": failing.order_id}


def run(stores: int = 3, web_port: int = 8000, broker_engine: str = "tansu") -> None:
    from sandbox._server import serve_in_thread
    from sandbox.magento import MagentoState
    from sandbox.magento import create_app as magento_app
    from sandbox.spapi.catalog import PRODUCTS
    from sandbox.spapi.lifecycle import TransitionError
    from sandbox.spapi.notifications import DeliveryPolicy, NotificationHub, moto_sqs_client
    from sandbox.spapi.notifications_api import NotifyingSandboxState
    from sandbox.spapi.notifications_sqs import MotoSqs
    from sandbox.spapi.server import create_app as spapi_app
    from schemas.types import OrderSettings, StoreConfig
    from services.common.db import upgrade
    from services.common.topic_admin import ensure_topics
    from services.devbroker import start_broker
    from services.orders_tab.requests import publish_retry
    from services.pii.kek import new_kek_text
    from services.stores import registry

    console = Console()
    DEMO_DIR.mkdir(parents=True, exist_ok=True)
    logs = DEMO_DIR / "logs"
    logs.mkdir(exist_ok=True)
    stopping = threading.Event()

    def _stop(_sig: int, _frame: FrameType | None) -> None:
        stopping.set()

    running = False

    def _interrupt(sig: int, frame: FrameType | None) -> None:
        # Ctrl-C: abort a start-up step at once; once running, end the loop (raising inside
        # Event.wait's lock leaves it broken: "RuntimeError: release unlocked lock").
        if running:
            stopping.set()
        else:
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGHUP, _stop)  # the terminal closed
    signal.signal(signal.SIGINT, _interrupt)

    if broker_engine not in ("tansu", "kafka"):
        console.print(f"[red]Unknown broker {broker_engine!r}.[/red] Choose tansu or kafka.")
        raise SystemExit(2)
    quirks: Literal["none", "tansu"] = "tansu" if broker_engine == "tansu" else "none"
    os.environ["BROKER_QUIRKS"] = quirks  # this process's clients and every service it starts
    # The broker starts empty each time (Tansu keeps topics in memory; Kafka's data is in a fresh
    # temporary directory), so the database derived from them starts afresh.
    db_path = DEMO_DIR / "sales-channel.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)

    try:
        broker_port, metrics_ports, notes = plan_ports(web_port)
    except PortsTaken as exc:
        console.print(f"[red]{exc}[/red]")
        raise SystemExit(2) from None
    for note in notes:
        console.print(f"[yellow]Note:[/yellow] {note}")
    settings = Settings(
        kafka_bootstrap_servers=f"127.0.0.1:{broker_port}", broker_quirks=quirks, database_url=f"sqlite:///{db_path}",
        order_topic_partitions=4, kafka_session_timeout_ms=6000, kafka_heartbeat_interval_ms=1000,
        kafka_max_poll_interval_ms=10000, kafka_rebalance_timeout_ms=10000, data_dir=DEMO_DIR / "data",
    )
    # Kills the services and the broker if this process dies without stopping them (even SIGKILL).
    watchdog = Watchdog()
    supervisor: Supervisor | None = None
    broker = None
    sqs: MotoSqs | None = None
    hub: NotificationHub | None = None
    try:
        what = "embedded Tansu" if broker_engine == "tansu" else "Apache Kafka"
        with console.status(f"[1/6] Starting the Kafka broker ({what})…"):
            shutil.rmtree(logs / broker_engine, ignore_errors=True)
            broker = start_broker(broker_engine, port=broker_port,  # type: ignore[arg-type]
                                  data_dir=logs / broker_engine, progress=console.print)
        for pid in broker.pids():
            watchdog.guard(pid)
        console.print(f"[green]✓[/green] {what} broker on {broker.bootstrap}")
        with console.status("[2/6] Creating topics, the SQLite database and the Orders-tab users…"):
            ensure_topics(settings)
            upgrade(settings.database_url)
            accounts = create_accounts(settings)
        console.print(f"[green]✓[/green] topics created; database {db_path}; Orders-tab users "
                      f"{', '.join(a.name for a in accounts)}")

        with console.status("[3/6] Starting the SP-API and Magento sandboxes and SQS (moto)…"):
            sqs = MotoSqs().start()
            queue = sqs.create_queue("sales-channel-order-change")
            # Amazon's delivery: sometimes twice, sometimes late (so out of order)
            hub = NotificationHub(sqs=moto_sqs_client(sqs.endpoint_url), seed=7,
                                  policy=DeliveryPolicy(duplicate=0.1, reorder=0.1, max_delay_seconds=3))
            amazon = NotifyingSandboxState(seed=7, rate_scale=10.0, notifications=hub)
            magento = MagentoState()
            amazon_srv = serve_in_thread(spapi_app(amazon))
            magento_srv = serve_in_thread(magento_app(magento))
            for p in PRODUCTS:
                magento.create_product(p.sku, p.title, price=float(p.price), qty=200)
        console.print(f"[green]✓[/green] SP-API sandbox {amazon_srv.url}, Magento stand-in {magento_srv.url}, "
                      f"SQS (moto) {sqs.endpoint_url}")

        with console.status(f"[4/6] Integrating {stores} Amazon stores…"):
            secret_values: dict[str, object] = {"magento": magento.issue_admin_token(ttl_s=None),
                                                # the demo's own KEK ring: buyer PII is sealed (issue 20)
                                                "pii-kek": {"active": "1", "keys": {"1": new_kek_text()}}}
            now = datetime.now(UTC)
            amazon.clock.set_offset(-3600)  # history from an hour ago: orders that exist at integration
            sellers = []
            for i in range(stores):
                creds = amazon.create_seller(seller_id=f"A{i + 1:02d}DEMOSELLER")
                sellers.append(creds)
                # Existing at integration: two Unshipped (imported), one Shipped and one Pending (not).
                for status in ("UNSHIPPED", "UNSHIPPED", "PENDING"):
                    amazon.create_order(creds.seller_id, status=status, fulfilled_by="MERCHANT")
                if i == 0:  # Unshipped at integration, bought days ago: near and past the Latest Ship Date
                    for hours_ago in (40, 50):
                        amazon.create_order(creds.seller_id, status="UNSHIPPED", fulfilled_by="MERCHANT",
                                            created_time=now - timedelta(hours=hours_ago))
                shipped = amazon.create_order(creds.seller_id, status="UNSHIPPED", fulfilled_by="MERCHANT")
                amazon.ship(creds.seller_id, shipped.order_id)
                secret_values[f"store-{i + 1}"] = {
                    "client_id": creds.client_id, "client_secret": creds.client_secret,
                    "refresh_token": creds.refresh_token, "token_url": f"{amazon_srv.url}/auth/o2/token",
                }
            # Since integration (3 minutes ago) but older than Amazon's two-minute delay, so the
            # first poll sees them: what a newcomer should see at once (see _showcase).
            amazon.clock.set_offset(-170)
            showcase = _showcase(amazon, magento, sellers[0].seller_id, now)
            amazon.clock.set_offset(0)
            secrets_file = DEMO_DIR / "secrets.json"
            secrets_file.write_text(json.dumps(secret_values, indent=2))
            secrets_file.chmod(0o600)
            existing = registry.read_all(settings)
            for i, creds in enumerate(sellers):
                registry.integrate(settings, StoreConfig(
                    store_id=f"store-{i + 1}", name=f"Demo Store {i + 1} (US)",
                    merchant_id=registry.next_merchant_id(existing) + i, seller_id=creds.seller_id,
                    marketplace_id=creds.marketplace_id, spapi_endpoint=amazon_srv.url,
                    lwa_credentials_ref=f"file:store-{i + 1}", magento_store_code="default",
                    # Integrated three minutes ago: Amazon's two-minute delay has passed, so the
                    # initial import of the orders Unshipped at integration runs at the first poll.
                    poll_interval_seconds=15, integration_time=now - timedelta(minutes=3),
                    settings=OrderSettings.model_validate(_store_settings(i)),
                ))
            # Canceled now: Amazon shows it two minutes from now, so the first polls still see the order
            # Pending (its stock reserved) and a later one sees the cancellation (the stock released).
            amazon.cancel(sellers[0].seller_id, showcase["pending_to_cancel"], reason="BuyerCanceled",
                          visible_after_seconds=120)
        console.print(f"[green]✓[/green] {stores} stores integrated (settings differ per store)")

        env = {
            "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers, "BROKER_QUIRKS": quirks,
            "DATABASE_URL": settings.database_url,
            "ORDER_TOPIC_PARTITIONS": str(settings.order_topic_partitions),
            "KAFKA_SESSION_TIMEOUT_MS": "6000", "KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
            "KAFKA_MAX_POLL_INTERVAL_MS": "10000", "KAFKA_REBALANCE_TIMEOUT_MS": "10000",
            "DATA_DIR": str(settings.data_dir), "SECRETS_FILE": str(secrets_file.resolve()),
            "MAGENTO_BASE_URL": magento_srv.url, "MAGENTO_ADMIN_URL": f"{magento_srv.url}/admin",
            "MAGENTO_AUTH_REF": "file:magento",
            "PII_KEK_REF": "file:pii-kek",
            "LOG_FORMAT": "json",
            # the poller listens to the queue and subscribes PUSH_STORE at start (moto takes any key)
            "NOTIFICATIONS_QUEUE_URL": queue.url, "NOTIFICATIONS_SQS_ENDPOINT_URL": sqs.endpoint_url,
            "NOTIFICATIONS_STORES": PUSH_STORE, "AWS_ACCESS_KEY_ID": "demo", "AWS_SECRET_ACCESS_KEY": "demo",
        }
        supervisor = Supervisor(logs, env, watchdog=watchdog)
        with console.status("[5/6] Starting the services…"):
            for n, (name, command) in enumerate(SERVICES):
                supervisor.start(name, command, env={"METRICS_PORT": str(metrics_ports[n])})
            supervisor.start("web", "web", "--port", str(web_port))
            supervisor.wait_http(f"http://127.0.0.1:{web_port}/login", timeout=60)
        console.print("[green]✓[/green] poller, order processor, inventory reserver, Magento writer, "
                      "projector and web are running")

        console.print(Panel.fit(
            f"{sign_in_text(web_port, accounts)}\n"
            f"Metrics     http://127.0.0.1:{metrics_ports[0]}/metrics … :{metrics_ports[-1]}\n"
            f"Logs        {logs}/\n\n"
            "Orders Unshipped at integration are imported first; new Amazon orders appear about\n"
            "two minutes after they happen (Amazon's own delay). Demo Store 1 has ORDER_CHANGE\n"
            "notifications on: its new orders appear within seconds. Ctrl-C stops everything.",
            title="[6/6] Sales Channel demo is running"))

        console.print(Panel.fit(
            "In the first three minutes, on Demo Store 1: a [bold]Pending[/bold] order holding stock "
            "(Status filter: Pending, Reserved: Yes);\n"
            "a second Pending order canceled on Amazon, its reservation released; a Magento order that "
            "failed (out of stock)\nand its retry a minute later; an Amazon-fulfilled (FBA) order; orders near "
            "and past their Latest Ship Date (store dashboard).\nDemo Store 3 is review-only: its orders "
            "never become Magento orders.", title="What to look for"))

        started = time.monotonic()
        retried = False
        ticked: list[tuple[str, str]] = []  # random orders the ticks made; only they move at random
        rng = random.Random(7)
        last_tick = 0.0
        running = True
        while not stopping.is_set():
            dead = supervisor.dead()
            if dead:
                console.print(f"[red]{dead[0].name} exited ({dead[0].exited}).[/red] Its log, {dead[0].log_path}:")
                console.print(dead[0].tail())
                raise SystemExit(1)
            if not retried and time.monotonic() - started > 60:  # as the operator account would press Retry
                magento.set_stock(RESTOCK_SKU, 10)
                publish_retry(settings, "store-1", showcase["magento_fails"], requested_by="operator")
                console.print(f"Restocked {RESTOCK_SKU} and asked for order {showcase['magento_fails']}'s "
                              "Magento order again (Retry).")
                retried = True
            if time.monotonic() - last_tick > 10:
                for creds in sellers:
                    ticked.append((creds.seller_id, amazon.create_order(creds.seller_id).order_id))
                for seller_id, order_id in rng.sample(ticked, min(len(ticked), 2 * len(sellers))):
                    try:
                        amazon.advance_randomly(seller_id, order_id)
                    except TransitionError:  # shipped or canceled: no further steps
                        ticked.remove((seller_id, order_id))
                last_tick = time.monotonic()
            stopping.wait(1.0)
    except KeyboardInterrupt:
        pass
    finally:
        shutdown(console, supervisor, broker, watchdog)
        if hub is not None:
            hub.close()
        if sqs is not None:
            sqs.stop()


def shutdown(console: Console, supervisor: Supervisor | None, broker: RunningBroker | None,
             watchdog: Watchdog) -> None:
    """Services first (all at once, SIGTERM then SIGKILL after 5 s), the broker last (3 s): within
    10 s. Another Ctrl-C meanwhile does not interrupt it."""
    started = time.monotonic()
    previous = signal.signal(signal.SIGINT, lambda _s, _f: console.print("Still stopping…"))
    try:
        console.print("Stopping the services…")
        if supervisor:
            killed = supervisor.stop_all(grace_s=5.0)
            if killed:
                console.print(f"[yellow]{', '.join(killed)} did not stop within 5 s and were killed.[/yellow]")
        if broker:
            console.print("Stopping the broker…")
            broker.stop(timeout_s=3.0)
        watchdog.close()
        console.print(f"Stopped in {time.monotonic() - started:.1f} s.")
    finally:
        signal.signal(signal.SIGINT, previous)
