"""The BM25 side of retrieval (bm25s), saved as JSON and .npy files without pickle."""

from __future__ import annotations

import contextlib
import difflib
import io
import logging
import math
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

_STEMMER = Stemmer.Stemmer("english")
logging.getLogger("bm25s").setLevel(logging.WARNING)
# An unknown query term is replaced by the closest indexed term at least this similar
# (difflib ratio), so "secton" still finds "section"; short terms are never corrected.
_TYPO_CUTOFF = 0.8
_TYPO_MIN_CHARS = 4


def stem_words(words: list[str]) -> list[str]:
    """The stems BM25 indexes, for words already split and lower-cased."""
    return list(_STEMMER.stemWords(words))


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stop words dropped, stemmed: the terms BM25 indexes and searches."""
    tokens = bm25s.tokenize(
        texts, stopwords="en", stemmer=_STEMMER, return_ids=False, show_progress=False
    )
    return [list(t) for t in tokens]


class LexicalIndex:
    """BM25 over the passage texts; document numbers are passage positions."""

    def __init__(self, model: bm25s.BM25) -> None:
        self._model = model
        self._vocab = set(model.vocab_dict)
        self._sorted_vocab = sorted(self._vocab)
        self.size = int(model.scores["num_docs"])
        indptr = np.asarray(model.scores["indptr"])
        self._postings = {
            term: frozenset(model.scores["indices"][indptr[i] : indptr[i + 1]].tolist())
            for term, i in model.vocab_dict.items()
            if i + 1 < len(indptr)  # bm25s keeps one padding term with no postings
        }

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

    def terms(self, query: str) -> list[str]:
        """The query's stemmed terms, each unknown one corrected to a close indexed term."""
        return [self._correct(t) for t in tokenize([query])[0]]

    def _correct(self, term: str) -> str:
        if term in self._vocab or len(term) < _TYPO_MIN_CHARS:
            return term
        close = difflib.get_close_matches(term, self._sorted_vocab, n=1, cutoff=_TYPO_CUTOFF)
        return close[0] if close else term

    def idf(self, term: str) -> float:
        """BM25 idf; a term in no passage gets the highest possible value."""
        found = len(self._postings.get(term, ()))
        return math.log(1 + (self.size - found + 0.5) / (found + 0.5))

    def coverage(self, terms: list[str], position: int) -> float:
        """Share of the query's idf weight whose terms occur in the passage (0 to 1)."""
        weights = [self.idf(t) for t in terms]
        total = sum(weights)
        held = sum(
            w for t, w in zip(terms, weights, strict=True) if position in self._postings.get(t, ())
        )
        return held / total if total else 0.0

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(passage position, BM25 score) best first; empty when no query term is known."""
        terms = [t for t in self.terms(query) if t in self._vocab]
        if not terms:
            return []
        k = min(k, self.size)
        docs, scores = self._model.retrieve([terms], k=k, show_progress=False, n_threads=1)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if float(s) > 0]
