"""Request ids and the access line: one log line per request, naming no question.

Every request gets an id: a well-formed ``X-Request-ID`` from the client or the proxy in
front (letters, digits and ``._:-``, at most 128 characters), otherwise a new random one.
It comes back in the ``X-Request-ID`` response header and is on every log record made
while the request is handled (a log record factory adds it), so one line in a proxy's log
leads to the app's lines. :mod:`assistant.commands.logs` formats the records.

The access line names the Flask endpoint (``api.ask``), never the path or the query
string, so no question typed into a URL reaches the log; question text is logged only
when ``PAIR_LOG_QUERIES`` is on. Probes (``/healthz``, ``/metrics``) that succeed are
logged at DEBUG, so a scrape every few seconds does not bury the requests of people.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request

HEADER = "X-Request-ID"
PROBES = frozenset({"api.healthz", "metrics.metrics"})
_WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
access = logging.getLogger("assistant.web.access")


def request_id() -> str:
    """The current request's id (taken from the request or made up once)."""
    found: str | None = g.get("request_id")
    if found is None:
        offered = request.headers.get(HEADER, "")
        found = offered if _WELL_FORMED.fullmatch(offered) else uuid.uuid4().hex
        g.request_id = found
    return found


def elapsed() -> float:
    """Seconds since the current request reached the app (0 when it never did)."""
    started: float | None = g.get("request_started")
    return 0.0 if started is None else time.perf_counter() - started


def init_app(app: Flask) -> None:
    """Time and number every request: the first hook to run, so refusals count too."""
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    _number_records()


def _number_records() -> None:
    """Records made while a request is handled carry its id (installed once a process)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if has_request_context():
            record.request_id = request_id()
        return record

    factory.adds_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def _start() -> None:
    g.request_started = time.perf_counter()
    request_id()


def _finish(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    endpoint = request.endpoint or "unmatched"
    quiet = endpoint in PROBES and response.status_code < 400
    duration = round(elapsed() * 1000, 1)
    access.log(
        logging.DEBUG if quiet else logging.INFO,
        "%s %s %d %.1f ms",
        request.method,
        endpoint,
        response.status_code,
        duration,
        extra={
            "method": request.method,
            "endpoint": endpoint,
            "status": response.status_code,
            "duration_ms": duration,
        },
    )
    return response
