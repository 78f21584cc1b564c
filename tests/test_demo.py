"""The demo's process handling: children in their own sessions, stopped together within a bound,
killed with the demo whatever kills it (PR_SET_PDEATHSIG and the watchdog), ports checked first."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.supervisor import Supervisor, Watchdog, _alive, port_owner

ROOT = Path(__file__).resolve().parents[1]
SLEEPER = "import sys, time; print('ready', flush=True); time.sleep(120)"
STUBBORN = ("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
            "print('ready', flush=True); time.sleep(120)")

linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")


def _wait(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _ready(log: Path) -> bool:
    return log.exists() and "ready" in log.read_text()


@pytest.fixture()
def cleanup() -> Iterator[list[int]]:
    """Pids to SIGKILL at the end whatever happens, so a failing test leaves nothing running."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_children_run_in_their_own_session_and_stop_together(tmp_path: Path, cleanup: list[int]) -> None:
    sup = Supervisor(tmp_path, {})
    children = [sup.start_program(name, [sys.executable, "-c", code])
                for name, code in (("a", SLEEPER), ("stubborn", STUBBORN), ("b", SLEEPER))]
    cleanup += [c.pid for c in children if c.pid]
    for c in children:
        _wait(lambda c=c: _ready(c.log_path), 20, f"{c.name} to start")
        assert c.pid is not None
        assert os.getsid(c.pid) == c.pid != os.getsid(0)  # the terminal's Ctrl-C does not reach it
    started = time.monotonic()
    killed = sup.stop_all(grace_s=1.0)
    took = time.monotonic() - started
    assert killed == ["stubborn"]
    assert took < 3.0, f"stopping took {took:.1f} s: children are not stopped in parallel"
    assert all(c.exited is not None for c in children)


@linux_only
def test_children_die_with_the_supervisor_even_when_it_is_killed(tmp_path: Path, cleanup: list[int]) -> None:
    """PR_SET_PDEATHSIG: no watchdog here, the kernel alone kills the child."""
    script = textwrap.dedent(f"""
        import sys, time
        from pathlib import Path
        from services.supervisor import Supervisor
        child = Supervisor(Path({str(tmp_path)!r}), {{}}).start_program("sleeper", [sys.executable, "-c", {SLEEPER!r}])
        print(child.pid, flush=True)
        time.sleep(120)
    """)
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=ROOT)
    cleanup.append(parent.pid)
    assert parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    cleanup.append(child_pid)
    _wait(lambda: _ready(tmp_path / "sleeper.log"), 20, "the child to start")
    parent.kill()
    parent.wait(5)
    _wait(lambda: not _alive(child_pid), 5, "the child to die with its parent")


@linux_only
def test_the_watchdog_kills_what_it_guards_when_its_owner_dies(tmp_path: Path, cleanup: list[int]) -> None:
    """The broker's nodes are not the supervisor's children: the watchdog stops them."""
    script = textwrap.dedent(f"""
        import subprocess, sys, time
        from services.supervisor import Watchdog
        dog = Watchdog(grace_s=1.0)
        node = subprocess.Popen([sys.executable, "-c", {STUBBORN!r}], stdout=subprocess.PIPE,
                                start_new_session=True)
        node.stdout.readline()
        dog.guard(node.pid)
        print(node.pid, dog.proc.pid, flush=True)
        time.sleep(120)
    """)
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, cwd=ROOT)
    cleanup.append(owner.pid)
    assert owner.stdout is not None
    node_pid, dog_pid = map(int, owner.stdout.readline().split())
    cleanup += [node_pid, dog_pid]
    assert _alive(node_pid)
    time.sleep(0.3)  # the guard line reaches the watchdog
    owner.kill()
    owner.wait(5)
    # SIGTERM is ignored by this node: SIGKILL after the watchdog's 1 s grace
    _wait(lambda: not _alive(node_pid), 6, "the guarded process to be killed")
    _wait(lambda: not _alive(dog_pid), 6, "the watchdog to exit")


def test_a_released_watchdog_kills_nothing(cleanup: list[int]) -> None:
    node = subprocess.Popen([sys.executable, "-c", SLEEPER], stdout=subprocess.PIPE, start_new_session=True)
    cleanup.append(node.pid)
    dog = Watchdog(grace_s=0.5)
    cleanup.append(dog.proc.pid)
    dog.guard(node.pid)
    dog.close()
    assert dog.proc.poll() == 0
    time.sleep(1.0)
    assert node.poll() is None, "a normal stop must not make the watchdog kill anything"
    node.kill()
    node.wait(5)


@linux_only
def test_port_owner_names_the_listening_process() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        owner = port_owner(port)
        assert owner is not None and owner.startswith(f"pid {os.getpid()} (")
        assert "pytest" in owner or "python" in owner


def test_the_demo_refuses_a_taken_web_port_and_says_by_what() -> None:
    from services.demo import PortsTaken, plan_ports

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(PortsTaken) as err:
            plan_ports(port)
    message = str(err.value)
    assert f"Port {port} (the Orders tab) is taken by" in message
    assert "--web-port" in message
    if Path("/proc/self/stat").exists():
        assert f"pid {os.getpid()}" in message


def test_the_demo_moves_taken_broker_and_metrics_ports_and_says_so() -> None:
    from services.demo import plan_ports

    with socket.socket() as web, socket.socket() as broker, socket.socket() as metrics:
        web.bind(("127.0.0.1", 0))
        web_port = web.getsockname()[1]
        web.close()  # free: the demo may use it
        for s in (broker, metrics):
            s.bind(("127.0.0.1", 0))
            s.listen()
        broker_port, metrics_port = broker.getsockname()[1], metrics.getsockname()[1]
        chosen_broker, chosen_metrics, notes = plan_ports(web_port, metrics_base=metrics_port,
                                                          broker_port=broker_port, services=2)
    assert chosen_broker != broker_port
    assert chosen_metrics[0] != metrics_port and len(chosen_metrics) == 2
    assert any(f"port {broker_port} is taken by" in n and str(chosen_broker) in n for n in notes)
    assert any(f"metrics port {metrics_port} is taken by" in n for n in notes)


def test_the_demo_workload_sets_up_what_a_newcomer_should_see() -> None:
    from datetime import UTC, datetime

    from sandbox.magento import MagentoState
    from sandbox.spapi import SandboxState
    from services.demo import RESTOCK_SKU, _showcase, _store_settings

    amazon, magento = SandboxState(seed=7), MagentoState()
    seller = amazon.create_seller(seller_id="A01DEMOSELLER").seller_id
    shown = _showcase(amazon, magento, seller, datetime.now(UTC))
    status = {k: amazon.get_order(seller, v) for k, v in shown.items()}
    assert status["pending_held"].status == status["pending_to_cancel"].status == "PENDING"
    assert (status["fba"].fulfilled_by, status["fba"].status) == ("AMAZON", "SHIPPED")
    assert status["magento_fails"].status == "UNSHIPPED"
    assert [i.seller_sku for i in status["magento_fails"].items] == [RESTOCK_SKU]
    assert magento.inventory.salable(RESTOCK_SKU, 1) == 0  # Magento refuses it until restocked
    assert _store_settings(0) == {}  # store 1: import into Magento, reserve Pending
    assert _store_settings(2) == {"import_orders": False, "reserve_pending": False}  # review only


def test_the_demo_signs_in_with_named_accounts_and_no_bootstrap_token(tmp_path: Path) -> None:
    """The demo makes one account per role through the code of `sales-channel users add`; the tab
    then starts without any admin token, its sign-in page asks for a name and password only, and
    the banner says how to sign in as each account."""
    import io

    from fastapi.testclient import TestClient
    from rich.console import Console

    from services.common.db import get_engine, upgrade
    from services.common.settings import Settings
    from services.demo import DEMO_ROLES, create_accounts, sign_in_text
    from services.orders_tab import accounts
    from services.orders_tab.web import create_app

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}",
                        web_admin_token_ref="env:SALES_CHANNEL_TEST_NO_SUCH_TOKEN")
    upgrade(settings.database_url)
    made = create_accounts(settings)
    assert [(a.name, a.role) for a in made] == [(r, r) for r in DEMO_ROLES]
    assert len({a.password for a in made}) == len(made)
    assert all(len(a.password) >= accounts.MIN_PASSWORD for a in made)
    with get_engine(settings.database_url).connect() as conn:
        for a in made:
            by_password = accounts.by_password(conn, a.name, a.password)
            by_token = accounts.by_token(conn, a.token)
            assert by_password is not None and by_password.role.value == a.role
            assert by_token is not None and by_token.name == a.name

    with TestClient(create_app(settings)) as c:  # no admin token configured: the named admin suffices
        login = c.get("/login").text
        assert 'id="name"' in login and 'id="password"' in login and 'id="token"' not in login
        admin = made[0]
        signed = c.post("/login", data={"name": admin.name, "password": admin.password, "next": "/users"},
                        follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"] == "/users"
        assert c.get("/users").status_code == 200

    out = io.StringIO()
    Console(file=out, width=200).print(sign_in_text(8000, made))
    banner = out.getvalue()
    assert "http://127.0.0.1:8000/   sign in with a name and password" in banner
    for a in made:
        assert f"  {a.name:<8}  {a.password}   ({a.role}" in banner
    assert "http://127.0.0.1:8000/users" in banner and made[0].token in banner
    assert "[bold]" not in banner
