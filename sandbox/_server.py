"""Run an ASGI app with uvicorn on a background thread (tests, demo, benchmarks)."""

from __future__ import annotations

import importlib.util
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fast_protocols() -> dict[str, str]:
    """uvicorn options for the C HTTP parser (httptools) and event loop (uvloop) when installed
    (`uvicorn[standard]`), else the pure-Python h11 parser and asyncio. h11 cost the Magento stand-in
    a large share of its per-request CPU, which capped what any client could measure against it.
    uvicorn builds the loop with a loop factory (no global event loop policy), so this is also safe on
    a background thread next to other event loops."""
    has = importlib.util.find_spec
    return {
        "http": "httptools" if has("httptools") is not None else "h11",
        "loop": "uvloop" if has("uvloop") is not None else "asyncio",
    }


@dataclass
class ServerHandle:
    server: uvicorn.Server
    thread: threading.Thread
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


def serve_in_thread(app: object, host: str = "127.0.0.1", port: int = 0, timeout_s: float = 15.0) -> ServerHandle:
    port = port or _free_port()
    config = uvicorn.Config(app, host=host, port=port, log_level="warning",  # type: ignore[arg-type]
                            access_log=False, lifespan="on", date_header=False, server_header=False,
                            **fast_protocols())  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"asgi-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"server on {host}:{port} did not start")
        time.sleep(0.05)
    return ServerHandle(server, thread, host, port)
