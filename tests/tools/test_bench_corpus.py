"""The scale benchmark's synthetic corpus and the seeded vectors of its variants."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from assistant.evidence.corpus import load_corpus
from assistant.evidence.text import sentence_spans
from assistant.search.engine import Engine
from assistant.search.index import current_folder, passage_vectors
from assistant.search.reuse import previous_vectors
from assistant.tools.bench_corpus import SeededEmbedder, add_document, synthetic_corpus
from assistant.tools.bench_scale import sizes


def test_a_synthetic_corpus_has_the_size_asked_for_and_loads(
    engine: Engine, tmp_path: Path
) -> None:
    real = len(engine.index.passages)
    origins = synthetic_corpus(engine.settings.corpus_dir, tmp_path / "corpus", real + 30)
    passages = load_corpus(tmp_path / "corpus").passages
    assert len(passages) == real + 30
    added = [p for p in passages if "synthetic" in p.file]
    originals = {p.embedding_text() for p in engine.index.passages}
    assert all(origins.of[p.embedding_text()] in originals for p in added)
    sentences = [p.text[a:b] for p in added for a, b in sentence_spans(p.text)]
    assert all(s in origins.of for s in sentences)
    add_document(tmp_path / "corpus")
    grown = load_corpus(tmp_path / "corpus").passages
    new = [p for p in grown if p.heading.startswith("New document page")]
    assert len(new) == 100 and not any(p.embedding_text() in origins.of for p in new)


def test_variants_take_seeded_turns_of_their_originals_vectors(
    engine: Engine, tmp_path: Path
) -> None:
    real = engine.index.passages
    origins = synthetic_corpus(engine.settings.corpus_dir, tmp_path / "corpus", len(real) + 20)
    folder = current_folder(engine.settings.index_dir)
    known = previous_vectors(folder, engine.embedder, passage_vectors)
    seeded = SeededEmbedder(engine.embedder.name, origins, known)
    grown = load_corpus(tmp_path / "corpus").passages
    variants = [p.embedding_text() for p in grown if "synthetic" in p.file][:20]
    vectors = seeded.encode(variants)
    assert seeded.modelled == 0 and seeded.seeded == 20
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    bases = np.vstack([known[origins.of[t]] for t in variants])
    similarity = (vectors * bases).sum(axis=1)
    assert similarity.min() > 0.85 and similarity.max() < 0.99
    assert np.array_equal(seeded.encode(variants[:3]), vectors[:3])  # the same every time
    original = real[0].embedding_text()
    assert np.array_equal(seeded.encode([original])[0], known[original])
    assert seeded.seeded == 23 and seeded.modelled == 0


def test_sizes_are_given_spaced_or_with_commas() -> None:
    assert sizes(["10000,50000", "200000"]) == [10_000, 50_000, 200_000]
