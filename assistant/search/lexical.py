"""The BM25 side of retrieval, saved as JSON and .npy files without pickle.

Indexes are built with bm25s. A server reads the saved arrays (bm25s' precomputed per-term
scores, column by column) and scores and ranks with the same NumPy operations bm25s
uses, so it needs neither bm25s nor scipy (a fifth of a second at every start). Tests
check both tokenisation and rankings against bm25s itself.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import io
import json
import logging
import math
import re
import threading
from collections.abc import Container, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import Stemmer

if TYPE_CHECKING:
    import bm25s

_STEMMER = Stemmer.Stemmer("english")
logging.getLogger("bm25s").setLevel(logging.WARNING)
# An unknown query term is replaced by the closest indexed term at least this similar
# (difflib ratio), so "secton" still finds "section"; short terms are never corrected.
_TYPO_CUTOFF = 0.8
_TYPO_MIN_CHARS = 4
# Questions' terms are remembered per index: one request asks for them several times
# (card match, BM25, coverage, journey steps), and people repeat questions.
_TERMS_CACHE = 4096


def stem_words(words: list[str]) -> list[str]:
    """The stems BM25 indexes, for words already split and lower-cased."""
    return list(_STEMMER.stemWords(words))


# bm25s.tokenize's defaults: scikit-learn's token pattern and NLTK's short English list
_TOKEN = re.compile(r"(?u)\b\w\w+\b")
STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the "  # noqa: SIM905
    "their then there these they this to was will with".split()
)


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stop words dropped, stemmed: the terms BM25 indexes and searches
    (what ``bm25s.tokenize(texts, stopwords="en", stemmer=...)`` returns)."""
    words = [[w for w in _TOKEN.findall(t.lower()) if w not in STOPWORDS] for t in texts]
    unique = list(dict.fromkeys(w for found in words for w in found))
    stems = dict(zip(unique, _STEMMER.stemWords(unique), strict=True))
    return [[stems[w] for w in found] for found in words]


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
    """BM25 over the passage texts; document numbers are passage positions.

    ``data``, ``indices`` and ``indptr`` are bm25s' score matrix in CSC form: term i's
    passages are ``indices[indptr[i]:indptr[i + 1]]`` (ascending) with their BM25 term
    scores in ``data`` at the same places. Postings are looked up there, not copied.
    """

    def __init__(
        self,
        arrays: tuple[np.ndarray, np.ndarray, np.ndarray],
        vocab: dict[str, int],
        size: int,
        synonyms: Synonyms | None = None,
        model: bm25s.BM25 | None = None,
    ) -> None:
        self._data, self._indices, self._indptr = arrays
        self._vocab = vocab
        self.size = size
        self.synonyms = synonyms or Synonyms([])
        self._model = model  # only a new index keeps it, to save it
        self._corrector: Corrector | None = None
        self._corrector_lock = threading.Lock()
        self._terms = functools.lru_cache(maxsize=_TERMS_CACHE)(self._terms_uncached)
        self._query_terms = functools.lru_cache(maxsize=_TERMS_CACHE)(self._query_terms_uncached)

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        import bm25s

        model = bm25s.BM25()
        with contextlib.redirect_stderr(io.StringIO()):
            model.index(tokenize(texts), show_progress=False)
        scores = model.scores
        arrays = (np.asarray(scores["data"]), scores["indices"], scores["indptr"])
        return cls(arrays, model.vocab_dict, int(scores["num_docs"]), model=model)

    def save(self, folder: Path) -> None:
        if self._model is None:
            raise ValueError("only a newly built lexical index can be saved")
        self._model.save(str(folder), allow_pickle=False, show_progress=False)

    @classmethod
    def load(cls, folder: Path, synonyms: Synonyms | None = None) -> LexicalIndex:
        """The index bm25s saved in ``folder`` (its BM25 variant with no
        non-occurrence scores, bm25s' default)."""
        params = json.loads((folder / "params.index.json").read_text(encoding="utf-8"))
        if params.get("method") != "lucene":
            raise ValueError(f"BM25 variant {params.get('method')!r} is not supported")
        vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
        names = ("data", "indices", "indptr")
        arrays = tuple(np.load(folder / f"{n}.csc.index.npy", allow_pickle=False) for n in names)
        data, indices, indptr = arrays
        if data.dtype != np.dtype(params["dtype"]) or len(indptr) < len(vocab):
            raise ValueError("the lexical index arrays do not match its parameters")
        return cls((data, indices, indptr), vocab, int(params["num_docs"]), synonyms)

    def terms(self, query: str) -> list[str]:
        """The query's stemmed terms, each unknown one corrected to a close indexed term."""
        return list(self._terms(query))

    def _terms_uncached(self, query: str) -> tuple[str, ...]:
        return tuple(self._correct(t) for t in tokenize([query])[0])

    def query_terms(self, query: str) -> list[Term]:
        """The question's key terms, each with its synonyms (see :class:`Term`)."""
        return list(self._query_terms(query))

    def _query_terms_uncached(self, query: str) -> tuple[Term, ...]:
        stems = list(self._terms(query))
        return tuple(
            Term(max(self.idf(s) for s in alts[0]), alts)
            for _i, alts in self.synonyms.alternatives(stems)
        )

    def _correct(self, term: str) -> str:
        if term in self._vocab or len(term) < _TYPO_MIN_CHARS:
            return term
        with self._corrector_lock:
            if self._corrector is None:  # built on the first unknown word, not at start-up
                self._corrector = Corrector(self._vocab)
        return self._corrector.correct(term) or term

    def postings(self, term: str) -> np.ndarray:
        """Positions of the passages holding ``term``, ascending (empty when none do)."""
        i = self._vocab.get(term)
        if i is None or i + 1 >= len(self._indptr):  # bm25s pads with one empty term
            return self._indices[:0]
        postings: np.ndarray = self._indices[self._indptr[i] : self._indptr[i + 1]]
        return postings

    def holding_all(self, terms: Iterable[str]) -> np.ndarray | None:
        """Positions of the passages holding every one of ``terms``, ascending; None for no
        terms (nothing narrows).

        The rarest term's postings are the candidates; each other term keeps those it
        also lists (a binary search per candidate), rarest first, so the work follows the
        smallest list, not the largest."""
        lists = sorted((self.postings(t) for t in dict.fromkeys(terms)), key=len)
        if not lists:
            return None
        found = lists[0]
        for other in lists[1:]:
            if not len(found):
                break
            at = np.minimum(np.searchsorted(other, found), len(other) - 1)
            found = found[other[at] == found]
        return np.asarray(found, dtype=np.int64)

    def holds(self, term: str, position: int) -> bool:
        """Whether the passage at ``position`` contains ``term`` (a binary search)."""
        found = self.postings(term)
        at = int(np.searchsorted(found, position))
        return at < len(found) and int(found[at]) == position

    def idf(self, term: str) -> float:
        """BM25 idf; a term in no passage gets the highest possible value."""
        found = len(self.postings(term))
        return math.log(1 + (self.size - found + 0.5) / (found + 0.5))

    def coverage(self, terms: list[Term], position: int) -> float:
        """Share of the query's idf weight whose terms occur in the passage (0 to 1)."""
        total = sum(t.weight for t in terms)
        held = sum(t.weight for t in terms if t.held_by(_Holds(self, position)))
        return held / total if total else 0.0

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """(passage position, BM25 score) best first; empty when no query term is known.

        Synonyms of the question's terms are searched too ("VIG" also finds "video
        interaction guidance")."""
        terms = self._known_stems(query)
        if not terms:
            return []
        k = min(k, self.size)
        scores = self._scores(terms)
        # bm25s' top k (numpy backend), step by step, so ties come out in its order
        top = np.argpartition(scores, -k)[-k:]
        picked = np.take(scores, top)
        order = np.flip(np.argsort(picked))
        return [(int(d), float(s)) for d, s in zip(top[order], picked[order], strict=True) if s > 0]

    def search_within(self, query: str, positions: np.ndarray) -> list[tuple[int, float]]:
        """:meth:`search` among ``positions`` only (all of them that score, best first)."""
        found, scores = self.rank_within(query, positions)
        return [(int(p), float(s)) for p, s in zip(found, scores, strict=True)]

    def rank_within(self, query: str, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`search_within` as arrays: the positions that score, best first (ties in
        corpus order), and their scores."""
        terms = self._known_stems(query)
        positions = np.asarray(positions, dtype=np.int64)
        if not terms or not len(positions):
            return positions[:0], np.zeros(0, dtype=self._data.dtype)
        scores = self._scores(terms)[positions]
        order = np.lexsort((positions, -scores))
        order = order[scores[order] > 0]
        return positions[order], scores[order]

    def _scores(self, terms: list[str]) -> np.ndarray:
        """Every passage's BM25 score for ``terms`` (known, distinct stems), summed term by
        term as bm25s sums them."""
        ids = np.asarray([self._vocab[t] for t in terms], dtype=self._indptr.dtype)
        starts, ends = self._indptr[ids], self._indptr[ids + 1]
        scores = np.zeros(self.size, dtype=self._data.dtype)
        for start, end in zip(starts, ends, strict=True):
            # a term lists each passage once, so a plain indexed add does what bm25s'
            # np.add.at does, in the same float32 steps, many times faster
            scores[self._indices[start:end]] += self._data[start:end]
        return scores

    def _known_stems(self, query: str) -> list[str]:
        stems = [s for t in self.query_terms(query) for s in t.stems()]
        return [t for t in dict.fromkeys(stems) if t in self._vocab]


class _Holds:
    """``stem in _Holds(lexical, position)``: does the passage contain the stem."""

    def __init__(self, lexical: LexicalIndex, position: int) -> None:
        self.lexical = lexical
        self.position = position

    def __contains__(self, stem: object) -> bool:
        return isinstance(stem, str) and self.lexical.holds(stem, self.position)


class Corrector:
    """The closest indexed term to an unknown one, as ``difflib.get_close_matches`` finds it.

    difflib compares the word with every term of the vocabulary in Python. Its first two
    tests are bounds: lengths, then letters in common (``quick_ratio``). Here both are
    one NumPy pass over a letter-count table of the vocabulary, so only the few terms
    that could reach the cutoff get the full comparison, and the answer is the same.
    """

    def __init__(self, vocabulary: Iterable[str]) -> None:
        words = sorted(w for w in vocabulary if w)
        self.words = words
        self.lengths = np.fromiter((len(w) for w in words), dtype=np.int32, count=len(words))
        self.counts = np.zeros((len(words), len(_ALPHABET) + 1), dtype=np.uint8)
        for row, word in enumerate(words):
            for column in map(_letter, word):
                self.counts[row, column] = min(255, int(self.counts[row, column]) + 1)

    def correct(self, term: str) -> str | None:
        if not self.words:
            return None
        mine = np.zeros(self.counts.shape[1], dtype=np.uint8)
        for column in map(_letter, term):
            mine[column] = min(255, int(mine[column]) + 1)
        total = self.lengths + len(term)
        common = np.minimum(self.counts, mine).sum(axis=1, dtype=np.int32)
        # quick_ratio (letters in common) bounds difflib's ratio from above
        possible = np.flatnonzero(2.0 * common >= _TYPO_CUTOFF * total - 1e-9)
        matcher = difflib.SequenceMatcher()
        matcher.set_seq2(term)
        best: tuple[float, str] | None = None
        for i in possible:
            word = self.words[int(i)]
            matcher.set_seq1(word)
            if matcher.real_quick_ratio() >= _TYPO_CUTOFF and matcher.quick_ratio() >= _TYPO_CUTOFF:
                score = matcher.ratio()
                if score >= _TYPO_CUTOFF and (best is None or (score, word) > best):
                    best = (score, word)
        return None if best is None else best[1]


_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
_COLUMNS = {c: i for i, c in enumerate(_ALPHABET)}


def _letter(char: str) -> int:
    """A column of the letter-count table; every other character shares the last one."""
    return _COLUMNS.get(char, len(_ALPHABET))
