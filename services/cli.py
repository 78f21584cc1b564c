"""The ``sales-channel`` command: one subcommand per service, plus demo, broker, topics,
stores, db, orders, pii, schemas, sandbox and replay."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from services.common.logging import configure
from services.common.settings import Settings, get_settings

app = typer.Typer(no_args_is_help=True, add_completion=False,
                  help="Sales Channel: Amazon Seller Central orders into Magento 2.")
topics_app = typer.Typer(no_args_is_help=True, help="Provision and inspect Kafka topics.")
db_app = typer.Typer(no_args_is_help=True, help="Database migrations.")
stores_app = typer.Typer(no_args_is_help=True, help="Integrate and manage Amazon stores.")
schemas_app = typer.Typer(no_args_is_help=True, help="Event schemas.")
sandbox_app = typer.Typer(no_args_is_help=True, help="Local stand-ins for Amazon SP-API and Magento.")
orders_app = typer.Typer(no_args_is_help=True, help="Act on orders.")
pii_app = typer.Typer(no_args_is_help=True, help="Buyer PII under Amazon's Data Protection Policy.")
app.add_typer(topics_app, name="topics")
app.add_typer(db_app, name="db")
app.add_typer(stores_app, name="stores")
app.add_typer(schemas_app, name="schemas")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(orders_app, name="orders")
app.add_typer(pii_app, name="pii")

console = Console(stderr=True)


def _settings() -> Settings:
    s = get_settings()
    configure(s.log_level, s.log_format)
    return s


def _run(target: str, *args: Any, **kwargs: Any) -> Any:
    """Import ``module:function`` lazily, so one service's dependencies don't load another's."""
    module, _, func = target.partition(":")
    return getattr(importlib.import_module(module), func)(*args, **kwargs)


DEMO_ONLY = "the demo, its dev broker and the sandboxes"


def _demo_module(name: str) -> ModuleType:
    """Import a module of the demo, its dev broker or the sandboxes, which the lean production image
    leaves out: say so and how to get them instead of a traceback."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        _fail(escape(f"{exc.name} is not installed: {DEMO_ONLY} are not part of the production install. "
                     "Run this from a source checkout with the demo extra: pip install -e '.[demo]' "
                     "(or pip install 'sales-channel[demo]')."))


def _demo_run(target: str, *args: Any, **kwargs: Any) -> Any:
    module, _, func = target.partition(":")
    return getattr(_demo_module(module), func)(*args, **kwargs)


def _service(target: str, *args: Any) -> Any:
    """Run a long-running service, watching its broker (``/healthz`` 503 and one log line per
    change while no broker answers; services/common/broker_watch.py)."""
    from services.common.broker_watch import BrokerWatch
    from services.common.settings import Misconfigured

    settings = args[0]
    BrokerWatch(settings.kafka_bootstrap_servers).start()
    try:
        return _run(target, *args)
    except Misconfigured as exc:
        _fail(str(exc))


def _fail(message: str) -> NoReturn:
    console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(2)


# --- infrastructure -------------------------------------------------------------------


@app.command()
def broker(
    engine: str = typer.Option("kafka", help="kafka (Apache Kafka, KRaft, jars via Maven) or tansu (memory storage)"),
    port: int = typer.Option(0, help="Client port of the first node (0: a free port)"),
    nodes: int = typer.Option(1, help="Kafka nodes (3: replication factor 3, min.insync.replicas 2)"),
    data_dir: str = typer.Option("", help="Keep the broker's data here (default: a temporary directory)"),
) -> None:
    """Run a broker on this machine in the foreground and print its bootstrap address; Ctrl-C stops it."""
    import signal
    import time
    from pathlib import Path

    start_broker = _demo_module("services.devbroker").start_broker
    if engine not in ("kafka", "tansu"):
        _fail(f"unknown engine {engine!r}: choose kafka or tansu")
    running = start_broker(engine, port=port or None, nodes=nodes,  # type: ignore[arg-type]
                           data_dir=Path(data_dir) if data_dir else None, progress=console.print)
    quirks = "tansu" if engine == "tansu" else "none"
    console.print(f"{engine} broker ready ({nodes} node(s)). Ctrl-C stops it.")
    console.print(f"  export KAFKA_BOOTSTRAP_SERVERS={running.bootstrap} BROKER_QUIRKS={quirks}")
    print(running.bootstrap, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        while all(n.alive() for n in running.nodes):
            time.sleep(0.5)
        dead = [n.node_id for n in running.nodes if not n.alive()]
        console.print(f"[red]broker node(s) {dead} exited[/red]; stopping the rest")
        raise typer.Exit(1)
    except KeyboardInterrupt:
        console.print("stopping the broker…")
    finally:
        running.stop()


@topics_app.command("create")
def topics_create() -> None:
    """Create every catalogue topic that is missing (safe to run twice)."""
    from services.common.topic_admin import TopicMismatch, ensure_topics

    try:
        result = ensure_topics(_settings())
    except TopicMismatch as exc:
        _fail(str(exc))
        return
    console.print(f"created {len(result.created)} topic(s), {len(result.existing)} already existed; "
                  f"replication factor {result.replication}")
    for name, drift in result.reconfigured.items():
        changes = ", ".join(f"{key} {have} → {want}" for key, (want, have) in drift.items())
        console.print(f"  re-applied on {name}: {changes}")


@topics_app.command("list")
def topics_list() -> None:
    """Show the topic catalogue."""
    from schemas.topics import catalogue

    table = Table("topic", "owner", "partitions", "key", "cleanup", "events")
    for t in catalogue(get_settings().order_topic_partitions):
        # A topic no longer written (order-lifecycle) says so instead of listing events.
        table.add_row(t.name, t.owner, str(t.partitions), t.key, t.cleanup_policy, ", ".join(t.events) or t.description)
    Console().print(table)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every service's migrations."""
    from services.common.db import upgrade

    s = _settings()
    upgrade(s.database_url)
    console.print("database is up to date")


@schemas_app.command("export")
def schemas_export(
    force: bool = typer.Option(False, help="Rewrite existing versions (never for published ones)"),
) -> None:
    """Write the JSON Schema of every event version not yet committed."""
    from schemas.snapshots import write_new

    for path in write_new(force):
        console.print(f"wrote {path}")


# --- stores ---------------------------------------------------------------------------


@stores_app.command("add")
def stores_add(
    store_id: str = typer.Argument(..., help="Our id for the store, e.g. us-main"),
    name: str = typer.Option(..., help="Display name"),
    seller_id: str = typer.Option(..., help="Amazon seller id"),
    marketplace_id: str = typer.Option("ATVPDKIKX0DER", help="Amazon marketplace id"),
    region: str = typer.Option("na", help="SP-API region: na, eu, fe"),
    endpoint: str = typer.Option("https://sellingpartnerapi-na.amazon.com", help="SP-API endpoint"),
    credentials: str = typer.Option(
        ..., help="Reference to the LWA credentials (env:NAME or file:KEY), never the secret"),
    magento_store: str = typer.Option("default", help="Magento store code for this store's orders"),
    merchant_id: int = typer.Option(None, help="Merchant Id (default: next free number)"),
    poll_interval: int = typer.Option(180, help="Seconds between polls"),
    settings_json: str = typer.Option("{}", "--settings", help="Order settings as JSON (SPEC §1)"),
    fulfillment_json: str = typer.Option("{}", "--fulfillment", help='Fulfillment settings as JSON, e.g. '
                                         '{"send_shipments": true, "carrier_mapping": {"myco": "UPS"}}'),
    time_zone: str = typer.Option(None, "--time-zone", help="IANA zone of the store's dates on the Orders tab "
                                  "(default UTC), e.g. Europe/Berlin"),
) -> None:
    """Integrate an Amazon store (an event on the stores topic)."""
    from pydantic import ValidationError

    from schemas.types import FulfillmentSettings, OrderSettings, StoreConfig, with_fulfillment, with_time_zone
    from services.stores import registry

    s = _settings()
    try:
        histories = registry.read_all(s)
        config = StoreConfig(
            store_id=store_id, name=name, merchant_id=merchant_id or registry.next_merchant_id(histories),
            seller_id=seller_id, marketplace_id=marketplace_id, spapi_endpoint=endpoint,
            region=region,  # type: ignore[arg-type]  # pydantic validates it
            lwa_credentials_ref=credentials, magento_store_code=magento_store,
            poll_interval_seconds=poll_interval, integration_time=datetime.now(UTC),
            settings=OrderSettings.model_validate_json(settings_json),
        )
        config = with_fulfillment(config, FulfillmentSettings.model_validate_json(fulfillment_json))
        if time_zone is not None:
            config = with_time_zone(config, time_zone)
        registry.integrate(s, config)
    except (ValidationError, ValueError) as exc:
        _fail(str(exc))
    console.print(f"store {store_id} integrated (merchant id {config.merchant_id})")


@stores_app.command("list")
def stores_list() -> None:
    """List integrated stores with their current settings."""
    from services.stores import registry

    table = Table("store", "name", "merchant id", "marketplace", "magento store", "enabled", "integrated")
    for sid, h in sorted(registry.read_all(_settings()).items()):
        c = h.current
        table.add_row(sid, c.name, str(c.merchant_id), c.marketplace_id, c.magento_store_code,
                      "yes" if c.enabled else "no", c.integration_time.isoformat(timespec="seconds"))
    Console().print(table)


@stores_app.command("update")
def stores_update(store_id: str, settings_json: str = typer.Option(..., "--settings",
                  help="Fields to change, as JSON: order settings and/or name, poll_interval_seconds, time_zone…, "
                       'fulfillment settings under "fulfillment"')) -> None:
    """Change a store's settings from now on."""
    import json

    from pydantic import ValidationError

    from schemas.types import FulfillmentSettings, fulfillment_of, with_fulfillment, with_time_zone
    from services.stores import registry

    s = _settings()
    h = registry.read_all(s).get(store_id)
    if h is None:
        _fail(f"no store {store_id!r}; `sales-channel stores list` shows the integrated ones")
    assert h is not None
    patch = json.loads(settings_json)
    fulfillment = {**fulfillment_of(h.current).model_dump(), **patch.pop("fulfillment", {})}
    time_zone = patch.pop("time_zone", None)
    order_fields = {k: v for k, v in patch.items() if k in h.current.settings.model_fields}
    top_fields = {k: v for k, v in patch.items() if k not in order_fields}
    new = h.current.model_copy(update={**top_fields, "settings": h.current.settings.model_copy(update=order_fields)})
    new = with_fulfillment(type(new).model_validate(new.model_dump()), FulfillmentSettings.model_validate(fulfillment))
    if time_zone is not None:
        try:
            new = with_time_zone(new, time_zone)
        except ValidationError as exc:
            _fail(str(exc))
    registry.publish_config(s, new, "updated")
    console.print(f"store {store_id} updated")


@stores_app.command("disable")
def stores_disable(store_id: str) -> None:
    """Stop polling a store (its orders stay on the Orders tab)."""
    from services.stores import registry

    s = _settings()
    h = registry.read_all(s).get(store_id)
    if h is None:
        _fail(f"no store {store_id!r}")
    assert h is not None
    registry.publish_config(s, h.current.model_copy(update={"enabled": False}), "disabled")
    console.print(f"store {store_id} disabled")


@stores_app.command("reimport")
def stores_reimport(
    store_id: str, since: datetime = typer.Option(..., help="Start of the range (≤ 90 days ago)"),
) -> None:
    """Re-read a store's orders updated since DATE."""
    _run("services.poller.commands:reimport", _settings(), store_id, since)


@stores_app.command("recover")
def stores_recover(store_id: str, order_id: str) -> None:
    """Fetch one order again and publish it if it changed."""
    _run("services.poller.commands:recover", _settings(), store_id, order_id)


@stores_app.command("notifications")
def stores_notifications(store_id: str, action: str = typer.Argument(..., help="enable, disable or status")) -> None:
    """Amazon ORDER_CHANGE notifications for a store (SQS queue: NOTIFICATIONS_QUEUE_URL); polling stays."""
    _run("services.poller.notifications.commands:run", _settings(), store_id, action)


# --- services ---------------------------------------------------------------------------


@app.command()
def poller() -> None:
    """Poll SP-API for every enabled store and publish order changes."""
    _service("services.poller.main:run", _settings())


@app.command("key-service")
def key_service() -> None:
    """Key service: destroy buyer PII data keys past retention, publish the erasures."""
    _service("services.pii.main:run", _settings())


@app.command("order-processor")
def order_processor() -> None:
    """Faust worker: order lifecycle, Orders-tab status, Last Action, order log."""
    _service("services.order_processor.main:run", _settings())


@app.command("magento-writer")
def magento_writer() -> None:
    """Create, cancel and ship Magento orders; apply reservations in Magento."""
    _service("services.magento_writer.main:run", _settings())


@app.command("inventory-reserver")
def inventory_reserver() -> None:
    """Faust worker: the reservation ledger of Pending orders."""
    _service("services.inventory_reserver.main:run", _settings())


@app.command("fulfillment-reader")
def fulfillment_reader() -> None:
    """Read Magento shipments from our module's outbox and publish them (issue 18)."""
    _run("services.fulfillment.reader_main:run", _settings())


@app.command("shipment-confirmer")
def shipment_confirmer() -> None:
    """Confirm Magento shipments to Amazon (confirmShipment) and publish each outcome (issue 18)."""
    _run("services.fulfillment.confirmer_main:run", _settings())


@app.command("amazon-canceller")
def amazon_canceller() -> None:
    """Send seller cancellations to Amazon as acknowledgement feeds and publish each outcome (issue 18):
    the Orders tab's "Cancel on Amazon" requests and Magento orders canceled in Magento."""
    _run("services.fulfillment.canceller_main:run", _settings())


@app.command()
def projector() -> None:
    """Maintain the Orders-tab tables from the topics."""
    _service("services.orders_tab.projector:run", _settings())


@app.command()
def web(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the Orders tab (web page and JSON API)."""
    _run("services.orders_tab.web:run", _settings(), host, port)


@orders_app.command("retry")
def orders_retry(store_id: str, amazon_order_id: str) -> None:
    """Ask for the Magento order of an Amazon order to be created again."""
    _run("services.orders_tab.requests:request_retry_cli", _settings(), store_id, amazon_order_id)


@orders_app.command("cancel-on-amazon")
def orders_cancel_on_amazon(store_id: str, amazon_order_id: str, reason: str = typer.Option(
        ..., help="Amazon's cancel reason: NoInventory, ShippingAddressUndeliverable, CustomerExchange, "
                  "BuyerCanceled, GeneralAdjustment, CarrierCreditDecision, RiskAssessmentInformationNotValid, "
                  "CarrierCoverageFailure, CustomerReturn or MerchandiseNotReceived")) -> None:
    """Cancel an Unshipped Amazon order on Amazon (a feed; shipped orders are refused)."""
    import getpass

    from services.fulfillment.cancel_requests import publish_cancel_request

    try:
        event = publish_cancel_request(_settings(), store_id, amazon_order_id, reason, getpass.getuser(), "cli")
    except ValueError as exc:
        _fail(str(exc))
    console.print(f"cancellation of {store_id}/{amazon_order_id} requested (request {event.data.request_id}); "
                  "the order's log shows Amazon's answer")


@sandbox_app.command("spapi")
def sandbox_spapi(host: str = "127.0.0.1", port: int = 8081) -> None:
    """Run the SP-API sandbox."""
    _demo_run("sandbox.spapi.server:run", host, port)


@sandbox_app.command("magento")
def sandbox_magento(host: str = "127.0.0.1", port: int = 8082) -> None:
    """Run the Magento stand-in."""
    _demo_run("sandbox.magento.server:run", host, port)


@app.command()
def demo(stores: int = typer.Option(3, help="How many sandbox stores"),
         web_port: int = typer.Option(8000, help="Orders tab port"),
         broker: str = typer.Option("tansu", help="tansu (no dependencies) or kafka (Apache Kafka via Maven)")) -> None:
    """Start everything on one machine (broker, SQLite, sandboxes, services, Orders tab)."""
    _demo_run("services.demo:run", stores=stores, web_port=web_port, broker_engine=broker)


@app.command()
def replay(
    service: str = typer.Option("all", help="order_processor, inventory_reserver, orders_tab or all"),
    force: bool = typer.Option(
        False, help="Skip the live-consumer check: only with BROKER_QUIRKS=tansu, once every consumer is stopped"
    ),
    since: str = typer.Option(
        "", help="ISO time with zone (2026-11-20T00:00:00Z): re-apply the Orders tab from then, keeping its tables"
    ),
) -> None:
    """Rebuild derived tables and projections from the topics."""
    when = None
    if since:
        try:
            when = datetime.fromisoformat(since)
        except ValueError as exc:
            raise typer.BadParameter(f"not an ISO time: {since!r}", param_hint="--since") from exc
    _run("services.replay:run", _settings(), service, force, when)


# --- Orders-tab users -------------------------------------------------------------------------

users_app = typer.Typer(no_args_is_help=True, help="Orders-tab users: viewer, operator (retry, cancel), admin (users).")
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    name: str,
    role: str = typer.Option("viewer", help="viewer, operator or admin"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="Read the password from standard input"),
) -> None:
    """Add a user; prints their personal API token once."""
    import sys

    from services.orders_tab.users_cli import add

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        token = add(_settings(), name, role, password)
    except ValueError as exc:
        _fail(escape(str(exc)))
    console.print(f"user {escape(name)} added ({escape(role)}). Personal API token, shown once:")
    print(token)


@users_app.command("list")
def users_list() -> None:
    """Users, their roles and whether they are active."""
    from services.orders_tab.users_cli import list_all

    table = Table("name", "role", "active", "created", "API token")
    for u in list_all(_settings()):
        table.add_row(u.name, u.role.value, "yes" if u.active else f"disabled {u.disabled_at:%Y-%m-%d}",
                      f"{u.created_at:%Y-%m-%d %H:%M}", "yes" if u.has_token else "no")
    Console().print(table)


@users_app.command("disable")
def users_disable(name: str) -> None:
    """Disable a user: their password, API token and sessions stop working at once."""
    from services.orders_tab.users_cli import disable

    try:
        disable(_settings(), name)
    except ValueError as exc:
        _fail(escape(str(exc)))
    console.print(f"user {escape(name)} disabled")


def main() -> None:
    app()


if __name__ == "__main__":
    main()


# --- buyer PII ------------------------------------------------------------------------------


@pii_app.command("erase")
def pii_erase(store_id: str, order_id: str) -> None:
    """A buyer's erasure request: destroy the order's data key now; every copy of its PII goes."""
    from services.pii.commands import NotConfigured, erase_order

    try:
        done = erase_order(_settings(), store_id, order_id)
    except NotConfigured as exc:
        _fail(str(exc))
        return
    console.print(f"order {order_id} of {store_id}: " + ("buyer data erased" if done else "already erased"))


@pii_app.command("report")
def pii_report() -> None:
    """What buyer PII is held, for how long, and when each order's goes."""
    from services.pii.commands import NotConfigured, report

    try:
        r = report(_settings())
    except NotConfigured as exc:
        _fail(str(exc))
        return
    days = r.policy.default.total_seconds() / 86400
    table = Table("store", "order", "held since", "shipped/canceled", "goes at", "KEK")
    for line in r.held:
        goes = (line.goes_at.isoformat(timespec="seconds") if line.goes_at
                else f"{days:g} days after shipment/cancellation")
        table.add_row(line.store_id, line.amazon_order_id, line.held_since.isoformat(timespec="seconds"), line.closed,
                      goes, line.kek_version)
    Console().print(table)
    periods = ", ".join(f"{s} {p.total_seconds() / 86400:g} days" for s, p in sorted(r.policy.by_store.items()))
    console.print(f"{len(r.held)} order(s) hold buyer PII; retention {days:g} days"
                  + (f" ({periods})" if periods else "")
                  + f"; erased so far: {r.erased_retention} by retention, {r.erased_request} on request")


@pii_app.command("rewrap")
def pii_rewrap() -> None:
    """After a KEK rotation: re-wrap every data key under the active version."""
    from services.pii.commands import NotConfigured, rewrap

    try:
        n = rewrap(_settings())
    except NotConfigured as exc:
        _fail(str(exc))
        return
    console.print(f"re-wrapped {n} data key(s)")
