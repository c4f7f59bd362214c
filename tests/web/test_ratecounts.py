"""The in-process rate-limit counters: fixed windows, no thread per request."""

from __future__ import annotations

import threading
import time

import pytest
from flask.testing import FlaskClient

from assistant.config import Settings
from assistant.search.engine import Engine
from assistant.web import create_app, ratecounts
from assistant.web.ratecounts import WindowCounts, storage_uri


class Clock:
    """Stands in for ``time`` in the counters' module, so windows pass without waiting."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


@pytest.fixture()
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    found = Clock()
    monkeypatch.setattr(ratecounts, "time", found)
    return found


def test_a_window_counts_until_it_expires_then_starts_again(clock: Clock) -> None:
    counts = WindowCounts()
    assert [counts.incr("k", 60) for _ in range(3)] == [1, 2, 3]
    assert counts.get("k") == 3 and counts.get_expiry("k") == clock.now + 60
    clock.now += 59
    assert counts.incr("k", 60) == 4
    clock.now += 1
    assert counts.get("k") == 0 and counts.get_expiry("k") == clock.now
    assert counts.incr("k", 60) == 1
    assert counts.get_expiry("k") == clock.now + 60


def test_counters_of_quiet_clients_are_forgotten(clock: Clock) -> None:
    counts = WindowCounts()
    counts.incr("quiet", 1)
    clock.now += ratecounts.SWEEP_SECONDS
    counts.incr("busy", 60)
    assert set(counts._counts) == {"busy"}
    counts.clear("busy")
    assert counts.get("busy") == 0 and counts.reset() == 0


def test_memory_storage_means_these_counters_and_others_are_kept() -> None:
    assert storage_uri("memory://") == "pair+memory://"
    assert storage_uri("redis://cache:6379") == "redis://cache:6379"


def test_questions_are_limited_without_starting_a_thread_each(
    settings: Settings, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = settings.replace(rate_limit="4/minute")
    client: FlaskClient = create_app({"TESTING": True}, settings=config).test_client()
    client.post("/api/ask", json={})  # first use: anything loaded lazily starts now
    started: list[str] = []
    start = threading.Thread.start

    def counted(thread: threading.Thread) -> None:
        started.append(thread.name)
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", counted)
    statuses = []
    for _ in range(4):
        statuses.append(client.post("/api/ask", json={}).status_code)
        time.sleep(0.02)  # the library's memory storage started a timer when none was running
    assert statuses == [422, 422, 422, 429]
    assert started == []
    limited = client.post("/api/ask", json={})
    assert limited.headers["X-RateLimit-Limit"] == "4"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
