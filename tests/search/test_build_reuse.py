"""Builds that reuse vectors, store what servers need, and start without reading it all."""

from __future__ import annotations

import gc
import os

import numpy as np
import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.config import Settings
from assistant.journey.guide import journey_step_texts
from assistant.search.embedding import SentenceTransformerEmbedder
from assistant.search.engine import Engine, index_problem, load_engine
from assistant.search.index import (
    PHRASE_FILES,
    EvidenceIndex,
    build_index,
    current_folder,
    load_index,
    read_manifest,
)
from assistant.search.neighbours import nearest_passages

NEW_SECTION = """
### Anytown pilot
source: test-rare-jewels
evidence: cohort or survey

Anytown's pilot parent-infant team saw 41 families in its first year.
"""


@pytest.fixture()
def built(fixture_settings: Settings, embedder: SentenceTransformerEmbedder) -> Settings:
    build_index(fixture_settings.corpus_dir, fixture_settings.index_dir, embedder)
    return fixture_settings


def test_a_rebuild_embeds_only_the_new_text(
    built: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    first = read_manifest(current_folder(built.index_dir))
    path = built.corpus_dir / "evidence" / "sample.md"
    path.write_text(path.read_text() + NEW_SECTION)
    report = build_index(built.corpus_dir, built.index_dir, embedder)
    assert len(report.added) == 1
    assert 1 <= report.manifest["texts_embedded"] <= 3  # the passage and its sentences
    assert report.manifest["texts_reused"] >= first["passage_count"]
    engine = load_engine(built, embedder)
    assert (
        engine.search("How many families did the Anytown pilot team see?").hits[0].passage.heading
        == "Anytown pilot"
    )
    fresh = embedder.encode([p.embedding_text() for p in engine.index.passages] * 30)
    assert np.abs(engine.index.vectors - fresh[: len(engine.index.passages)]).max() < 1e-5
    # the nearest passages carried over from the first build are those of a full search
    assert engine.index.related is not None
    expected = nearest_passages(engine.index.vectors, engine.index.related.shape[1])
    assert np.array_equal(engine.index.related, expected)


def test_a_damaged_previous_build_is_not_reused(
    built: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    target = current_folder(built.index_dir) / "sentences.npy"
    data = bytearray(target.read_bytes())
    data[-4:] = b"\x00\x00\xc0\x7f"  # same size, other content
    target.write_bytes(bytes(data))
    report = build_index(built.corpus_dir, built.index_dir, embedder)
    assert report.manifest["texts_reused"] == 0


def test_start_up_trusts_unchanged_file_stats_and_hashes_changed_ones(
    built: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    assert index_problem(built, embedder) is None
    path = built.corpus_dir / "evidence" / "sample.md"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert index_problem(built, embedder) is None  # touched, same content
    path.write_text(path.read_text().replace("591,072", "591,073"))
    assert index_problem(built, embedder) == "the corpus has changed since the index was built"


def test_index_verify_checks_every_checksum(built: Settings, runner: CliRunner) -> None:
    env = {"PAIR_CORPUS_DIR": str(built.corpus_dir), "PAIR_INDEX_DIR": str(built.index_dir)}
    result = runner.invoke(main, ["index", "verify"], env=env)
    assert result.exit_code == 0, result.output
    assert "files match" in result.output
    target = current_folder(built.index_dir) / "passages.jsonl"
    text = target.read_text()
    target.write_text(text.replace("a", "b", 1))  # same size: only the checksum tells
    load_index(current_folder(built.index_dir))  # a start does not re-read every file
    result = runner.invoke(main, ["index", "verify"], env=env)
    assert result.exit_code == 1
    assert "damaged or missing files: passages.jsonl" in result.output


def test_the_build_lists_each_passages_nearest_passages(engine: Engine) -> None:
    index = engine.index
    assert index.related is not None
    for position in range(0, len(index.passages), 37):
        scores = index.vectors @ index.vectors[position]
        expected = np.argsort(-scores, kind="stable")[: index.related.shape[1]]
        assert list(index.related[position]) == list(expected)


def test_the_journey_steps_are_embedded_at_build_time(settings: Settings, engine: Engine) -> None:
    steps = journey_step_texts(settings)
    assert len(steps) > 10
    stored = [engine.index.stored_vector(t) for t in steps]
    assert all(v is not None for v in stored)
    fresh = engine.embedder.encode(steps)
    assert np.abs(np.vstack(stored) - fresh).max() < 1e-5  # type: ignore[arg-type]


def test_a_journey_step_edited_after_the_build_is_embedded_at_start(
    settings: Settings, engine: Engine
) -> None:
    from assistant.journey.evidence import _step_vectors

    edited = "Needs analysis. A step rewritten after the index was built."
    assert engine.index.stored_vector(edited) is None
    steps = [journey_step_texts(settings)[0], edited]
    vectors = _step_vectors(engine, steps)
    assert np.abs(vectors - engine.embedder.encode(steps)).max() < 1e-5


def test_large_corpora_get_an_hnsw_index_with_its_recall(
    fixture_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    s = fixture_settings
    report = build_index(s.corpus_dir, s.index_dir, embedder, approximate_above=2)
    search = report.manifest["vector_search"]
    assert search["kind"] == "hnsw"
    assert search["recall_at_10"] == 1.0  # three passages: nothing to miss
    engine = load_engine(s.replace(hnsw_above=2), embedder)
    assert "HNSW" in type(engine.index.faiss_index).__name__
    assert (
        engine.search("Do CAMHS accept referrals for babies under two?").hits[0].passage.heading
        == "CAMHS and babies"
    )


def test_vectors_are_kept_once_and_sentence_vectors_mapped(engine: Engine) -> None:
    index = engine.index
    assert not index.vectors.flags.owndata  # a view of FAISS's memory, not a copy
    assert np.array_equal(index.vectors, index.faiss_index.reconstruct_n(0, len(index.passages)))
    assert isinstance(index.sentence_vectors, np.memmap)


def test_the_vectors_outlive_the_index_that_loaded_them(engine: Engine) -> None:
    vectors = load_index(current_folder(engine.settings.index_dir)).vectors
    gc.collect()  # the loaded index itself is gone; its vectors must still be whole
    assert np.array_equal(vectors, engine.index.vectors)


def test_a_rebuild_parses_only_changed_files_and_gets_what_parsing_all_gets(
    built: Settings, embedder: SentenceTransformerEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assistant.evidence import corpus as corpus_module
    from assistant.evidence.corpus import load_corpus

    def write(name: str, place: str) -> None:
        text = NEW_SECTION.replace("Anytown", place)
        (built.corpus_dir / "evidence" / name).write_text(f"---\ntopic: {place}\n---\n{text}")

    write("zzz-last.md", "Lasttown")
    build_index(built.corpus_dir, built.index_dir, embedder)
    path = built.corpus_dir / "evidence" / "sample.md"
    path.write_text(path.read_text() + NEW_SECTION)
    write("aaa-first.md", "Firsttown")
    parsed: list[str] = []
    read = corpus_module._read_markdown

    def counted(*args: object) -> object:
        parsed.append(args[0].name)  # type: ignore[attr-defined]
        return read(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(corpus_module, "_read_markdown", counted)
    build_index(built.corpus_dir, built.index_dir, embedder)
    assert sorted(parsed) == ["aaa-first.md", "sample.md"]
    monkeypatch.undo()
    served = load_index(current_folder(built.index_dir)).passages
    assert served == load_corpus(built.corpus_dir).passages  # orders, lines and files alike


def test_a_rebuild_grows_the_serving_hnsw_index_with_the_new_passages(
    fixture_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    corpus, folder = fixture_settings.corpus_dir, fixture_settings.index_dir
    build_index(corpus, folder, embedder, approximate_above=1)
    path = corpus / "evidence" / "sample.md"
    original = path.read_text()
    first_section = original.index("\n### ")
    path.write_text(original[:first_section] + NEW_SECTION + original[first_section:])
    report = build_index(corpus, folder, embedder, approximate_above=1)
    assert report.manifest["vector_search"]["grown"] is True
    assert report.manifest["vector_search"]["recall_at_10"] > 0.9
    index = load_index(current_folder(folder))
    expected = embedder.encode([p.embedding_text() for p in index.passages] * 30)
    assert np.abs(index.vectors - expected[: len(index.passages)]).max() < 1e-5
    question = embedder.encode(["How many families did the Anytown pilot team see?"])[0]
    best = index.dense(question, 1)[0][0]
    assert index.passages[best].heading == "Anytown pilot"
    path.write_text(original)  # a passage gone: a graph cannot drop it, so it is built anew
    again = build_index(corpus, folder, embedder, approximate_above=1)
    assert "grown" not in again.manifest["vector_search"]


def _section(heading: str, source: str, text: str) -> str:
    return f"\n### {heading}\nsource: {source}\nevidence: cohort or survey\n\n{text}\n"


MORE = [
    _section(
        "Teams by region",
        "test-rare-jewels",
        "Rare Jewels counted 27 teams. Most were in England. Scotland had two teams in 2019.",
    ),
    _section(
        "Births by area",
        "test-ons-births",
        "Births fell in 2023. The number of live births each year is published for every "
        "local authority. Commissioners plan with them.",
    ),
    _section(
        "Waiting times",
        "test-rare-jewels",
        "Families waited 12 weeks on average. Teams with a psychologist saw babies sooner.",
    ),
]


def _spelled(index: EvidenceIndex) -> dict[str, tuple[list[int], bytes]]:
    """Each BM25 term's passages and scores (exact bytes), whatever number it was given."""
    lexical = index.lexical
    found = {}
    for term, n in lexical._vocab.items():
        if n + 1 < len(lexical._indptr):
            start, end = lexical._indptr[n], lexical._indptr[n + 1]
            found[term] = (lexical._indices[start:end].tolist(), lexical._data[start:end].tobytes())
    return found


def test_a_rebuild_gives_what_a_full_build_gives(
    fixture_settings: Settings, embedder: SentenceTransformerEmbedder
) -> None:
    """Reused term counts, passages, sentences and vectors make the index a build from
    scratch makes: the same passages, sentences, BM25 postings and scores (to the bit),
    nearest passages, and search results."""
    s = fixture_settings
    extra = s.corpus_dir / "evidence" / "extra.md"
    extra.write_text("---\ntopic: extra\n---\n# Extra\n" + "".join(MORE))
    build_index(s.corpus_dir, s.index_dir, embedder)
    # a new file whose sentences partly repeat the corpus's, an edited passage, a passage
    # gone, a heading renamed and a source retitled
    (s.corpus_dir / "evidence" / "added.md").write_text(
        "---\ntopic: added\n---\n# Added\n"
        + _section(
            "Local teams",
            "test-rare-jewels",
            "Most were in England. A new team opened in Leeds in 2024. Commissioners plan "
            "with them.",
        )
    )
    extra.write_text(
        "---\ntopic: extra\n---\n# Extra\n"
        + MORE[0].replace("two teams", "three teams")
        + MORE[2].replace("Waiting times", "Time to first visit")
    )
    sources = s.corpus_dir / "sources.yaml"
    sources.write_text(sources.read_text().replace("Births in England", "Live births in England"))
    report = build_index(s.corpus_dir, s.index_dir, embedder)
    assert report.manifest["passages_tokenised"] < report.manifest["passage_count"]
    assert report.manifest["passages_phrase_read"] < report.manifest["passage_count"]
    fresh = s.index_dir.parent / "from-scratch"
    build_index(s.corpus_dir, fresh, embedder)
    rebuilt, full = load_index(current_folder(s.index_dir)), load_index(current_folder(fresh))
    assert rebuilt.passages == full.passages
    assert np.array_equal(rebuilt.sentences.rows, full.sentences.rows)
    assert _spelled(rebuilt) == _spelled(full)
    assert set(rebuilt.lexical._vocab) == set(full.lexical._vocab)
    assert np.abs(rebuilt.vectors - full.vectors).max() < 1e-5
    assert np.abs(rebuilt.sentence_vectors - full.sentence_vectors).max() < 1e-5
    assert np.array_equal(rebuilt.related, full.related)  # type: ignore[arg-type]
    for name in PHRASE_FILES:  # the phrase index a full build makes, file for file
        assert (current_folder(s.index_dir) / name).read_bytes() == (
            current_folder(fresh) / name
        ).read_bytes()
    engines = [load_engine(s, embedder), load_engine(s.replace(index_dir=fresh), embedder)]
    for question in ("How many teams were in Scotland?", "live births by local authority"):
        assert rebuilt.lexical.search(question, 10) == full.lexical.search(question, 10)
        first, second = (e.search(question).hits for e in engines)
        assert [h.position for h in first] == [h.position for h in second]
        assert [h.score for h in first] == pytest.approx([h.score for h in second], abs=1e-5)
