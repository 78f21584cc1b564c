"""Start, watch and stop the pipeline's processes on one machine (demo, benchmarks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Child:
    name: str
    args: list[str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self, env: dict[str, str]) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115
        self.proc = subprocess.Popen([sys.executable, "-m", "services.cli", *self.args],
                                     env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    @property
    def exited(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def stop(self, timeout: float = 15.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(5)

    def tail(self, lines: int = 15) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@dataclass
class Supervisor:
    log_dir: Path
    env: dict[str, str]
    children: list[Child] = field(default_factory=list)

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> Child:
        child = Child(name, list(args), self.log_dir / f"{name}.log")
        child.start({**self.env, **(env or {})})
        self.children.append(child)
        return child

    def dead(self) -> list[Child]:
        return [c for c in self.children if c.exited is not None]

    def stop_all(self) -> None:
        for child in reversed(self.children):
            child.stop()

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
