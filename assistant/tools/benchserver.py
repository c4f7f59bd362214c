"""A real ``pair-assistant serve`` process for the benchmarks, and what it costs.

Only ever binds 127.0.0.1; every loop is bounded.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass(frozen=True)
class Config:
    """How a benchmarked server runs: its name in the tables, CLI options and settings."""

    name: str
    options: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Server:
    config: Config
    port: int
    process: subprocess.Popen[bytes]
    cold_start: float = 0.0

    def pids(self) -> list[int]:
        """The server's processes: the master and its workers."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        found = children.read_text().split() if children.exists() else []
        return [self.process.pid, *(int(p) for p in found)]

    def workers(self) -> list[int]:
        """The processes that answer requests (the master alone for waitress)."""
        pids = self.pids()
        return pids[1:] or pids

    def cpu_seconds(self) -> float:
        """User + system CPU time of every server process so far."""
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLOCK_TICKS

    def memory_mib(self) -> list[tuple[float, float]]:
        """(RSS, PSS) in MiB of each answering process."""
        return [_rss_pss(pid) for pid in self.workers()]

    def stop(self) -> None:
        workers = self.pids()[1:]
        self.process.terminate()
        try:
            self.process.wait(timeout=45)  # past gunicorn's 30 s graceful timeout
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=30)
            for pid in workers:  # a master killed first leaves its workers running
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(port: int, method: str, path: str, body: dict[str, str] | None = None) -> float:
    """One request on a fresh connection; seconds taken. Raises on a non-200 reply."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    payload = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"} if body is not None else {}
    started = time.perf_counter()
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"{method} {path} answered {response.status}")
    return elapsed


def start(config: Config, first_question: str, cache_size: int = 0) -> Server:
    """Spawn the server and wait for its first answer (that time is the cold start)."""
    port = free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "PAIR_QUERY_CACHE_SIZE": str(cache_size),  # every request pays for its model call
        "PAIR_RATE_LIMIT": "1000000/minute",  # measure the server, not the limiter
        "PAIR_LOOKUP_RATE_LIMIT": "1000000/minute",
        "PAIR_RELOAD_CHECK_SECONDS": "0",
        **config.env,
    }
    cli = Path(sys.executable).with_name("pair-assistant")
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port), *config.options],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = Server(config, port, process)
    try:
        for _ in range(1200):  # at most about two minutes
            if process.poll() is not None:
                raise RuntimeError(f"the {config.name} server exited during start-up")
            try:
                request(port, "POST", "/api/ask", {"message": first_question})
                server.cold_start = time.perf_counter() - started
                return server
            except (OSError, RuntimeError):
                time.sleep(0.05)
        raise RuntimeError(f"the {config.name} server did not answer within two minutes")
    except BaseException:
        server.stop()
        raise


def _rss_pss(pid: int) -> tuple[float, float]:
    values = {}
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            name, _, rest = line.partition(":")
            if name in ("Rss", "Pss"):
                values[name] = int(rest.split()[0]) / 1024
    except OSError:
        pass
    return values.get("Rss", float("nan")), values.get("Pss", float("nan"))
