"""The production server (waitress) with our limits, driven over real sockets.

The server runs in a thread of the test process with the real app; requests are written
byte by byte where the test needs to misbehave as a client would.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from assistant.config import Settings
from assistant.search.engine import Engine
from assistant.web import create_app
from assistant.web.server import adjustments, create_server


@dataclass
class Live:
    host: str
    port: int
    server: Any

    def raw(self, data: bytes, timeout: float = 10.0) -> bytes:
        """Send ``data`` and read until the server closes the connection."""
        with socket.create_connection((self.host, self.port), timeout=timeout) as sock:
            sock.sendall(data)
            return _read_all(sock)

    def get(self, path: str, headers: str = "") -> tuple[int, dict[str, str], bytes]:
        request = f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{headers}Connection: close\r\n\r\n"
        return parse(self.raw(request.encode()))


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def parse(response: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def run_server(settings: Settings) -> Iterator[Live]:
    app = create_app(settings=settings)
    server = create_server(app, settings, "127.0.0.1", 0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield Live("127.0.0.1", server.effective_port, server)
    finally:
        server.task_dispatcher.shutdown(cancel_pending=True, timeout=5)
        for channel in list(server._map.values()):
            channel.close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def live(settings: Settings, engine: Engine) -> Iterator[Live]:
    config = settings.replace(request_timeout=2, channel_timeout=30, connection_limit=50)
    yield from run_server(config)


def test_waitress_gets_every_limit_from_the_settings(settings: Settings) -> None:
    config = settings.replace(
        connection_limit=321, request_timeout=7, channel_timeout=9, max_header_bytes=4096
    )
    adj = adjustments(config, "127.0.0.1", 8000)
    assert adj["connection_limit"] == 321
    assert adj["channel_timeout"] == 9
    assert adj["max_request_header_size"] == 4096
    assert adj["max_request_body_size"] == config.max_request_bytes  # the app's own limit
    assert adj["asyncore_use_poll"] is True


def test_a_normal_request_is_served(live: Live) -> None:
    status, headers, body = live.get("/healthz")
    assert status == 200
    assert json.loads(body)["status"] == "ok"
    assert headers["x-content-type-options"] == "nosniff"


# 3. The body limit applies while the body arrives: nothing is spooled to disk


def test_a_body_over_the_limit_is_refused_before_it_is_read(live: Live) -> None:
    head = (
        f"POST /api/ask HTTP/1.1\r\nHost: {live.host}\r\nContent-Type: application/json\r\n"
        "Content-Length: 300000000\r\n\r\n"
    ).encode()
    with socket.create_connection((live.host, live.port), timeout=10) as sock:
        sock.sendall(head + b"{" * 65536)
        status, _headers, body = parse(_read_all(sock))
    assert status == 413
    assert json.loads(body)["error"]["code"] == "request_too_large"


# 15. Errors the server raises itself have the app's shape and headers


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (b"POST /api/ask HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n", 400, "bad_request"),
        (
            b"POST /api/ask HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n"
            b"Content-Length: 3\r\n\r\n{}",
            400,
            "bad_request",
        ),
        (
            b"POST /api/ask HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
            501,
            "not_implemented",
        ),
        (b"GET /api/search?q=" + b"a" * 20000 + b" HTTP/1.1\r\nHost: h\r\n\r\n", 431, None),
        (b"GET /api/search HTTP/1.1\r\nHost: h\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n", 431, None),
        (b"get /api/search HTTP/1.1\r\nHost: h\r\n\r\n", 400, None),
    ],
)
def test_server_errors_on_the_api_have_the_json_shape(
    live: Live, request_bytes: bytes, status: int, code: str | None
) -> None:
    got, headers, body = parse(live.raw(request_bytes))
    assert got == status
    error = json.loads(body)["error"]
    assert set(error) == {"code", "message"}
    if code:
        assert error["code"] == code
    assert headers["content-type"] == "application/json"
    assert headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in headers
    assert int(headers["content-length"]) == len(body)


def test_server_errors_elsewhere_are_the_error_page(live: Live) -> None:
    request = b"POST /embed HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"
    status, headers, body = parse(live.raw(request))
    assert status == 501
    assert headers["content-type"].startswith("text/html")
    assert b"transfer encoding" in body
    assert b"Traceback" not in body
    assert headers["content-security-policy"].startswith("default-src 'self'")


# 2. Slow clients cannot hold connections: a deadline for the whole request


def test_a_client_trickling_its_headers_is_cut_off(live: Live) -> None:
    with socket.create_connection((live.host, live.port), timeout=15) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        started = time.monotonic()
        closed = False
        for n in range(12):  # a header line a second, each resetting an idle timer
            try:
                sock.sendall(f"X-Slow-{n}: 1\r\n".encode())
            except OSError:
                closed = True
                break
            time.sleep(1)
            sock.setblocking(False)
            try:
                closed = sock.recv(1) == b""
            except BlockingIOError:
                pass
            except OSError:
                closed = True
            sock.setblocking(True)
            if closed:
                break
    assert closed
    assert time.monotonic() - started < 8  # request_timeout is 2 s, checked every second


def test_slow_clients_do_not_lock_out_others(settings: Settings, engine: Engine) -> None:
    config = settings.replace(request_timeout=3, connection_limit=40)
    for live in run_server(config):
        slow = []
        for _ in range(30):
            sock = socket.create_connection((live.host, live.port), timeout=10)
            sock.sendall(b"GET /healthz HTTP/1.1\r\nX-A: 1\r\n")
            slow.append(sock)
        try:
            started = time.monotonic()
            status, _headers, _body = live.get("/healthz")
            assert status == 200
            assert time.monotonic() - started < 5
        finally:
            for sock in slow:
                sock.close()
