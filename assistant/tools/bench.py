"""``make bench``: the server against its in-process floor, before and after, in one run.

* the encoder floor: one question through the NumPy and the ONNX encoder, alone and with
  the FAISS search (one thread, in this process, no HTTP, no BM25);
* three real servers (``pair-assistant serve`` on free loopback ports, query-vector cache
  off so every request pays for its model call): *before* (the NumPy encoder in one
  waitress process: the path this project served with until now, kept switchable by
  ``PAIR_QUERY_ENCODER=numpy --server waitress``), the ONNX encoder with one gunicorn
  worker, and with one worker per core;
* for each: cold start (spawn to first answer, index built), ``/api/ask`` p50/p95 for 50
  varied questions one at a time, the server's CPU milliseconds per request, throughput
  at 1, 4, 8 and 16 concurrent clients (the servers take turns at each level, so load
  from elsewhere on the machine hits them alike), and RSS/PSS of each answering process;
* ``/api/search`` from 8 clients (``bench_search``) against the many-worker server.

Only ever targets 127.0.0.1, with bounded loops.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from assistant.config import load_settings
from assistant.search import minilm, onnxencoder
from assistant.search.embedding import resolve_model, set_threads
from assistant.search.engine import load_engine
from assistant.tools import bench_search
from assistant.tools.benchserver import Config, Server, request, start

LEVELS = (1, 4, 8, 16)
ROUNDS = 2  # passes over the question list per concurrency level
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


def configs(workers: int) -> list[Config]:
    before = Config(
        "before: NumPy, 1 waitress process",
        ("--server", "waitress"),
        {"PAIR_QUERY_ENCODER": "numpy"},
    )
    found = [before, Config("ONNX, 1 worker", ("--server", "gunicorn", "--workers", "1"))]
    if workers > 1:
        found.append(
            Config(f"ONNX, {workers} workers", ("--server", "gunicorn", "--workers", str(workers)))
        )
    return found


def ask(port: int) -> Callable[[str], float]:
    return lambda q: request(port, "POST", "/api/ask", {"message": q})


def encoder_floor() -> dict[str, tuple[float, float]]:
    """Median ms per question: (encode, encode + FAISS search) for each encoder."""
    settings = load_settings()
    set_threads(1)
    engine = load_engine(settings)
    folder = resolve_model(settings.model)
    assert isinstance(folder, Path)
    found = minilm.covered(folder)
    encoders: dict[str, object] = {}
    if found is not None:
        encoders["numpy"] = minilm.NumpyEncoder(folder, *found)
        if engine.index.encoder_path is not None:
            onnx = onnxencoder.load(engine.index.encoder_path, folder, 1, found[1])
            if onnx is not None:
                encoders["onnx"] = onnx
    floors = {}
    for name, encoder in encoders.items():
        encode = encoder.encode  # type: ignore[attr-defined]
        encode(["warm up"])
        alone, searched = [], []
        for q in QUESTIONS * 3:
            started = time.perf_counter()
            vector = encode([q])[0]
            middle = time.perf_counter()
            engine.index.dense(vector, 50)
            ended = time.perf_counter()
            alone.append(middle - started)
            searched.append(ended - started)
        floors[name] = (statistics.median(alone) * 1000, statistics.median(searched) * 1000)
    return floors


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def sequential(server: Server) -> tuple[list[float], float]:
    """Latencies of the questions one at a time, and server CPU ms per request."""
    call = ask(server.port)
    cpu = server.cpu_seconds()
    times = [call(q) for q in QUESTIONS]
    return times, (server.cpu_seconds() - cpu) * 1000 / len(times)


def concurrent(server: Server, clients: int) -> tuple[list[float], float]:
    work = list(QUESTIONS) * ROUNDS
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        times = list(pool.map(ask(server.port), work))
    return times, len(times) / (time.perf_counter() - started)


def main() -> None:
    workers = os.cpu_count() or 1
    floors = encoder_floor()
    servers = []
    try:
        for config in configs(workers):
            servers.append(start(config, QUESTIONS[0]))
        report(floors, servers)
    finally:
        for server in servers:
            server.stop()


def report(floors: dict[str, tuple[float, float]], servers: list[Server]) -> None:
    print(f"cores: {os.cpu_count()}; questions: {len(QUESTIONS)}")
    print("\nEncoder floor (one question, one thread, in-process; medians)")
    print(f"{'encoder':<10}{'encode':>12}{'encode + FAISS':>18}")
    for name, (alone, searched) in floors.items():
        print(f"{name:<10}{alone:>9.2f} ms{searched:>15.2f} ms")
    floor = floors.get("onnx", floors.get("numpy", (0.0, 0.0)))[1]
    for server in servers:  # a warm-up pass: first-use caches, page faults
        sequential(server)
    rows = {s.config.name: sequential(s) for s in servers}
    rates: dict[str, dict[int, tuple[list[float], float]]] = {s.config.name: {} for s in servers}
    for level in LEVELS:
        for server in servers:
            rates[server.config.name][level] = concurrent(server, level)
    width = max(len(s.config.name) for s in servers) + 2
    print("\n/api/ask, one question at a time (50 questions)")
    print(f"{'server':<{width}}{'p50':>9}{'p95':>10}{'p50 / ONNX floor':>18}{'CPU / request':>16}")
    for name, (times, cpu) in rows.items():
        ratio = ms(times, 0.5) / floor if floor else float("nan")
        print(
            f"{name:<{width}}{ms(times, 0.5):>6.1f} ms{ms(times, 0.95):>7.1f} ms"
            f"{ratio:>17.2f}x{cpu:>13.1f} ms"
        )
    print(f"\n/api/ask throughput, requests/s ({ROUNDS} passes per level; p50 ms in brackets)")
    print(f"{'server':<{width}}" + "".join(f"{f'{n} clients':>18}" for n in LEVELS))
    for name, by_level in rates.items():
        cells = "".join(
            f"{rate:>9.1f} ({ms(times, 0.5):>5.0f} ms)" for times, rate in by_level.values()
        )
        print(f"{name:<{width}}{cells}")
    before = servers[0].config.name
    for server in servers[1:]:
        name = server.config.name
        ratio = rates[name][8][1] / rates[before][8][1]
        print(f"8-client throughput, {name} / before: {ratio:.2f}x")
    print("\nCold start (spawn to first answer, index built) and memory per answering process")
    for server in servers:
        memory = ", ".join(f"RSS {r:.0f} / PSS {p:.0f} MiB" for r, p in server.memory_mib())
        print(f"{server.config.name:<{width}}{server.cold_start:>6.2f} s   {memory}")
    lookups = bench_search.bench("127.0.0.1", servers[-1].port, clients=8, rounds=25)
    print(f"\n/api/search against {servers[-1].config.name} (query cache off)")
    for line in lookups:
        print(line.line())


if __name__ == "__main__":
    main()
