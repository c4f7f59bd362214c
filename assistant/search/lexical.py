"""The BM25 side of retrieval (bm25s), saved as JSON and .npy files without pickle."""

from __future__ import annotations

import contextlib
import difflib
import io
import logging
import math
from collections.abc import Container
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Term:
    """One key term of a question with the words that count as saying it.

    ``alternatives`` are stem sequences: the question's own word first, then its synonyms
    and expansions ("vig" or "video interaction guidance"); a text holds the term when it
    holds every stem of one alternative. ``weight`` is the idf of the question's word.
    """

    weight: float
    alternatives: tuple[tuple[str, ...], ...]

    def held_by(self, stems: Container[str]) -> bool:
        return any(all(s in stems for s in alt) for alt in self.alternatives)

    def stems(self) -> list[str]:
        return [s for alt in self.alternatives for s in alt]

    def is_number(self) -> bool:
        return all(s.replace(".", "").replace(",", "").isdigit() for s in self.alternatives[0])


class Synonyms:
    """Groups of words and phrases that mean the same thing to a commissioner."""

    def __init__(self, groups: list[list[str]]) -> None:
        self.groups: list[tuple[tuple[str, ...], ...]] = []
        for group in groups:
            members = tuple(dict.fromkeys(tuple(t) for t in tokenize(group) if t))
            if len(members) > 1:
                self.groups.append(members)
        self._single = {m[0]: g for g in self.groups for m in g if len(m) == 1}

    def alternatives(self, stems: list[str]) -> list[tuple[int, tuple[tuple[str, ...], ...]]]:
        """(position in ``stems``, alternatives) for each term, phrases matched first."""
        found: dict[int, tuple[tuple[str, ...], ...]] = {}
        used: set[int] = set()
        for group in self.groups:
            for member in (m for m in group if len(m) > 1):
                for i in range(len(stems) - len(member) + 1):
                    span = range(i, i + len(member))
                    if tuple(stems[i : i + len(member)]) == member and not used & set(span):
                        found[i] = (member, *(m for m in group if m != member))
                        used.update(span)
        for i, stem in enumerate(stems):
            if i not in used:
                group = self._single.get(stem, ((stem,),))
                found[i] = ((stem,), *(m for m in group if m != (stem,)))
        return sorted(found.items())


class LexicalIndex:
    """BM25 over the passage texts; document numbers are passage positions."""

    def __init__(self, model: bm25s.BM25, synonyms: Synonyms | None = None) -> None:
        self._model = model
        self.synonyms = synonyms or Synonyms([])
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
    def load(cls, folder: Path, synonyms: Synonyms | None = None) -> LexicalIndex:
        model = bm25s.BM25.load(str(folder), allow_pickle=False, show_progress=False)
        return cls(model, synonyms)

    def terms(self, query: str) -> list[str]:
        """The query's stemmed terms, each unknown one corrected to a close indexed term."""
        return [self._correct(t) for t in tokenize([query])[0]]

    def query_terms(self, query: str) -> list[Term]:
        """The question's key terms, each with its synonyms (see :class:`Term`)."""
        stems = self.terms(query)
        return [
            Term(max(self.idf(s) for s in alts[0]), alts)
            for _i, alts in self.synonyms.alternatives(stems)
        ]

    def _correct(self, term: str) -> str:
        if term in self._vocab or len(term) < _TYPO_MIN_CHARS:
            return term
        close = difflib.get_close_matches(term, self._sorted_vocab, n=1, cutoff=_TYPO_CUTOFF)
        return close[0] if close else term

    def idf(self, term: str) -> float:
        """BM25 idf; a term in no passage gets the highest possible value."""
        found = len(self._postings.get(term, ()))
        return math.log(1 + (self.size - found + 0.5) / (found + 0.5))

    def coverage(self, terms: list[Term], position: int) -> float:
        """Share of the query's idf weight whose terms occur in the passage (0 to 1)."""
        total = sum(t.weight for t in terms)
        held = sum(t.weight for t in terms if t.held_by(_Holds(self._postings, position)))
        return held / total if total else 0.0

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(passage position, BM25 score) best first; empty when no query term is known.

        Synonyms of the question's terms are searched too ("VIG" also finds "video
        interaction guidance")."""
        stems = [s for t in self.query_terms(query) for s in t.stems()]
        terms = [t for t in dict.fromkeys(stems) if t in self._vocab]
        if not terms:
            return []
        k = min(k, self.size)
        docs, scores = self._model.retrieve([terms], k=k, show_progress=False, n_threads=1)
        return [(int(d), float(s)) for d, s in zip(docs[0], scores[0], strict=True) if float(s) > 0]


class _Holds:
    """``stem in _Holds(postings, position)``: does the passage contain the stem."""

    def __init__(self, postings: dict[str, frozenset[int]], position: int) -> None:
        self.postings = postings
        self.position = position

    def __contains__(self, stem: object) -> bool:
        return isinstance(stem, str) and self.position in self.postings.get(stem, ())
