"""Latency of ``/api/search`` under concurrent clients, against a running server.

    pair-assistant serve &                       # in one shell
    python -m assistant.tools.bench_search --port 8000 # in another

Each of ``clients`` threads keeps one HTTP/1.1 connection and sends ``rounds`` requests
(a bounded loop), cycling through staff-style queries. Two phases are timed: *repeated*
queries (the query vectors are in the engine's LRU cache after one warm-up pass) and
*fresh* queries (prefixes as typed, each seen once, so every request runs the model).
Only the standard library is used, so it runs anywhere the server runs.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

QUERIES = (
    "Section 75 pooled budgets",
    "CAMHS referrals for babies",
    "how many specialised parent-infant teams",
    '"Rare Jewels"',
    "births in England and Wales",
    "outcome measures for parent-infant services",
    "JSNA data for perinatal mental health",
    "cost of perinatal mental health problems",
    "commissioning barriers",
    "Best Start for Life funding",
    "attachment and later outcomes",
    "service specification",
)


@dataclass(frozen=True)
class Report:
    name: str
    requests: int
    errors: int
    p50_ms: float
    p95_ms: float
    max_ms: float
    seconds: float

    def line(self) -> str:
        rate = self.requests / self.seconds if self.seconds else 0.0
        return (
            f"{self.name:<28} n={self.requests:<5} errors={self.errors:<3} "
            f"p50={self.p50_ms:6.1f} ms  p95={self.p95_ms:6.1f} ms  "
            f"max={self.max_ms:6.1f} ms  {rate:6.1f} req/s"
        )


def search_path(query: str, k: int = 10) -> str:
    return "/api/search?" + urlencode({"q": query, "k": k})


def fresh_queries(count: int) -> list[str]:
    """Distinct, uncached queries: prefixes as someone typing would send them."""
    prefixes = list(dict.fromkeys(q[:n] for q in QUERIES for n in range(4, len(q), 2)))
    size = len(prefixes)
    return [prefixes[i % size] + (f" {i // size}" if i >= size else "") for i in range(count)]


def _client(
    host: str, port: int, paths: list[str], timings: list[float], errors: list[int]
) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        for path in paths:
            started = time.perf_counter()
            connection.request("GET", path, headers={"Accept": "application/json"})
            response = connection.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status == 200:
                timings.append(elapsed)
            else:
                errors.append(response.status)
    finally:
        connection.close()


def run(name: str, host: str, port: int, per_client: list[list[str]]) -> Report:
    """Send each client's paths concurrently and summarise the latencies."""
    timings: list[float] = []
    errors: list[int] = []
    threads = [
        threading.Thread(target=_client, args=(host, port, paths, timings, errors))
        for paths in per_client
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    return _report(name, timings, len(errors), seconds)


def _report(name: str, timings: list[float], errors: int, seconds: float) -> Report:
    if len(timings) < 2:
        return Report(name, len(timings), errors, 0.0, 0.0, 0.0, seconds)
    cuts = statistics.quantiles(timings, n=100, method="inclusive")
    return Report(name, len(timings), errors, cuts[49], cuts[94], max(timings), seconds)


def bench(
    host: str = "127.0.0.1", port: int = 8000, clients: int = 8, rounds: int = 50
) -> list[Report]:
    """Warm up, then time repeated and fresh queries with ``clients`` concurrent clients."""
    run("warm-up", host, port, [[search_path(q) for q in QUERIES]])
    repeated = [
        [search_path(QUERIES[(c + r) % len(QUERIES)]) for r in range(rounds)]
        for c in range(clients)
    ]
    fresh = fresh_queries(clients * rounds)
    typed = [[search_path(q) for q in fresh[c::clients]] for c in range(clients)]
    return [
        run(f"/api/search repeated x{clients}", host, port, repeated),
        run(f"/api/search fresh x{clients}", host, port, typed),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=50, help="Requests per client per phase.")
    args = parser.parse_args(argv)
    for report in bench(args.host, args.port, args.clients, args.rounds):
        print(report.line())


if __name__ == "__main__":
    main()
