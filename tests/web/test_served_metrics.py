"""A real `pair-assistant serve --workers 2`: metrics added up across workers, JSON logs."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="preforking needs fork")
QUESTION = "What is the best recipe for lemon drizzle cake zebracorn?"


@dataclass
class Served:
    port: int
    process: subprocess.Popen[bytes]
    tmp: Path
    stderr: Path

    def request(self, method: str, path: str, body: dict | None = None, **headers: str):  # type: ignore[no-untyped-def]
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            data = json.dumps(body) if body is not None else None
            if data:
                headers["Content-Type"] = "application/json"
            conn.request(method, path, data, headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def workers(self) -> set[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def counted_by(self) -> set[int]:
        """Worker processes that have written counters to the shared metrics folder."""
        [folder] = self.tmp.glob("pair-metrics-*")
        return {int(f.stem.rsplit("_", 1)[1]) for f in folder.glob("*.db")}

    def metric(self, name: str, **labels: str) -> float:
        status, _, body = self.request("GET", "/metrics")
        assert status == 200
        for family in text_string_to_metric_families(body.decode()):
            for s in family.samples:
                if s.name == name and s.labels == labels:
                    return float(s.value)
        return 0.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, engine: object) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("served")
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAIR_")}
    env.update(
        PAIR_RATE_LIMIT="1000/minute",
        PAIR_LOG_FORMAT="json",
        PAIR_INSTANCE_DIR=str(tmp / "instance"),
        TMPDIR=str(tmp),  # where serve makes its private metrics folder
    )
    cli = Path(sys.executable).with_name("pair-assistant")
    port, stderr = _free_port(), tmp / "stderr.log"
    with (tmp / "stdout.log").open("wb") as out, stderr.open("wb") as err:
        process = subprocess.Popen(
            [str(cli), "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=out,
            stderr=err,
        )
    server = Served(port, process, tmp, stderr)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if server.request("GET", "/about")[0] == 200:
                    break
            except OSError:
                assert process.poll() is None, stderr.read_text()[-2000:]
                assert time.monotonic() < deadline, "the server did not answer in time"
                time.sleep(0.2)
        while len(server.workers()) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)  # the first worker may answer before the second has forked
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def test_metrics_add_up_what_every_worker_counted(served: Served) -> None:
    workers = served.workers()
    assert len(workers) == 2
    healthz = {"endpoint": "api.healthz", "method": "GET", "status": "2xx"}
    sent = 0
    deadline = time.monotonic() + 60
    with ThreadPoolExecutor(4) as pool:
        while not workers <= served.counted_by():  # until both workers have served some
            assert time.monotonic() < deadline, "one worker answered every request"
            statuses = list(pool.map(lambda _: served.request("GET", "/healthz")[0], range(8)))
            assert statuses == [200] * 8
            sent += 8
    assert served.metric("pair_http_requests_total", **healthz) == sent
    for question in (QUESTION, "What is a Section 75 agreement?"):
        assert served.request("POST", "/api/ask", {"message": question})[0] == 200
    assert served.metric("pair_answers_total", kind="refused") == 1
    assert served.metric("pair_answers_total", kind="card") == 1

    # a worker that exits (and is replaced) keeps its counts in the sum
    gone = next(iter(workers))
    os.kill(gone, signal.SIGTERM)
    while gone in served.workers() or len(served.workers()) < 2:
        assert time.monotonic() < deadline + 60, "gunicorn did not replace the worker"
        time.sleep(0.2)
    assert served.metric("pair_http_requests_total", **healthz) == sent


def test_log_lines_are_json_with_the_request_id_and_no_question(served: Served) -> None:
    status, headers, _ = served.request(
        "POST", "/api/ask", {"message": QUESTION}, **{"X-Request-ID": "served-1"}
    )
    assert status == 200 and headers["X-Request-ID"] == "served-1"  # logged before it is sent
    lines = [json.loads(line) for line in served.stderr.read_text().splitlines() if line]
    [access] = [x for x in lines if x.get("request_id") == "served-1"]
    assert access["endpoint"] == "api.ask" and access["status"] == 200
    assert access["method"] == "POST" and access["duration_ms"] > 0
    assert any(x["logger"] == "gunicorn.error" for x in lines)  # gunicorn's own lines too
    assert "zebracorn" not in served.stderr.read_text()


def test_the_metrics_folder_is_private_and_removed_on_stop(served: Served) -> None:
    [folder] = served.tmp.glob("pair-metrics-*")
    assert folder.stat().st_mode & 0o777 == 0o700
    served.process.send_signal(signal.SIGTERM)
    served.process.wait(timeout=60)
    assert list(served.tmp.glob("pair-metrics-*")) == []
    output = (served.tmp / "stdout.log").read_text()
    assert "gunicorn, 2 workers" in output
    assert "Traceback" not in output + served.stderr.read_text()
    assert "SIGABRT" not in served.stderr.read_text()  # workers leave cleanly
