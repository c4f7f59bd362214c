"""The BM25 side of retrieval (bm25s), saved as JSON and .npy files without pickle."""

from __future__ import annotations

import contextlib
import io
import logging
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_STEMMER = Stemmer.Stemmer("english")
logging.getLogger("bm25s").setLevel(logging.WARNING)


def tokenize(texts: list[str]) -> list[list[str]]:
    tokens = bm25s.tokenize(
        texts, stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False
    )
    return [list(t) for t in tokens]


class LexicalIndex:
    """BM25 over the passage texts; document numbers are passage positions."""

    def __init__(self, model: bm25s.BM25) -> None:
        self._model = model
        self._vocab = set(model.vocab_dict)
        self.size = int(model.scores["num_docs"])

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        model = bm25s.BM25()
        with contextlib.redirect_stderr(io.StringIO()):
            model.index(tokenize(texts), show_progress=False)
        return cls(model)

    def save(self, folder: Path) -> None:
        self._model.save(str(folder), allow_pickle=False, show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        return cls(bm25s.BM25.load(str(folder), allow_pickle=False, show_progress=False))

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(passage position, BM25 score) best first; empty when no query term is known."""
        terms = [t for t in tokenize([query])[0] if t in self._vocab]
        if not terms:
            return []
        k = min(k, self.size)
        docs, scores = self._model.retrieve([terms], k=k, show_progress=False, n_threads=1)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if float(s) > 0]

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every passage for ``query`` (zeros when no term is known)."""
        terms = [t for t in tokenize([query])[0] if t in self._vocab]
        if not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._model.get_scores(terms), dtype=np.float32)
