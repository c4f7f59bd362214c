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
from typing import Any

from assistant.config import load_settings
from assistant.search import minilm, onnxencoder
from assistant.search.embedding import resolve_model, set_threads
from assistant.search.engine import Engine, load_engine
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


def floor_encoders() -> tuple[Engine, dict[str, Callable[[list[str]], Any]]]:
    """This process's engine and the encode functions of the NumPy and ONNX encoders."""
    settings = load_settings()
    set_threads(1)
    engine = load_engine(settings)
    folder = resolve_model(settings.model)
    found = minilm.covered(folder) if isinstance(folder, Path) else None
    if not isinstance(folder, Path) or found is None:
        raise SystemExit("the benchmark needs the packaged model (a BERT folder)")
    encoders: dict[str, Callable[[list[str]], Any]] = {
        "numpy": minilm.NumpyEncoder(folder, *found).encode
    }
    if engine.index.encoder_path is not None:
        onnx = onnxencoder.load(engine.index.encoder_path, folder, 1, found[1])
        if onnx is not None:
            encoders["onnx"] = onnx.encode
    for encode in encoders.values():
        encode(["warm up"])
    return engine, encoders


def one_at_a_time(
    servers: list[Server], engine: Engine, encoders: dict[str, Callable[[list[str]], Any]]
) -> tuple[dict[str, tuple[float, ...]], dict[str, tuple[list[float], float]]]:
    """Question by question: each encoder's floor in-process, then each server's answer,
    so all of them meet the same moment's load. Returns the floors (median ms: encode,
    encode + FAISS, and the CPU time of encode + FAISS, which waiting for a busy core does
    not inflate) and, per server, latencies and CPU ms per request."""
    alone: dict[str, list[float]] = {n: [] for n in encoders}
    searched: dict[str, list[float]] = {n: [] for n in encoders}
    busy: dict[str, list[float]] = {n: [] for n in encoders}
    times: dict[str, list[float]] = {s.config.name: [] for s in servers}
    cpu = {s.config.name: s.cpu_seconds() for s in servers}
    for question in QUESTIONS:
        for name, encode in encoders.items():
            cpu_started = time.thread_time()
            started = time.perf_counter()
            vector = encode([question])[0]
            middle = time.perf_counter()
            engine.index.dense(vector, 50)
            alone[name].append(middle - started)
            searched[name].append(time.perf_counter() - started)
            busy[name].append(time.thread_time() - cpu_started)
        for server in servers:
            times[server.config.name].append(ask(server.port)(question))
    floors = {
        n: tuple(1000 * statistics.median(v[n]) for v in (alone, searched, busy)) for n in encoders
    }
    rows = {
        s.config.name: (
            times[s.config.name],
            (s.cpu_seconds() - cpu[s.config.name]) * 1000 / len(QUESTIONS),
        )
        for s in servers
    }
    return floors, rows


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def concurrent(server: Server, clients: int) -> tuple[list[float], float]:
    work = list(QUESTIONS) * ROUNDS
    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        times = list(pool.map(ask(server.port), work))
    return times, len(times) / (time.perf_counter() - started)


def main() -> None:
    workers = os.cpu_count() or 1
    engine, encoders = floor_encoders()
    servers = []
    try:
        for config in configs(workers):
            servers.append(start(config, QUESTIONS[0]))
        for server in servers:  # a warm-up pass: first-use caches, page faults
            for question in QUESTIONS:
                ask(server.port)(question)
        floors, rows = one_at_a_time(servers, engine, encoders)
        report(floors, rows, servers)
    finally:
        for server in servers:
            server.stop()


def report(
    floors: dict[str, tuple[float, ...]],
    rows: dict[str, tuple[list[float], float]],
    servers: list[Server],
) -> None:
    print(f"cores: {os.cpu_count()}; questions: {len(QUESTIONS)}")
    print("\nEncoder floor (one question, one thread, in-process; medians, measured")
    print("question by question alongside the servers' answers below)")
    print(f"{'encoder':<10}{'encode':>12}{'encode + FAISS':>18}{'CPU, encode + FAISS':>23}")
    for name, (alone, searched, busy) in floors.items():
        print(f"{name:<10}{alone:>9.2f} ms{searched:>15.2f} ms{busy:>20.2f} ms")
    _alone, floor, cpu_floor = floors.get("onnx", floors.get("numpy", (0.0, 0.0, 0.0)))
    rates: dict[str, dict[int, tuple[list[float], float]]] = {s.config.name: {} for s in servers}
    for level in LEVELS:
        for server in servers:
            rates[server.config.name][level] = concurrent(server, level)
    width = max(len(s.config.name) for s in servers) + 2
    print("\n/api/ask, one question at a time (50 questions)")
    print(
        f"{'server':<{width}}{'p50':>9}{'p95':>10}{'p50 / floor':>13}"
        f"{'p50 / CPU floor':>17}{'CPU / request':>15}"
    )
    for name, (times, cpu) in rows.items():
        p50 = ms(times, 0.5)
        print(
            f"{name:<{width}}{p50:>6.1f} ms{ms(times, 0.95):>7.1f} ms{p50 / floor:>12.2f}x"
            f"{p50 / cpu_floor:>16.2f}x{cpu:>12.1f} ms"
        )
    print("(floor: the ONNX encode + FAISS median above, wall clock and CPU time)")
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
