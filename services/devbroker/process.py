"""One interface over the local brokers: start one (or a cluster), know its bootstrap address,
stop it. ``start_broker`` is the only way the CLI, the demo, the tests and the benchmarks start one."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from services.devbroker.kafka import TlsListeners

Engine = Literal["kafka", "tansu"]


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_listening(proc: subprocess.Popen[bytes], host: str, port: int, what: str, log_path: Path | None,
                   wait_s: float) -> None:
    """Wait until ``proc`` listens on ``host:port``; a process that exits or stays deaf is an error."""
    deadline = time.monotonic() + wait_s
    while not port_open(host, port):
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} before listening on {host}:{port}; "
                               f"see {log_path or 'its output'}")
        if time.monotonic() > deadline:
            stop_process(proc, 5)
            raise TimeoutError(f"{what} did not listen on {host}:{port} within {wait_s:.0f} s; "
                               f"see {log_path or 'its output'}")
        time.sleep(0.1)


def stop_process(proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    """SIGTERM, then SIGKILL if it has not exited within ``timeout_s``."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


class ProcessNode:
    """A broker node's process: its pid, whether it runs, SIGKILL and a controlled stop (the
    node dataclasses hold ``proc``)."""

    proc: subprocess.Popen[bytes] | None
    stop_timeout_s: float = 30.0

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: the crash case, nothing flushed or handed over."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self, timeout_s: float | None = None) -> None:
        """Controlled shutdown (SIGTERM), SIGKILL after ``timeout_s``."""
        if self.proc:
            stop_process(self.proc, self.stop_timeout_s if timeout_s is None else timeout_s)


class Node(Protocol):
    node_id: int
    port: int

    def alive(self) -> bool: ...
    def kill(self) -> None: ...
    def stop(self, timeout_s: float | None = None) -> None: ...
    def start(self) -> None: ...


@dataclass
class RunningBroker:
    """A local broker or cluster: its engine, its nodes and the bootstrap address clients use."""

    engine: Engine
    nodes: list[Node]
    host: str = "127.0.0.1"
    on_stop: list[Callable[[], None]] = field(default_factory=list)

    @property
    def bootstrap(self) -> str:
        return ",".join(f"{self.host}:{n.port}" for n in self.nodes)

    def node(self, node_id: int) -> Node:
        return next(n for n in self.nodes if n.node_id == node_id)

    def pids(self) -> list[int]:
        return [pid for n in self.nodes if (pid := getattr(n, "pid", None))]

    def stop(self, timeout_s: float = 15.0) -> None:
        """Stop every node at once (one by one, the last nodes of a cluster would wait on a
        controller quorum that is already gone), SIGKILL what is left after ``timeout_s``."""
        procs = [p for n in self.nodes if (p := getattr(n, "proc", None)) is not None and p.poll() is None]
        for p in procs:
            p.terminate()
        deadline = time.monotonic() + timeout_s
        for p in procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(10)
        for hook in self.on_stop:
            hook()

    def __enter__(self) -> RunningBroker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_broker(engine: Engine = "kafka", *, port: int | None = None, nodes: int = 1,
                 data_dir: Path | None = None, host: str = "127.0.0.1", progress: Callable[[str], None] = print,
                 heap_mb: int | None = None, tls: TlsListeners | None = None) -> RunningBroker:
    """Start a local broker: Apache Kafka (``nodes`` combined broker/controller nodes, KRaft) or
    Tansu (one node, memory storage). ``port`` is the first node's client port (default: free);
    ``tls``: a single Kafka node's extra listeners for clients over TLS."""
    if engine == "kafka":
        from services.devbroker.kafka import start_kafka

        return start_kafka(host=host, port=port, nodes=nodes, data_dir=data_dir, progress=progress,
                           heap_mb=heap_mb, tls=tls)
    if engine == "tansu":
        if tls is not None:
            raise ValueError("TLS listeners are Kafka's; Tansu here serves PLAINTEXT only")
        if nodes != 1:
            raise ValueError("Tansu runs one node; use --engine kafka for a cluster")
        from services.devbroker.tansu import start_tansu

        return start_tansu(host=host, port=port or free_port(), log_dir=data_dir)
    raise ValueError(f"unknown broker engine {engine!r}: kafka or tansu")
