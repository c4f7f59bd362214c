"""``make bench``: latency of the real server against the in-process floor, in one run.

Starts ``pair-assistant serve`` on a free loopback port (query-vector cache off, so every
request pays for its model call), then:

* cold start: process start to the first answered question (index already built);
* ``/api/ask``: 50 varied questions sequentially, then the same load from 8 clients;
* ``/api/search``: staff-style lookups from 8 clients, repeated (query vectors cached)
  and fresh (prefixes as typed, each running the model), from ``bench_search``;
* the raw floor: model encode + FAISS search for the same questions, in this process;
* the server's peak RSS.

Only ever targets 127.0.0.1, with bounded loops.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

from assistant.config import load_settings
from assistant.search.embedding import set_threads
from assistant.search.engine import load_engine
from assistant.tools import bench_search

CLIENTS = 8
ROUNDS = 2  # concurrent passes over the question list
QUESTIONS = (
    "How many specialised parent-infant relationship teams are there in England?",
    "What data do I need for a local needs analysis?",
    "Why do parent-infant relationships matter?",
    "What is a Section 75 agreement?",
    "How much do perinatal mental health problems cost the UK?",
    "Which outcome measures can a parent-infant team use?",
    "What is the Provider Selection Regime?",
    "What is a JSNA?",
    "How common is disorganised attachment?",
    "Do CAMHS accept referrals for babies under two?",
    "What did the Rare Jewels report find?",
    "What is Best Start for Life?",
    "How are Family Hubs funded?",
    "What does an integrated care board do?",
    "What is parent-infant psychotherapy?",
    "Does video feedback improve parental sensitivity?",
    "What is Circle of Security?",
    "How should a parent-infant team be supervised?",
    "Which professions work in a parent-infant team?",
    "What is the PIR-GAS?",
    "How can I estimate the number of families needing support?",
    "What are the barriers to commissioning PAIR services?",
    "What is a theory of change?",
    "How do I write a business case for a parent-infant team?",
    "What is proportionate universalism?",
    "What is the first 1001 days?",
    "What are the Healthy Child Programme mandated contacts?",
    "How many fathers have perinatal mental health problems?",
    "What is the cost of late intervention?",
    "What is the National PAIR Framework?",
    "What did Babies in Lockdown find?",
    "How many births were there in England and Wales in 2023?",
    "What is the Fingertips perinatal mental health profile?",
    "How is step up and step down support organised?",
    "Where are the gaps in provision in the North of England?",
    "What is Video Interaction Guidance?",
    "What does the Solihull Approach teach?",
    "What is the CARE-Index?",
    "How is WEMWBS scored?",
    "What did All Babies Count estimate?",
    "How does domestic abuse affect pregnancy?",
    "What is the Behaviour Change Wheel?",
    "What funding did the 2021 Spending Review give to perinatal mental health?",
    "What does the NHS Long Term Plan say about perinatal care?",
    "What is mind-mindedness?",
    "How does Scotland fund infant mental health?",
    "What is a Mother and Baby Unit?",
    "What is the Start for Life offer?",
    "How can parents' voices inform a needs analysis?",
    "weather in Leeds tomorrow",
)


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


def ask(port: int) -> Callable[[str], float]:
    return lambda q: request(port, "POST", "/api/ask", {"message": q})


@contextmanager
def server(cache_size: int) -> Iterator[tuple[int, subprocess.Popen[bytes], float]]:
    """A real server; yields (port, process, seconds from spawn to first answer)."""
    port = free_port()
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "PAIR_QUERY_CACHE_SIZE": str(cache_size),
        "PAIR_RATE_LIMIT": "1000000/minute",  # measure the server, not the limiter
    }
    cli = Path(sys.executable).with_name("pair-assistant")
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        cold = _first_answer(port, process, started)
        yield port, process, cold
    finally:
        process.terminate()
        process.wait(timeout=30)


def _first_answer(port: int, process: subprocess.Popen[bytes], started: float) -> float:
    for _ in range(1200):  # at most about two minutes
        if process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            ask(port)(QUESTIONS[0])
            return time.perf_counter() - started
        except (OSError, RuntimeError):
            time.sleep(0.1)
    raise RuntimeError("the server did not answer within two minutes")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def sequential(call: Callable[[str], float]) -> tuple[list[float], float]:
    started = time.perf_counter()
    times = [call(q) for q in QUESTIONS]
    return times, len(times) / (time.perf_counter() - started)


def concurrent(call: Callable[[str], float]) -> tuple[list[float], float]:
    work = list(QUESTIONS) * ROUNDS
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        times = list(pool.map(call, work))
    return times, len(times) / (time.perf_counter() - started)


def raw_floor() -> list[float]:
    """Model encode + FAISS search per question, in this process (no HTTP, no BM25)."""
    settings = load_settings()
    set_threads(settings.model_threads)  # the same threads per model call as the server
    engine = load_engine(settings)
    engine.embedder.encode(["warm up"])
    times = []
    for q in QUESTIONS:
        started = time.perf_counter()
        engine.index.dense(engine.embedder.encode([q])[0], 50)
        times.append(time.perf_counter() - started)
    return times


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(name: str, times: list[float], rate: float) -> str:
    return (
        f"{name:<34} p50 {ms(times, 0.5):7.1f} ms   p95 {ms(times, 0.95):7.1f} ms   "
        f"{rate:6.1f} req/s   n={len(times)}"
    )


def main() -> None:
    floor = raw_floor()
    with server(cache_size=0) as (port, process, cold):
        ask_seq, ask_seq_rate = sequential(ask(port))
        ask_par, ask_par_rate = concurrent(ask(port))
        rss = peak_rss_mib(process.pid)
    with server(cache_size=1024) as (port, _process, _cold):
        lookups = bench_search.bench("127.0.0.1", port, clients=CLIENTS, rounds=25)
    floor_p50 = statistics.median(floor) * 1000
    print(f"questions: {len(QUESTIONS)}; concurrent clients: {CLIENTS}")
    print(f"cold start (spawn to first answer, index built): {cold:.2f} s")
    print(f"{'raw floor (encode + FAISS, in-process)':<34} p50 {floor_p50:7.1f} ms")
    print(line("/api/ask sequential", ask_seq, ask_seq_rate))
    print(line(f"/api/ask {CLIENTS} clients", ask_par, ask_par_rate))
    for report in lookups:
        print(report.line())
    print(f"server peak RSS: {rss:.0f} MiB")
    print(f"ratio p50 /api/ask sequential / raw floor: {ms(ask_seq, 0.5) / floor_p50:.2f}")


if __name__ == "__main__":
    main()
