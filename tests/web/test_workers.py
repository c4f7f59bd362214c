"""`pair-assistant serve` with several preforked workers, run for real."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import time
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.web.prefork import _at_end, _has_data, choose_server, worker_count
from tests.web.serving import START_SECONDS, free_port, serve_command, wait_until_answering


def test_workers_default_to_one_per_core(settings: Settings) -> None:
    assert worker_count(settings, None) == (os.cpu_count() or 1)
    assert worker_count(settings.replace(workers=3), None) == 3
    assert worker_count(settings.replace(workers=3), 2) == 2


def test_gunicorn_where_the_platform_forks() -> None:
    assert choose_server("auto") == ("gunicorn" if hasattr(os, "fork") else "waitress")
    assert choose_server("waitress") == "waitress"


def _ask(port: int, question: str) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        body = json.dumps({"message": question})
        conn.request("POST", "/api/ask", body, {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="preforking needs fork")
def test_two_workers_answer_from_the_preloaded_index(settings: Settings, engine: object) -> None:
    port = free_port()
    env = {**os.environ, "PAIR_RATE_LIMIT": "1000/minute", "PAIR_WORKERS": "2"}
    server = subprocess.Popen(
        serve_command(port), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        status, data = wait_until_answering(
            server, lambda: _ask(port, "What is a Section 75 agreement?")
        )
        assert status == 200 and data["citations"]
        deadline = time.monotonic() + START_SECONDS
        children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
        while len(children.read_text().split()) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)  # the first worker may answer before the second has forked
        assert len(children.read_text().split()) == 2
        answers = [_ask(port, "How many births were there in England?") for _ in range(6)]
        assert all(status == 200 for status, _ in answers)
    finally:
        server.terminate()
        output = server.communicate(timeout=60)[0].decode()
    assert "gunicorn, 2 workers" in output
    assert "Traceback" not in output


def test_a_socket_at_its_end_is_told_from_one_with_a_request() -> None:
    server, client = socket.socketpair()
    try:
        assert not _at_end(server)  # nothing yet: still open
        client.sendall(b"GET / HTTP/1.1\r\n")
        assert not _at_end(server)  # a request arrived
        assert server.recv(100)
        client.close()
        assert _at_end(server)
    finally:
        server.close()


def test_a_socket_with_a_request_waiting_is_told_from_one_without() -> None:
    server, client = socket.socketpair()
    try:
        assert not _has_data(server)  # nothing yet
        client.sendall(b"GET / HTTP/1.1\r\n")
        assert _has_data(server)
        assert server.recv(100) == b"GET / HTTP/1.1\r\n"  # the peek left it to be read
        assert not _has_data(server)
        client.close()
        assert not _has_data(server)  # the end of the stream is not a request
    finally:
        server.close()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="preforking needs fork")
def test_requests_sent_at_once_or_after_a_pause_are_answered(settings: Settings) -> None:
    """A new connection's request is read at once when it has arrived, and waited for
    when the client connects first and sends later."""
    port = free_port()
    env = {**os.environ, "PAIR_RATE_LIMIT": "1000/minute", "PAIR_WORKERS": "1"}
    server = subprocess.Popen(serve_command(port), env=env, stdout=subprocess.DEVNULL)
    try:
        assert wait_until_answering(server, lambda: _get(port, "/healthz")[0]) == 200
        for pause in (0.0, 0.3):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
                time.sleep(pause)
                raw.sendall(
                    b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                )
                reply = b""
                while chunk := raw.recv(65536):
                    reply += chunk
            assert reply.startswith(b"HTTP/1.1 200 ")
    finally:
        server.terminate()
        server.wait(timeout=60)


def _open_sockets(pid: int) -> int:
    """How many sockets ``pid`` holds open; a descriptor closed while they are counted
    (the worker keeps working meanwhile) is not one."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except FileNotFoundError:
            continue
    return count


@pytest.mark.skipif(not hasattr(os, "fork"), reason="preforking needs fork")
def test_kept_alive_connections_the_client_closes_are_closed(settings: Settings) -> None:
    """One request thread and room for four connections: connections left kept alive and
    then closed by their client are closed by the worker and no longer count (the worker
    would stop accepting), and kept-alive connections still serve."""
    port = free_port()
    env = {**os.environ, "PAIR_RATE_LIMIT": "1000/minute", "PAIR_WORKERS": "1"}
    env.update(PAIR_THREADS="1", PAIR_CONNECTION_LIMIT="4")
    server = subprocess.Popen(serve_command(port), env=env, stdout=subprocess.DEVNULL)
    try:
        assert wait_until_answering(server, lambda: _get(port, "/healthz")[0]) == 200
        worker = int(Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()[0])
        before = _open_sockets(worker)
        for _ in range(20):
            assert _get(port, "/healthz")[0] == 200  # HTTP/1.1: kept alive, then closed
        kept = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _ in range(3):
            kept.request("GET", "/healthz")
            response = kept.getresponse()
            assert response.status == 200 and response.getheader("Connection") != "close"
            response.read()
        kept.close()
        deadline = time.monotonic() + 10
        while _open_sockets(worker) > before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _open_sockets(worker) <= before
    finally:
        server.terminate()
        server.wait(timeout=60)


def _get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()
