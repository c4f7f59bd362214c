"""A real `pair-assistant serve` writing answer rows off the request path: nothing queued is
lost when the server is stopped, and feedback finds an answer's row whichever worker takes
it. On SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from assistant.store import schema
from assistant.store.database import SQLITE_FILE, Store
from tests.web.serving import free_port, serve_command, wait_until_answering

QUESTIONS = (
    "What is a Section 75 agreement?",
    "How are Family Hubs funded?",
    "What is the best recipe for lemon drizzle cake zebracorn?",
)


def _post(port: int, path: str, body: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@contextmanager
def _serving(tmp: Path, database: str, *options: str, delay: str) -> Iterator[int]:
    """The server's port once it answers; it is stopped (SIGTERM) on the way out."""
    port = free_port()
    env = {
        **os.environ,
        "PAIR_INSTANCE_DIR": str(tmp),
        "PAIR_DATABASE_URL": database,
        "PAIR_RECORD_DELAY_SECONDS": delay,
        "PAIR_RATE_LIMIT": "1000/minute",
        "PAIR_RELOAD_CHECK_SECONDS": "0",
    }
    server = subprocess.Popen(
        serve_command(port, *options), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        # a 422: nothing recorded
        wait_until_answering(server, lambda: _post(port, "/api/ask", {"message": ""}))
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        output = server.communicate(timeout=60)[0].decode()
        assert server.returncode == 0, output
        assert "Traceback" not in output


def _database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / SQLITE_FILE}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return _database(request, tmp_path)


def _rows(url: str) -> list[tuple[str, bool | None]]:
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            found = conn.execute(sa.select(schema.answers.c.kind, schema.answers.c.helpful)).all()
        return [(kind, helpful) for kind, helpful in found]
    finally:
        store.engine.dispose()


SERVERS = [
    pytest.param(
        ("--server", "gunicorn", "--workers", "2"),
        marks=pytest.mark.skipif(not hasattr(os, "fork"), reason="preforking needs fork"),
        id="gunicorn",
    ),
    pytest.param(("--server", "waitress"), id="waitress"),
]


@pytest.mark.parametrize("options", SERVERS)
def test_stopping_the_server_writes_the_answers_still_queued(
    options: tuple[str, ...], database: str, tmp_path: Path, engine: object
) -> None:
    with _serving(tmp_path, database, *options, delay="60") as port:
        for question in QUESTIONS:
            status, data = _post(port, "/api/ask", {"message": question})
            assert status == 200 and data["answer_id"]
        assert _rows(database) == []  # waiting for the minute to pass, or for a stop
    kinds = sorted(kind for kind, _ in _rows(database))
    assert len(kinds) == 3 and kinds[-1] == "refused"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="preforking needs fork")
def test_feedback_right_after_an_answer_finds_its_row_on_any_worker(
    database: str, tmp_path: Path, engine: object
) -> None:
    with _serving(tmp_path, database, "--workers", "2", delay="1") as port:
        for question in QUESTIONS * 2:
            status, data = _post(port, "/api/ask", {"message": question})
            assert status == 200
            body = {"answer_id": data["answer_id"], "helpful": True}
            assert _post(port, "/api/feedback", body) == (200, {"recorded": True, "helpful": True})
    assert [helpful for _, helpful in _rows(database)] == [True] * 6
