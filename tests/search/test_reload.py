"""Safe re-indexing: the engine follows `index/current`; a failed build changes nothing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.answer.compose import extract
from assistant.config import Settings
from assistant.ingest.collection import Collection, Options
from assistant.ingest.readers import read_document
from assistant.search import engine as services
from assistant.search.embedding import SentenceTransformerEmbedder
from assistant.search.engine import Engine, get_engine, reload_engine
from assistant.search.index import build_index, current_folder
from tests.ingest.ingest_docs import make_pdf

PDF_PAGES = [
    "Anytown's perinatal strategy sets out how the integrated care board will support "
    "families with babies in their first two years of life.",
    "Anytown will open a specialised parent-infant relationship team in Riverside in 2026. "
    "The team will include a psychotherapist, a health visitor and a peer supporter.",
]
QUESTION = "When will Anytown open a parent-infant relationship team in Riverside?"


class Crash(RuntimeError):
    pass


def _crash_at(name: str):  # type: ignore[no-untyped-def]
    def checkpoint(written: str) -> None:
        if written == name:
            raise Crash(f"build stopped after {written}")

    return checkpoint


@pytest.fixture()
def served(fixture_settings: Settings, embedder: SentenceTransformerEmbedder) -> Iterator[Settings]:
    """The tiny corpus, built and loaded as the process's engine for these settings."""
    settings = fixture_settings.replace(reload_check_seconds=0.0)
    build_index(settings.corpus_dir, settings.index_dir, embedder)
    key = services.engine_key(settings)
    services._engines[key] = services.load_engine(settings, embedder)
    yield settings
    services._engines.pop(key, None)
    services._failed.pop(key, None)
    services._checked.pop(key, None)


def _add_strategy(settings: Settings, tmp_path: Path) -> None:
    pdf = make_pdf(tmp_path / "anytown-strategy.pdf", PDF_PAGES, title="Anytown strategy")
    options = Options(url="https://example.org/anytown-strategy.pdf")
    Collection(settings.corpus_dir).add(pdf, read_document(pdf, 10_000_000), options)


def test_failed_build_leaves_the_serving_index_untouched(
    served: Settings, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    before = current_folder(served.index_dir)
    engine = get_engine(served)
    _add_strategy(served, tmp_path)
    with pytest.raises(Crash):
        build_index(
            served.corpus_dir, served.index_dir, embedder, fail_after=_crash_at("sentences.npy")
        )
    assert current_folder(served.index_dir) == before
    assert not [p for p in (served.index_dir / "builds").iterdir() if p.name.startswith(".")]
    assert reload_engine(served) is False
    assert get_engine(served) is engine
    assert engine.search("specialised teams in the United Kingdom").hits


def test_new_build_is_swapped_in_and_cites_pdf_pages(
    served: Settings, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    old = get_engine(served)
    _add_strategy(served, tmp_path)
    report = build_index(served.corpus_dir, served.index_dir, embedder)
    assert len(report.added) == 2 and report.unchanged == 3
    assert reload_engine(served) is True
    fresh = get_engine(served)
    assert fresh is not old and fresh.index.manifest["build_id"] == report.manifest["build_id"]
    assert old.search("Rare Jewels teams").hits  # a request holding the old engine finishes
    citation = extract(fresh, QUESTION).citations[0]
    assert (citation.page, citation.source_id) == ("p. 2", "anytown-strategy")
    assert citation.url == "https://example.org/anytown-strategy.pdf#page=2"


def test_requests_pick_up_a_new_build_in_the_background(
    served: Settings, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    settings = served.replace(reload_check_seconds=0.05)
    old = get_engine(settings)
    _add_strategy(settings, tmp_path)
    report = build_index(settings.corpus_dir, settings.index_dir, embedder)
    deadline = time.monotonic() + 30
    while get_engine(settings) is old and time.monotonic() < deadline:
        time.sleep(0.1)
    assert get_engine(settings).index.manifest["build_id"] == report.manifest["build_id"]


def test_a_damaged_new_build_is_not_served(
    served: Settings, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    engine: Engine = get_engine(served)
    _add_strategy(served, tmp_path)
    report = build_index(served.corpus_dir, served.index_dir, embedder)
    (report.path / "passages.jsonl").write_text("damaged\n", encoding="utf-8")
    assert reload_engine(served) is False
    assert get_engine(served) is engine
    assert reload_engine(served) is False  # remembered: not loaded again on every check


def test_loading_and_reloading_end_with_a_full_garbage_collection(
    served: Settings, embedder: SentenceTransformerEmbedder, tmp_path: Path
) -> None:
    """The objects a load leaves are collected as it ends, not by whichever request
    comes next (a full collection walks every passage: long at a large corpus)."""
    import gc

    collected: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "stop":
            collected.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        services.load_engine(served, embedder)
        assert collected[-1:] == [2], "loading did not end with a full collection"
        _add_strategy(served, tmp_path)
        build_index(served.corpus_dir, served.index_dir, embedder)
        collected.clear()
        assert reload_engine(served) is True
        assert collected[-1:] == [2], "reloading did not end with a full collection"
    finally:
        gc.callbacks.remove(seen)
