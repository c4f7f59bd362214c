"""``make bench-scale``: the same code on synthetic corpora of 10k, 50k and 200k passages.

Each corpus is the shipped one plus passages derived from its real passages, with the
figures, places and commissioners' words varied (so vectors and BM25 terms spread as in
a larger evidence base, not as exact copies). For each size: the full build time, the
rebuild after adding one 100-page document (incremental: only the new text is
embedded), the build's size on disk, and a real server's cold start, RSS and p50/p95 for
``/api/ask``, ``/api/search``, a quoted phrase and ``/evidence/<id>``.

    python -m assistant.tools.bench_scale --sizes 10000 50000 200000

Embedding is the bulk of the build: on a 2-core machine expect hours for 200k. Not part
of ``make test``. Works in a temporary folder; only ever targets 127.0.0.1.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from assistant.config import load_settings
from assistant.evidence.corpus import Passage, load_corpus
from assistant.search.embedding import SentenceTransformerEmbedder
from assistant.search.engine import build_texts
from assistant.tools.bench import QUESTIONS
from assistant.tools.benchserver import Config, request, start

PLACES = ("Leeds", "Cornwall", "Sunderland", "Norfolk", "Bristol", "Cumbria", "Croydon", "Wirral")
WORDS = {
    "commissioners": "planners",
    "families": "households",
    "babies": "infants",
    "services": "provision",
    "local authority": "council",
    "report": "study",
}
_NUMBER = re.compile(r"\d+")
PER_FILE = 500


def vary(text: str, rng: random.Random) -> str:
    text = _NUMBER.sub(lambda m: str(max(1, int(m.group()) + rng.randint(-9, 9))), text)
    for word, other in WORDS.items():
        if rng.random() < 0.5:
            text = text.replace(word, other)
    return f"{text} This was reported for {rng.choice(PLACES)}."


def passage_markdown(p: Passage, heading: str, text: str) -> str:
    lines = [f"### {heading}", f"source: {', '.join(p.source_ids)}"]
    if p.evidence:
        lines.append(f"evidence: {p.evidence}")
    return "\n".join(lines) + f"\n\n{text}\n"


def write_file(folder: Path, name: str, sections: list[str]) -> None:
    head = f"---\ntopic: {name}\ntitle: Synthetic evidence {name}\n---\n\n# {name}\n\n## Body\n\n"
    (folder / f"{name}.md").write_text(head + "\n".join(sections), encoding="utf-8")


def synthetic_corpus(target: Path, size: int, seed: int = 14) -> list[Passage]:
    """The shipped corpus grown to ``size`` passages in ``target``; returns the originals."""
    settings = load_settings()
    shutil.copytree(settings.corpus_dir, target)
    real = load_corpus(target).passages
    rng = random.Random(seed)
    folder = target / "evidence" / "synthetic"
    folder.mkdir()
    sections = []
    for n in range(max(0, size - len(real))):
        p = real[n % len(real)]
        sections.append(passage_markdown(p, f"{p.heading} ({n})", vary(p.text, rng)))
        if len(sections) == PER_FILE:
            write_file(folder, f"synthetic-{n // PER_FILE:04d}", sections)
            sections = []
    if sections:
        write_file(folder, "synthetic-last", sections)
    return real


def add_document(corpus: Path, real: list[Passage], pages: int = 100) -> None:
    """One new 100-page document: a passage per page."""
    rng = random.Random(1001)
    sections = [
        passage_markdown(real[n % len(real)], f"New document page {n + 1}", vary(real[n].text, rng))
        for n in range(pages)
    ]
    write_file(corpus / "evidence" / "synthetic", "new-document", sections)


def folder_mib(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def timed(call: Callable[[Any], float], items: Sequence[Any]) -> tuple[float, float]:
    times = sorted(call(i) for i in items)
    cut = statistics.quantiles(times, n=20, method="inclusive") if len(times) > 1 else times * 19
    return statistics.median(times) * 1000, cut[18] * 1000


def bench_size(size: int, work: Path) -> None:
    from assistant.search.index import build_index, current_folder

    corpus, index = work / "corpus", work / "index"
    real = synthetic_corpus(corpus, size)
    settings = load_settings(overrides={"corpus_dir": corpus, "index_dir": index})
    embedder = SentenceTransformerEmbedder(settings.model)
    texts = build_texts(settings)
    started = time.perf_counter()
    first = build_index(corpus, index, embedder, texts=texts, approximate_above=settings.hnsw_above)
    built = time.perf_counter() - started
    add_document(corpus, real)
    started = time.perf_counter()
    again = build_index(corpus, index, embedder, texts=texts, approximate_above=settings.hnsw_above)
    rebuilt = time.perf_counter() - started
    disk = folder_mib(current_folder(index))
    env = {"PAIR_CORPUS_DIR": str(corpus), "PAIR_INDEX_DIR": str(index), "PAIR_AUTO_REBUILD": "0"}
    server = start(Config("scale", ("--server", "gunicorn", "--workers", "1"), env), QUESTIONS[0])
    try:
        port = server.port
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
        print(
            f"{first.manifest['passage_count']:>8} passages | build {built:7.0f} s | "
            f"+1 document {rebuilt:6.1f} s ({again.manifest['texts_embedded']} embedded) | "
            f"disk {disk:7.0f} MiB | RSS {rss:6.0f} MiB | cold {server.cold_start:5.1f} s | "
            f"ask {ask[0]:.0f}/{ask[1]:.0f} ms | search {find[0]:.0f}/{find[1]:.0f} ms | "
            f"quoted {quoted[0]:.0f}/{quoted[1]:.0f} ms | evidence {page[0]:.0f}/{page[1]:.0f} ms"
            f" | search {first.manifest['vector_search']}"
        )
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    args = parser.parse_args(argv)
    print("size | full build | rebuild after one 100-page document | on disk | server (p50/p95)")
    for size in args.sizes:
        with tempfile.TemporaryDirectory(prefix="pair-scale-") as tmp:
            bench_size(size, Path(tmp))


if __name__ == "__main__":
    main()
