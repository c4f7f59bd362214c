"""The benchmarks' client: one request per connection, said so, as a reverse proxy does."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from assistant.tools.benchserver import request


class _Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: ClassVar[list[tuple[str, str | None, str | None]]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._answer()

    def do_GET(self) -> None:
        self._answer()

    def _answer(self) -> None:
        self.seen.append(
            (self.command, self.headers.get("Connection"), self.headers.get("Content-Type"))
        )
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def port() -> Iterator[int]:
    _Recorder.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


def test_each_request_says_its_connection_closes(port: int) -> None:
    assert request(port, "POST", "/api/ask", {"message": "What is a JSNA?"}) > 0
    assert request(port, "GET", "/healthz") > 0
    assert _Recorder.seen == [
        ("POST", "close", "application/json"),
        ("GET", "close", None),
    ]
