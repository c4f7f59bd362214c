"""The production WSGI server (waitress) with explicit limits and the app's error shape.

Limits, each a setting (the README's "Running it on a network" explains them):

- ``connection_limit``: connections held open at once (waitress's default is 100, which a
  hundred slow clients fill); the poll() loop is used so the limit can exceed 1,024.
- ``request_timeout``: a client has this long to send a whole request, headers and body.
  Waitress only closes *idle* connections, and a client sending a byte a second is never
  idle, so the deadline is enforced here from the time the request's first byte arrived.
- ``channel_timeout``: an idle connection is closed after this long.
- ``max_header_bytes`` and ``max_request_bytes``: larger requests are refused while they
  arrive, never buffered (waitress would otherwise spool up to 1 GB to a temporary file).

Errors that waitress raises itself, before the app sees a request (a bad or duplicate
``Content-Length``, an unsupported ``Transfer-Encoding``, headers or body too large, a
malformed request line), are answered in the app's shape: the JSON error on ``/api/*``,
the error page elsewhere, with the app's security headers. A timed-out request gets no
response: the connection is closed.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from flask import Flask
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer, MultiSocketServer, TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher

from assistant.config import Settings
from assistant.web.errors import standalone_error

log = logging.getLogger(__name__)
IDENT = "pair-assistant"
_REQUEST_PATH = re.compile(rb"^[A-Za-z]+ +(/[^ ?#]*)")


def adjustments(settings: Settings, host: str, port: int) -> dict[str, Any]:
    """Waitress's settings, from ours."""
    return {
        "host": host,
        "port": port,
        "threads": settings.threads,
        "ident": IDENT,
        "connection_limit": settings.connection_limit,
        "channel_timeout": settings.channel_timeout,
        "cleanup_interval": 1,
        "max_request_header_size": settings.max_header_bytes,
        "max_request_body_size": settings.max_request_bytes,
        "asyncore_use_poll": True,
        # X-Forwarded-* are read by the app's own proxy fix (PAIR_PROXY_HOPS); waitress
        # would otherwise strip them before the app sees them.
        "clear_untrusted_proxy_headers": settings.proxy_hops == 0,
    }


def create_server(app: Flask, settings: Settings, host: str, port: int) -> Any:
    """A waitress server for ``app`` with our limits; call ``.run()`` to serve."""
    adj = Adjustments(**adjustments(settings, host, port))
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    socket_map: dict[int, Any] = {}
    servers = [
        _Server(
            app,
            socket_map,
            dispatcher=dispatcher,
            adj=adj,
            sockinfo=info,
            request_timeout=settings.request_timeout,
            flask_app=app,
        )
        for info in adj.listen
    ]
    if len(servers) == 1:
        return servers[0]
    listening = [(s.effective_host, s.effective_port) for s in servers]
    return MultiSocketServer(socket_map, adj, listening, dispatcher, servers[0].log_info)


class _Parser(HTTPRequestParser):  # type: ignore[misc]
    """Remembers when the request's first byte arrived, and its first bytes.

    The first bytes name the path even when waitress refuses the request line itself
    (too long, a lower-case method), so the error can still take the API's shape.
    """

    def __init__(self, adj: Adjustments) -> None:
        super().__init__(adj)
        self.started = time.monotonic()
        self.first_bytes = b""

    def received(self, data: bytes) -> int:
        if len(self.first_bytes) < 64:
            self.first_bytes += data[: 64 - len(self.first_bytes)]
        consumed: int = super().received(data)
        return consumed

    def first_path(self) -> str:
        found = _REQUEST_PATH.match(self.first_bytes)
        return found.group(1).decode("latin-1") if found else "/"


class _ErrorTask(ErrorTask):  # type: ignore[misc]
    """Waitress's own errors, answered in the app's shape with the app's headers."""

    def execute(self) -> None:
        error = self.request.error
        path = getattr(self.request, "path", None)
        if error.code == 431 or not path:  # waitress replaced or never read the request line
            path = self.request.first_path()
        headers, body = standalone_error(self.channel.server.flask_app, error.code, path)
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend(headers)
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _Channel(HTTPChannel):  # type: ignore[misc]
    parser_class = _Parser
    error_task_class = _ErrorTask


class _Server(TcpWSGIServer):  # type: ignore[misc]
    channel_class = _Channel

    def __init__(self, *args: Any, request_timeout: int, flask_app: Flask, **kwargs: Any) -> None:
        self.request_timeout = request_timeout
        self.flask_app = flask_app
        super().__init__(*args, **kwargs)

    def maintenance(self, now: float) -> None:
        """Close idle connections (waitress) and requests that arrive too slowly (ours)."""
        BaseWSGIServer.maintenance(self, now)
        cutoff = time.monotonic() - self.request_timeout
        for channel in list(self.active_channels.values()):
            pending = channel.request
            if pending is not None and not pending.completed and pending.started < cutoff:
                channel.will_close = True
