"""A lean HTTP/1.1 transport for the Magento client: one keep-alive ``http.client`` connection per
(calling thread, origin).

httpx's default transport (httpcore + h11) cost the writer more CPU than anything else it does: a
pool shared by 32 threads is re-scanned, with a readability syscall per pooled connection, on every
request, and h11's pure-Python state machine runs per event. The writer's worker threads each make
one call at a time, so a connection per thread needs no pool at all. As httpcore does, an idle
connection that became readable (the server closed it) is replaced before a request is sent; a
failure after sending is never retried here (the handlers decide, after a look-up)."""

from __future__ import annotations

import http.client
import select
import ssl
import threading

import httpx

Origin = tuple[bytes, str, int]


def _stale(conn: http.client.HTTPConnection) -> bool:
    """An idle keep-alive socket that is readable was closed by the server (or holds junk)."""
    sock = conn.sock
    if sock is None:
        return False
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


class KeepAliveTransport(httpx.BaseTransport):
    def __init__(self, timeout_s: float, ssl_context: ssl.SSLContext | None = None) -> None:
        self._timeout_s = timeout_s
        self._ssl = ssl_context
        self._local = threading.local()
        self._opened: list[http.client.HTTPConnection] = []
        self._guard = threading.Lock()

    def _connection(self, url: httpx.URL) -> http.client.HTTPConnection:
        conns: dict[Origin, http.client.HTTPConnection] = self._local.__dict__.setdefault("conns", {})
        https = url.scheme == "https"
        origin = (url.raw_scheme, url.host, url.port or (443 if https else 80))
        conn = conns.get(origin)
        if conn is not None and _stale(conn):
            conn.close()
        if conn is None:
            if https:
                conn = http.client.HTTPSConnection(
                    origin[1], origin[2], timeout=self._timeout_s, context=self._ssl or ssl.create_default_context()
                )
            else:
                conn = http.client.HTTPConnection(origin[1], origin[2], timeout=self._timeout_s)
            conns[origin] = conn
            with self._guard:
                self._opened.append(conn)
        return conn

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        conn = self._connection(request.url)
        body = request.read()
        try:
            conn.putrequest(
                request.method, request.url.raw_path.decode("ascii"), skip_host=True, skip_accept_encoding=True
            )
            for name, value in request.headers.raw:
                conn.putheader(name.decode("latin-1"), value)
            conn.endheaders(body or None)
            response = conn.getresponse()
            content = response.read()
        except TimeoutError as exc:
            conn.close()
            raise httpx.ReadTimeout(f"no answer within {self._timeout_s} s", request=request) from exc
        except ConnectionRefusedError as exc:
            conn.close()
            raise httpx.ConnectError(str(exc), request=request) from exc
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}", request=request) from exc
        if response.will_close:
            conn.close()
        return httpx.Response(
            response.status,
            headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.getheaders()],
            stream=httpx.ByteStream(content),
            extensions={"http_version": b"HTTP/1.1"},
        )

    def close(self) -> None:
        with self._guard:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()
