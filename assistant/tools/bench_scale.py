"""``make bench-scale``: the same code on synthetic corpora of 10k, 50k and 200k passages.

Each corpus is the shipped one plus variants of its real passages (see
:mod:`assistant.tools.bench_corpus`). For each size: the full build time, the rebuild
after adding one 100-page document (incremental: only the new text goes through the
model), the build's size on disk, and a real server's cold start, RSS and p50/p95 for
``/api/ask``, ``/api/search``, a quoted phrase and ``/evidence/<id>``, each after one
warm-up request whose time is shown in brackets.

    python -m assistant.tools.bench_scale --sizes 10000 50000 200000

By default the variants' vectors are seeded from their originals' (minutes instead of
hours on a small machine); ``--embed model`` embeds every text with the model. Not part
of ``make test``. Works in a temporary folder; only ever targets 127.0.0.1.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import assistant.journey.guide  # noqa: F401  (registers the journey steps' build texts)
from assistant.config import Settings, load_settings
from assistant.evidence.corpus import load_corpus
from assistant.search.embedding import Embedder, SentenceTransformerEmbedder
from assistant.search.engine import build_texts
from assistant.search.index import BuildReport, build_index, current_folder, passage_vectors
from assistant.search.reuse import previous_vectors
from assistant.tools.bench import QUESTIONS
from assistant.tools.bench_corpus import SeededEmbedder, add_document, synthetic_corpus
from assistant.tools.benchserver import Config, request, start


def folder_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def timed(call: Callable[[Any], float], items: Sequence[Any]) -> tuple[float, float, float]:
    """p50 and p95 in ms after one warm-up request (as ``make bench`` warms its servers),
    and that first request's time: what a worker pays once for what it keeps."""
    first = call(items[0])
    times = sorted(call(i) for i in items)
    cut = statistics.quantiles(times, n=20, method="inclusive") if len(times) > 1 else times * 19
    return statistics.median(times) * 1000, cut[18] * 1000, first * 1000


def note(message: str) -> None:
    """Progress on standard error (a 200k run takes a while); the table goes to stdout."""
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def share_encoders(settings: Settings, index: Path) -> None:
    """Link the exported question encoders into the new index folder (no re-export)."""
    cached = settings.index_dir / "encoders"
    (index / "encoders").mkdir(parents=True, exist_ok=True)
    for path in cached.glob("*.onnx") if cached.is_dir() else ():
        with contextlib.suppress(OSError):  # another file system: the build exports its own
            os.link(path, index / "encoders" / path.name)


def timed_build(settings: Settings, embedder: Embedder) -> tuple[BuildReport, float, float]:
    """The build's report, wall-clock seconds and CPU seconds (every thread of this
    process: on a shared machine the wall clock also counts other work's turns)."""
    started, cpu = time.perf_counter(), time.process_time()
    report = build_index(
        settings.corpus_dir,
        settings.index_dir,
        embedder,
        texts=build_texts(settings),
        approximate_above=settings.hnsw_above,
    )
    return report, time.perf_counter() - started, time.process_time() - cpu


def bench_size(size: int, work: Path, embed: str) -> str:
    shipped = load_settings()
    corpus, index = work / "corpus", work / "index"
    note(f"{size}: writing the synthetic corpus")
    origins = synthetic_corpus(shipped.corpus_dir, corpus, size)
    settings = load_settings(overrides={"corpus_dir": corpus, "index_dir": index})
    share_encoders(shipped, index)
    if embed == "model":
        embedder: Embedder = SentenceTransformerEmbedder(settings.model)
    else:
        model = SentenceTransformerEmbedder(settings.model)
        known = previous_vectors(current_folder(shipped.index_dir), model, passage_vectors)
        embedder = SeededEmbedder(settings.model, origins, known)
    note(f"{size}: full build ({embed} vectors)")
    first, built, _cpu = timed_build(settings, embedder)
    note(f"{size}: built in {built:.0f} s; adding one 100-page document")
    add_document(corpus)
    again, rebuilt, cpu = timed_build(settings, SentenceTransformerEmbedder(settings.model))
    note(f"{size}: rebuilt in {rebuilt:.1f} s ({cpu:.1f} s CPU); starting a server")
    disk = folder_mib(current_folder(index))
    env = {"PAIR_CORPUS_DIR": str(corpus), "PAIR_INDEX_DIR": str(index), "PAIR_AUTO_REBUILD": "0"}
    server = start(Config("scale", ("--server", "gunicorn", "--workers", "1"), env), QUESTIONS[0])
    try:
        port = server.port
        real = load_corpus(shipped.corpus_dir).passages
        ids = [p.id for p in real[:: max(1, len(real) // 40)]]
        ask = timed(lambda q: request(port, "POST", "/api/ask", {"message": q}), list(QUESTIONS))
        find = timed(
            lambda q: request(port, "GET", "/api/search?" + urlencode({"q": q})),
            ["JSNA", "births"] * 10,
        )
        quoted = timed(
            lambda q: request(port, "GET", "/api/search?" + urlencode({"q": f'"{q}"'})),
            ["Rare Jewels"] * 20,
        )
        page = timed(lambda i: request(port, "GET", f"/evidence/{i}"), ids)
        rss = max(r for r, _p in server.memory_mib())
        search = first.manifest["vector_search"]
        recall = f" (recall@10 {search['recall_at_10']})" if "recall_at_10" in search else ""
        return (
            f"{first.manifest['passage_count']:>8} | {built:7.0f} s | "
            f"{rebuilt:6.1f} s, {cpu:.1f} s CPU ({again.manifest['texts_embedded']} embedded, "
            f"{again.manifest['passages_tokenised']} tokenised) | "
            f"{disk:7.0f} MiB | {rss:6.0f} MiB | {server.cold_start:5.1f} s | "
            f"{ask[0]:.0f}/{ask[1]:.0f} ms ({ask[2]:.0f}) | "
            f"{find[0]:.0f}/{find[1]:.0f} ms ({find[2]:.0f}) | "
            f"{quoted[0]:.0f}/{quoted[1]:.0f} ms ({quoted[2]:.0f}) | "
            f"{page[0]:.0f}/{page[1]:.0f} ms ({page[2]:.0f}) | "
            f"{search['kind']}{recall} | {os.getloadavg()[0]:.1f}"
        )
    finally:
        server.stop()


HEADER = (
    "passages | full build | rebuild after one 100-page document (wall, CPU) | on disk | RSS"
    " | cold start"
    " | /api/ask p50/p95 (first) | /api/search | quoted phrase | /evidence/<id> | vector search"
    " | load average (other work on the machine slows every figure)"
)


def sizes(values: list[str]) -> list[int]:
    """``10000 50000`` or ``10000,50000``."""
    found = [int(v) for value in values for v in value.split(",") if v.strip()]
    if not found or min(found) < 1:
        raise SystemExit("--sizes: give passage counts, e.g. --sizes 10000,50000")
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", nargs="+", default=["10000", "50000", "200000"])
    parser.add_argument(
        "--embed",
        choices=("seeded", "model"),
        default="seeded",
        help="vectors of the synthetic variants: seeded from their originals' or the model's",
    )
    args = parser.parse_args(argv)
    rows = []
    for size in sizes(args.sizes):
        with tempfile.TemporaryDirectory(prefix="pair-scale-") as tmp:
            rows.append(bench_size(size, Path(tmp), args.embed))
        note(rows[-1])
    print(HEADER)
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
