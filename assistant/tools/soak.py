"""``make soak``: the real server under mixed load while slow clients try to hold it.

Starts ``pair-assistant serve`` on a free loopback port and sends 10,000 mixed requests
(questions, lookups, pages, permalinks, bad input) from 8 clients. A few seconds in, 120
slow clients open connections and send one header line a second for 30 s, reconnecting
whenever the server closes them. Prints throughput, latency percentiles, errors (any 5xx,
unexpected status or failed connection), the server's RSS before and after, and how many
normal requests were served during the slow-client phase (and the longest wait between
two of them): besides the load, a probe asks for a lookup every 0.2 s from the start to
the end of that phase, so the check holds even when the load finishes first. Exits 1 on
any error or if normal requests stopped during that phase.

Only ever targets 127.0.0.1, with bounded loops. Not part of ``make test``.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from assistant.tools.bench import QUESTIONS
from assistant.tools.benchserver import Config, start

TOTAL = int(os.environ.get("SOAK_REQUESTS", "10000"))
CLIENTS = 8
SLOW_CLIENTS = 120
SLOW_SECONDS = 30.0
SLOW_START = 2.0
PROBE_EVERY = 0.2
STALL = 5.0  # a gap this long between served requests during the slow phase is a failure


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: bytes | None = None
    expect: int = 200


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: list[float] = field(default_factory=list)
    finished_at: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    def add(self, seconds: float, status: int, problem: str | None) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.finished_at.append(time.monotonic())
            self.statuses[status] = self.statuses.get(status, 0) + 1
            if problem:
                self.errors.append(problem)


def mix(passage_id: str) -> list[Call]:
    """One round of the mixed load: mostly questions and lookups, some pages, bad input."""
    calls = [Call("POST", "/api/ask", json.dumps({"message": q}).encode()) for q in QUESTIONS]
    calls += [Call("GET", f"/api/search?q={q.split()[-1].strip('?')}") for q in QUESTIONS[:30]]
    calls += [
        Call("GET", "/"),
        Call("GET", "/journey/needs"),
        Call("GET", "/search?q=funding"),
        Call("GET", f"/evidence/{passage_id}"),
        Call("GET", f"/api/passages/{passage_id}"),
        Call("GET", "/healthz"),
        Call("GET", "/api/journey/needs-estimate?births=3200"),
        Call("POST", "/api/ask", b'{"message": "\\ud800"}', 400),
        Call("POST", "/api/ask", b"[" * 3000, 400),
        Call("GET", "/api/passages/nope", expect=404),
    ]
    return calls


def client(port: int, calls: list[Call], tally: Tally) -> None:
    """One client on a kept-alive connection, reconnecting when the server closes it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for call in calls:
        headers = {"Content-Type": "application/json"} if call.body is not None else {}
        started = time.perf_counter()
        try:
            conn.request(call.method, call.path, body=call.body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
            problem = None if status == call.expect else f"{call.path}: {status}"
            if response.will_close:
                conn.close()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            status, problem = 0, f"{call.path}: {type(exc).__name__}"
        tally.add(time.perf_counter() - started, status, problem)
    conn.close()


def slow_client(port: int, until: float, cut: list[int]) -> None:
    """Send a header line a second until ``until``; count the server closing on us."""
    while time.monotonic() < until:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                n = 0
                while time.monotonic() < until:
                    time.sleep(1)
                    sock.sendall(f"X-Slow-{n}: {'a' * 20}\r\n".encode())
                    n += 1
        except OSError:
            cut.append(1)
            time.sleep(0.2)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: int) -> float:
    """The ``q``th percentile of ``values`` (seconds), in milliseconds."""
    return float(statistics.quantiles(values, n=100, method="inclusive")[q - 1]) * 1000


def run(port: int, pid: int) -> bool:
    passage = json.loads(_get(port, "/api/search?q=births"))["results"][0]["id"]
    rounds = mix(passage)
    calls = (rounds * (TOTAL // len(rounds) + 1))[:TOTAL]
    shares = [calls[n::CLIENTS] for n in range(CLIENTS)]
    for call in rounds:  # warm up: every kind of request once
        client(port, [call], Tally())
    before = rss_mib(pid)
    tally, cut = Tally(), list[int]()
    started = time.monotonic()
    slow_from, slow_until = started + SLOW_START, started + SLOW_START + SLOW_SECONDS
    slow = [
        threading.Thread(target=_after, args=(slow_from, slow_client, port, slow_until, cut))
        for _ in range(SLOW_CLIENTS)
    ]
    probe_tally = Tally()
    probe = threading.Thread(target=_probe, args=(port, slow_from, slow_until, probe_tally))
    for thread in [*slow, probe]:
        thread.start()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(lambda share: client(port, share, tally), shares))
    elapsed = time.monotonic() - started
    for thread in [*slow, probe]:
        thread.join()
    after = rss_mib(pid)
    tally.errors += probe_tally.errors
    finished = [*tally.finished_at, *probe_tally.finished_at]
    during = sorted(t for t in finished if slow_from <= t <= slow_until)
    gaps = [b - a for a, b in zip([slow_from, *during], [*during, slow_until], strict=True)]
    longest = max(gaps) if during else SLOW_SECONDS
    print(f"requests: {len(tally.latencies)} from {CLIENTS} clients in {elapsed:.1f} s")
    print(f"throughput: {len(tally.latencies) / elapsed:.1f} requests/s")
    p50, p95, p99 = (percentile(tally.latencies, q) for q in (50, 95, 99))
    print(f"latency: p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms")
    print(f"statuses: {dict(sorted(tally.statuses.items()))}")
    first = f" (first: {tally.errors[:3]})" if tally.errors else ""
    print(f"errors: {len(tally.errors)}{first}")
    print(f"server RSS: {before:.0f} MiB before, {after:.0f} MiB after")
    print(
        f"slow-client phase ({SLOW_CLIENTS} clients, {SLOW_SECONDS:.0f} s): {len(during)} normal "
        f"requests served ({len(probe_tally.latencies)} by the probe, p99 "
        f"{percentile(probe_tally.latencies, 99):.0f} ms), longest wait between two "
        f"{longest:.1f} s; slow connections cut off by the server: {len(cut)}"
    )
    served = bool(during) and longest < STALL
    print("served throughout the slow-client phase: " + ("yes" if served else "NO"))
    return not tally.errors and served


def _probe(port: int, start: float, until: float, tally: Tally) -> None:
    """A normal lookup every PROBE_EVERY seconds from ``start`` to ``until``."""
    time.sleep(max(0.0, start - time.monotonic()))
    while time.monotonic() < until:
        client(port, [Call("GET", "/api/search?q=funding")], tally)
        time.sleep(PROBE_EVERY)


def _after(when: float, target: object, *args: object) -> None:
    time.sleep(max(0.0, when - time.monotonic()))
    target(*args)  # type: ignore[operator]


def _get(port: int, path: str) -> bytes:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path)
    data = conn.getresponse().read()
    conn.close()
    return data


def main() -> None:
    os.environ["PAIR_LOOKUP_RATE_LIMIT"] = "1000000/minute"  # measure the server, not limits
    # One waitress process: the built-in server's own limits are what is under test
    # (with gunicorn workers the reverse proxy holds slow clients off).
    served = start(Config("soak", ("--server", "waitress")), QUESTIONS[0], cache_size=1024)
    try:
        ok = run(served.port, served.process.pid)
    finally:
        served.process.terminate()
        served.process.wait(timeout=30)
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
