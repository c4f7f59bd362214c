"""The bad-input corpus against the real app and the real server: never a 5xx, the JSON
error shape on the API, no traceback or file path in any body."""

from __future__ import annotations

import contextlib
import json
import socket
from collections import Counter
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assistant.config import PROJECT_ROOT, Settings
from assistant.search.engine import Engine
from assistant.web import create_app
from tests.security.corpus import FEEDBACK_PATH, RAW, Case, all_cases, ask_cases
from tests.web.test_server import Live, _read_all, parse, run_server

CASES = all_cases()
LEAKS = ("Traceback", 'File "', str(PROJECT_ROOT), "site-packages", "werkzeug")
STATUSES: Counter[int] = Counter()


@pytest.fixture(scope="module")
def hostile_app(settings: Settings, engine: Engine) -> Flask:
    """The real app with rate limits off, so every case reaches its view."""
    return create_app({"TESTING": False}, settings=settings.replace(rate_limit=""))


@pytest.fixture()
def hostile_client(hostile_app: Flask) -> FlaskClient:
    return hostile_app.test_client()


def check_response(
    path: str, status: int, content_type: str, body: bytes, allowed: tuple[int, ...] = ()
) -> None:
    STATUSES[status] += 1
    assert status < 500 or status in allowed, body[:500]
    text = body.decode("utf-8", "replace")
    for leak in LEAKS:
        assert leak not in text, f"{leak!r} in the body"
    if path.startswith("/api/") and status >= 400:
        assert content_type.startswith("application/json"), content_type
        error = json.loads(body)["error"]
        assert set(error) == {"code", "message"}
        assert isinstance(error["code"], str) and isinstance(error["message"], str)


def test_the_corpus_is_large_and_covers_every_endpoint(hostile_app: Flask) -> None:
    assert len(CASES) >= 250
    covered = {c.path.split("?")[0] for c in CASES}
    for rule in hostile_app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        prefix = str(rule.rule).split("<")[0]
        assert any(p.startswith(prefix) for p in covered), f"no case for {rule.rule}"


@pytest.mark.parametrize("case", CASES, ids=[f"{n:03d}" for n in range(len(CASES))])
def test_bad_input_never_breaks_the_app(hostile_client: FlaskClient, case: Case) -> None:
    response = hostile_client.open(
        case.path,
        method=case.method,
        data=case.body,
        content_type=case.content_type,
        headers=case.headers,
    )
    check_response(case.path, response.status_code, response.content_type or "", response.data)
    if not case.path.startswith("/admin"):  # only the curator area may set a cookie
        assert "Set-Cookie" not in response.headers


def test_feedback_gets_the_same_corpus_when_it_exists(hostile_app: Flask) -> None:
    """The hook for the feedback API: once the route exists, its cases run too."""
    if not any(r.rule == FEEDBACK_PATH for r in hostile_app.url_map.iter_rules()):
        pytest.skip(f"{FEEDBACK_PATH} is not part of this app")
    client = hostile_app.test_client()
    for case in ask_cases(FEEDBACK_PATH):
        response = client.open(
            case.path, method=case.method, data=case.body, content_type=case.content_type
        )
        check_response(case.path, response.status_code, response.content_type or "", response.data)


@pytest.fixture(scope="module")
def live_server(settings: Settings, engine: Engine) -> Iterator[Live]:
    yield from run_server(settings.replace(rate_limit="", request_timeout=3))


@pytest.mark.parametrize(("name", "data"), RAW, ids=[name for name, _ in RAW])
def test_raw_requests_never_break_the_server(live_server: Live, name: str, data: bytes) -> None:
    with socket.create_connection((live_server.host, live_server.port), timeout=10) as sock:
        sock.sendall(data)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)
        response = _read_all(sock)
    if not response:
        return  # closed without an answer (an incomplete request); nothing leaked
    response = response.removeprefix(b"HTTP/1.1 100 Continue\r\n\r\n")
    status, headers, body = parse(response)
    path = data.split(b" ", 2)[1].decode("latin-1") if data.count(b" ") >= 2 else "/"
    # 501 is HTTP's answer to a transfer coding the server does not implement (RFC 9112)
    check_response(path, status, headers.get("content-type", ""), body, allowed=(501,))
    assert headers.get("x-content-type-options") == "nosniff"
