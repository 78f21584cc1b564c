"""Start, watch and stop the pipeline's processes on one machine (the demo).

Every child runs in its own session, so the terminal's Ctrl-C reaches only the supervising
process, which then stops the children itself: all at once, SIGTERM, then SIGKILL after a short
grace. Children also die with the supervisor whatever kills it (even SIGKILL):

* on Linux each child asks the kernel for SIGKILL when its parent dies (``PR_SET_PDEATHSIG``),
  set by a tiny launcher that then ``exec``s the service (no ``preexec_fn``, which is unsafe in
  a process with threads, as the demo is);
* a watchdog process (its own session, its stdin a pipe from the supervisor) sees the pipe close
  when the supervisor dies and kills every process it was asked to guard (the broker's nodes
  too, which are not our direct children). A normal stop releases it first.

``PR_SET_PDEATHSIG`` fires when the *thread* that started the child ends: start children from
the main thread (the demo does)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# Runs in the child before the service: ask for SIGKILL when the parent dies, make sure the parent
# has not died already (it may have, between fork and prctl), then become the service.
_LAUNCHER = """\
import ctypes, os, signal, sys
parent = int(sys.argv[1])
try:
    if ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0) != 0:  # PR_SET_PDEATHSIG
        raise OSError(ctypes.get_errno(), "prctl")
except (OSError, AttributeError):
    pass  # not Linux: the watchdog still stops us
if os.getppid() != parent:
    os._exit(1)
os.execv(sys.argv[2], sys.argv[2:])
"""


def _start_time(pid: int) -> str | None:
    """The process's start time (clock ticks since boot, /proc), to never signal a reused pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22 of stat; fields after the command's ")"


def _signal_tree(pid: int, sig: int) -> None:
    """Signal ``pid``'s process group when it leads one (our children and the broker's nodes do),
    else the process alone."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is dead for our purposes (its parent reaps it)
    state = ""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        pass
    return state != "Z"


def terminate_all(pids: Iterable[int], grace_s: float) -> list[int]:
    """SIGTERM every pid (its group) at once, SIGKILL what is left after ``grace_s``; the pids
    that needed SIGKILL."""
    pids = list(pids)
    for pid in pids:
        _signal_tree(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    killed = [p for p in pids if _alive(p)]
    for pid in killed:
        _signal_tree(pid, signal.SIGKILL)
    return killed


def _watchdog_main(grace_s: float) -> None:
    """The watchdog: ``guard PID`` / ``release PID`` / ``exit`` lines on stdin; at end of input
    without ``exit`` (the supervisor died), stop every guarded process still running."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    guarded: dict[int, str | None] = {}
    for line in sys.stdin:
        cmd, _, arg = line.strip().partition(" ")
        if cmd == "exit":
            return
        if cmd == "guard" and arg.isdigit():
            guarded[int(arg)] = _start_time(int(arg))
        elif cmd == "release" and arg.isdigit():
            guarded.pop(int(arg), None)
    live = [pid for pid, started in guarded.items() if started is None or _start_time(pid) == started]
    terminate_all([p for p in live if _alive(p)], grace_s)


class Watchdog:
    """Kills the guarded processes if this process dies without releasing them."""

    def __init__(self, grace_s: float = 3.0) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from services.supervisor import _watchdog_main as m; import sys; "
             f"m({grace_s!r})"],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, start_new_session=True,
            cwd=str(Path(__file__).resolve().parents[1]),
        )
        self._stdin: IO[bytes] | None = self.proc.stdin

    def _send(self, line: str) -> None:
        if self._stdin is None:
            return
        try:
            self._stdin.write(line.encode() + b"\n")
            self._stdin.flush()
        except (BrokenPipeError, ValueError):
            self._stdin = None

    def guard(self, pid: int) -> None:
        self._send(f"guard {pid}")

    def release(self, pid: int) -> None:
        self._send(f"release {pid}")

    def close(self) -> None:
        """Everything is stopped: let the watchdog go without killing anything."""
        self._send("exit")
        if self._stdin is not None:
            self._stdin.close()
            self._stdin = None
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@dataclass
class Child:
    name: str
    argv: list[str]  # the program (an absolute path) and its arguments
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str]) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _LAUNCHER, str(os.getpid()), *self.argv],
                env={**os.environ, **env}, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,  # the terminal's Ctrl-C never reaches it
            )

    @property
    def pid(self) -> int | None:
        return None if self.proc is None else self.proc.pid

    @property
    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def tail(self, lines: int = 15) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Supervisor:
    log_dir: Path
    env: dict[str, str]
    children: list[Child] = field(default_factory=list)
    watchdog: Watchdog | None = None

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> Child:
        """Start ``sales-channel ARGS…`` as ``name`` (its output in ``log_dir/name.log``)."""
        return self.start_program(name, [sys.executable, "-m", "services.cli", *args], env)

    def start_program(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Child:
        child = Child(name, argv, self.log_dir / f"{name}.log")
        child.start({**self.env, **(env or {})})
        self.children.append(child)
        if self.watchdog is not None and child.pid is not None:
            self.watchdog.guard(child.pid)
        return child

    def dead(self) -> list[Child]:
        return [c for c in self.children if c.exited is not None]

    def stop_all(self, grace_s: float = 5.0) -> list[str]:
        """Stop every child at once: SIGTERM, SIGKILL after ``grace_s``. The names of those that
        had to be killed."""
        running = [c for c in self.children if c.proc is not None and c.proc.poll() is None]
        killed = set(terminate_all([c.proc.pid for c in running if c.proc], grace_s))
        for c in running:
            assert c.proc is not None
            try:
                c.proc.wait(5)  # reap
            except subprocess.TimeoutExpired:
                pass
            if self.watchdog is not None:
                self.watchdog.release(c.proc.pid)
        return [c.name for c in running if c.proc and c.proc.pid in killed]

    def wait_http(self, url: str, timeout: float = 30.0) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                httpx.get(url, timeout=1.0)
                return
            except httpx.HTTPError:
                dead = self.dead()
                if dead:
                    raise RuntimeError(f"{dead[0].name} exited: see {dead[0].log_path}\n{dead[0].tail()}") from None
                time.sleep(0.2)
        raise TimeoutError(f"{url} did not answer within {timeout}s")


# ----- ports --------------------------------------------------------------------------------------


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on ``port`` (any address), from /proc/net/tcp{,6}."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if len(parts) > 9 and parts[3] == "0A" and int(parts[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(parts[9])
    return inodes


def port_owner(port: int) -> str | None:
    """Who listens on ``port``: "pid 1234 (python -m services.cli web …)" where this user may look
    (psutil when installed, else /proc), None when it cannot tell."""
    try:
        import psutil  # type: ignore[import-untyped]
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            for conn in psutil.net_connections(kind="tcp"):
                if conn.laddr and conn.laddr.port == port and conn.status == "LISTEN" and conn.pid:
                    return _describe(conn.pid)
        except (psutil.AccessDenied, OSError):
            pass
    inodes = _listening_inodes(port)
    if not inodes:
        return None
    wanted = {f"socket:[{i}]" for i in inodes}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) in wanted:
                    return _describe(int(proc.name))
        except OSError:
            continue
    return None


def _describe(pid: int) -> str:
    try:
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        cmd = ""
    if len(cmd) > 120:
        cmd = cmd[:117] + "…"
    return f"pid {pid} ({cmd})" if cmd else f"pid {pid}"


def port_taken(port: int, host: str = "127.0.0.1") -> bool:
    """True when ``port`` cannot be bound on ``host`` (someone listens, on any address)."""
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no obstacle
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False
