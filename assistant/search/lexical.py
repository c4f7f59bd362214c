"""The BM25 side of retrieval, saved as JSON and .npy files without pickle.

The saved index is bm25s' format (its precomputed per-term scores, column by column, its
vocabulary and parameters), written here from each passage's term counts with the
arithmetic bm25s uses, so the scores are the very numbers bm25s computes. The counts are
saved beside it: a rebuild after an ingest tokenises only the new passages and works
every score out again from the counts (the corpus size, average length and idf change
with every passage added). A server reads the saved arrays and scores and ranks with the
same NumPy operations bm25s uses, so it needs neither bm25s nor scipy (a fifth of a
second at every start). Tests check tokenisation, scores and rankings against bm25s.
"""

from __future__ import annotations

import difflib
import functools
import importlib.metadata
import json
import math
import re
import threading
from collections.abc import Container, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import Stemmer

_STEMMER = Stemmer.Stemmer("english")
# bm25s' defaults, recorded in the saved parameters: its Lucene variant of BM25
K1, B, DELTA = 1.5, 0.75, 0.5
# Raise when :func:`tokenize` changes: term counts stored by older builds are then not
# reused (a rebuild counts every passage again).
TOKENS_VERSION = 2
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
# "we're", "don't", "I've": the word before the apostrophe is kept, the clipped ending
# (which alone would be a rare, heavily weighted term: "re", "ve") dropped
_CONTRACTION = re.compile(r"(?<=\w)(n['\u2019]t|['\u2019](re|ve|ll|d|m))\b", re.I)
_IRREGULAR = re.compile(r"\b(ca|wo|sha)n['\u2019]t\b", re.I)
_IRREGULAR_WORDS = {"ca": "can", "wo": "will", "sha": "shall"}


def open_contractions(text: str) -> str:
    """``text`` with each contraction replaced by the word it clips ("we're" -> "we",
    "can't" -> "can"); "'s" stays, as it is as often a possessive."""
    text = _IRREGULAR.sub(lambda m: _IRREGULAR_WORDS[m.group(1).lower()], text)
    return _CONTRACTION.sub("", text)


def _words(text: str) -> list[str]:
    """The words of ``text`` that :func:`tokenize` stems, in order."""
    return [w for w in _TOKEN.findall(open_contractions(text.lower())) if w not in STOPWORDS]


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, contractions opened, stop words dropped, stemmed: the terms BM25
    indexes and searches (what ``bm25s.tokenize(texts, stopwords="en", stemmer=...)``
    returns for the texts with their contractions opened)."""
    words = [_words(t) for t in texts]
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
    # each alternative as a set: a set of stems is tested with one subset test per
    # alternative, not one membership test per stem (a card match tests dozens of terms)
    _sets: tuple[frozenset[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_sets", tuple(frozenset(alt) for alt in self.alternatives))

    def held_by(self, stems: Container[str]) -> bool:
        if isinstance(stems, (frozenset, set)):
            return any(alt <= stems for alt in self._sets)
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
        counts: TermCounts | None = None,
    ) -> None:
        self._data, self._indices, self._indptr = arrays
        self._vocab = vocab
        self.size = size
        self.synonyms = synonyms or Synonyms([])
        self.counts = counts  # only a new index keeps them, to save them
        self._corrector: Corrector | None = None
        self._corrector_lock = threading.Lock()
        self._terms = functools.lru_cache(maxsize=_TERMS_CACHE)(self._terms_uncached)
        self._query_terms = functools.lru_cache(maxsize=_TERMS_CACHE)(self._query_terms_uncached)

    @classmethod
    def build(cls, texts: list[str]) -> LexicalIndex:
        return cls.from_counts(count_terms(texts))

    @classmethod
    def from_counts(cls, counts: TermCounts) -> LexicalIndex:
        """The index of the passages ``counts`` counted, scored as bm25s scores."""
        arrays = (bm25_scores(counts), counts.docs, counts.indptr)
        vocab = {term: n for n, term in enumerate(counts.terms)}
        vocab[""] = len(vocab)  # bm25s' empty term, last, with no passages
        return cls(arrays, vocab, len(counts.lengths), counts=counts)

    def save(self, folder: Path) -> None:
        """bm25s' files (``BM25.load`` reads them) and the term counts (see
        :data:`COUNTS_FILES`)."""
        if self.counts is None:
            raise ValueError("only a newly built lexical index can be saved")
        folder.mkdir(parents=True, exist_ok=True)
        names = ("data", "indices", "indptr")
        for name, array in zip(names, (self._data, self._indices, self._indptr), strict=True):
            np.save(folder / f"{name}.csc.index.npy", array, allow_pickle=False)
        (folder / "vocab.index.json").write_text(
            json.dumps(self._vocab, ensure_ascii=False), encoding="utf-8"
        )
        params = {
            "k1": K1,
            "b": B,
            "delta": DELTA,
            "method": "lucene",
            "idf_method": "lucene",
            "dtype": "float32",
            "int_dtype": "int32",
            "num_docs": self.size,
            "version": _bm25s_version(),
            "backend": "numpy",
        }
        (folder / "params.index.json").write_text(json.dumps(params, indent=4), encoding="utf-8")
        np.save(folder / "counts.npy", self.counts.counts, allow_pickle=False)
        np.save(folder / "lengths.npy", self.counts.lengths, allow_pickle=False)

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
        loaded = cls((data, indices, indptr), vocab, int(params["num_docs"]), synonyms)
        # made with the index, not on a request's first unknown word
        loaded._corrector = Corrector(vocab)
        return loaded

    def terms(self, query: str) -> list[str]:
        """The query's stemmed terms, each unknown one corrected to a close indexed term."""
        return list(self._terms(query))

    def _terms_uncached(self, query: str) -> tuple[str, ...]:
        words = _words(query)
        stems = stem_words(words)
        return tuple(
            stem if self._known(stem) or is_english_word(word) else self._closest(stem)
            for word, stem in zip(words, stems, strict=True)
        )

    def _known(self, stem: str) -> bool:
        """Is ``stem`` indexed, or too short to correct?"""
        return stem in self._vocab or len(stem) < _TYPO_MIN_CHARS

    def query_terms(self, query: str) -> list[Term]:
        """The question's key terms, each with its synonyms (see :class:`Term`)."""
        return list(self._query_terms(query))

    def _query_terms_uncached(self, query: str) -> tuple[Term, ...]:
        stems = list(self._terms(query))
        return tuple(
            Term(max(self.idf(s) for s in alts[0]), alts)
            for _i, alts in self.synonyms.alternatives(stems)
        )

    def _closest(self, term: str) -> str:
        """The indexed term closest to the unknown ``term`` (itself when none is close)."""
        with self._corrector_lock:
            if self._corrector is None:  # an index being built: made on first use
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

    def rank_within(self, query: str, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`search` among ``positions`` only: those that score, best first (ties in
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


# The term counts saved beside bm25s' files in a build's ``lexical/`` folder; ``counts``
# lines up with bm25s' ``indices`` (same term, same passage), ``lengths`` is per passage.
COUNTS_FILES = ("counts.npy", "lengths.npy")


@dataclass(frozen=True)
class TermCounts:
    """How often each term occurs in each passage: what BM25 scores are worked out from.

    A term-by-passage matrix in CSC form, as bm25s stores its scores: term ``i``
    (``terms[i]``) occurs in passages ``docs[indptr[i]:indptr[i + 1]]`` (ascending),
    ``counts`` times at the same places. ``lengths`` are the passages' token counts.
    Every term occurs somewhere."""

    terms: list[str]
    indptr: np.ndarray  # int64
    docs: np.ndarray  # int32
    counts: np.ndarray  # int32
    lengths: np.ndarray  # int64


def count_terms(texts: list[str]) -> TermCounts:
    """The term counts of ``texts`` (terms numbered in order of first appearance)."""
    tokens = tokenize(texts)
    ids: dict[str, int] = {}
    keys, counts = _counted(tokens, np.arange(len(texts), dtype=np.int64), ids)
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    return _from_keys(keys, counts, list(ids), lengths)


def recount(previous: TermCounts, moved: np.ndarray, texts: list[str]) -> TermCounts:
    """The term counts of ``texts`` from an earlier count: ``moved[n]`` is the position
    in ``texts`` of the earlier count's passage ``n`` (the same text), or -1 where it is
    gone (no two at the same position). Only the passages no earlier one moved to are
    tokenised.

    Equal, term by term, to :func:`count_terms` of ``texts``; terms keep their numbers
    (new ones come after), and terms no passage holds any more are dropped."""
    if len(moved) != len(previous.lengths):
        raise ValueError("one new position is needed for each counted passage")
    kept = moved[moved >= 0]
    fresh = np.setdiff1d(np.arange(len(texts), dtype=np.int64), kept, assume_unique=True)
    per_term = np.diff(previous.indptr)
    term = np.repeat(np.arange(len(previous.terms), dtype=np.int64), per_term)
    doc = moved[previous.docs]
    keep = doc >= 0
    keys = (term[keep] << 32) | doc[keep]
    counts = previous.counts[keep]
    if np.any(np.diff(kept) <= 0):  # kept passages in another order: sort their postings
        order = np.argsort(keys)
        keys, counts = keys[order], counts[order]
    ids = {t: n for n, t in enumerate(previous.terms)}
    tokens = tokenize([texts[int(n)] for n in fresh])
    new_keys, new_counts = _counted(tokens, fresh, ids)
    at = np.searchsorted(keys, new_keys)
    keys, counts = np.insert(keys, at, new_keys), np.insert(counts, at, new_counts)
    lengths = np.zeros(len(texts), dtype=np.int64)
    lengths[kept] = previous.lengths[moved >= 0]
    lengths[fresh] = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    return _from_keys(keys, counts, list(ids), lengths)


def _counted(
    tokens: list[list[str]], positions: np.ndarray, ids: dict[str, int]
) -> tuple[np.ndarray, np.ndarray]:
    """``(term id << 32 | passage position)`` for each distinct term of each passage,
    ascending, and how often it occurs there. ``ids`` gains the terms it lacked."""
    flat = [ids.setdefault(t, len(ids)) for found in tokens for t in found]
    sizes = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    term = np.asarray(flat, dtype=np.int64)
    keys, counts = np.unique((term << 32) | np.repeat(positions, sizes), return_counts=True)
    return keys, counts.astype(np.int32)


def _from_keys(
    keys: np.ndarray, counts: np.ndarray, terms: list[str], lengths: np.ndarray
) -> TermCounts:
    """:class:`TermCounts` from ascending ``term << 32 | passage`` keys; terms that no
    passage holds are dropped (and the others renumbered in the same order)."""
    term = keys >> 32
    per_term = np.bincount(term, minlength=len(terms))
    if len(terms) and not per_term.all():
        held = per_term > 0
        term = (np.cumsum(held) - 1)[term]
        terms = [t for t, h in zip(terms, held.tolist(), strict=True) if h]
        per_term = per_term[held]
    indptr = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(per_term, out=indptr[1:])
    docs = (keys & 0xFFFFFFFF).astype(np.int32)
    return TermCounts(terms, indptr, docs, counts.astype(np.int32), lengths.astype(np.int64))


# The type bm25s does its per-passage arithmetic in: a float64 NumPy scalar plus a float32
# array is float64 under NumPy 2's promotion rules, float32 under NumPy 1's.
_WORK = (np.float64(1.0) + np.zeros(1, dtype=np.float32)).dtype


def bm25_scores(counts: TermCounts) -> np.ndarray:
    """Each posting's BM25 score (float32), as bm25s' Lucene variant computes it, step
    by step: idf per term from Python floats, then per passage ``idf * tf / (k1 * (1 - b
    + b * length / average length) + tf)`` with the length term in float64."""
    size = len(counts.lengths)
    average = counts.lengths.mean()  # what bm25s takes: the mean of an int64 array
    held = np.diff(counts.indptr).tolist()
    idf = np.asarray([math.log(1 + (size - n + 0.5) / (n + 0.5)) for n in held], np.float32)
    term = np.repeat(np.arange(len(held), dtype=np.int64), np.diff(counts.indptr))
    tf = counts.counts.astype(np.float32).astype(_WORK)
    length = K1 * ((1 - B) + B * counts.lengths[counts.docs] / average)
    tfc = tf / (length.astype(_WORK) + tf)
    scores: np.ndarray = (idf[term].astype(_WORK) * tfc).astype(np.float32)
    return scores


def read_counts(folder: Path) -> TermCounts:
    """The term counts a build saved in its ``lexical/`` folder (ValueError if they do not
    fit together)."""
    vocab = json.loads((folder / "vocab.index.json").read_text(encoding="utf-8"))
    terms = sorted((n, t) for t, n in vocab.items() if t)
    indptr = np.load(folder / "indptr.csc.index.npy", allow_pickle=False)
    docs = np.load(folder / "indices.csc.index.npy", allow_pickle=False)
    counts = np.load(folder / "counts.npy", allow_pickle=False)
    lengths = np.load(folder / "lengths.npy", allow_pickle=False)
    if (
        [n for n, _t in terms] != list(range(len(terms)))
        or len(indptr) != len(terms) + 1
        or not len(docs) == len(counts) == int(indptr[-1])
        or (len(docs) and int(docs.max()) >= len(lengths))
    ):
        raise ValueError(f"the term counts in {folder} do not fit the lexical index")
    return TermCounts([t for _n, t in terms], indptr, docs, counts, lengths)


def tokens_version() -> str:
    """What stored term counts were tokenised with: :data:`TOKENS_VERSION` and the
    stemmer's version (counts from another are not reused)."""
    try:
        stemmer = importlib.metadata.version("PyStemmer")
    except importlib.metadata.PackageNotFoundError:
        stemmer = "unknown"
    return f"{TOKENS_VERSION}/PyStemmer {stemmer}"


def _bm25s_version() -> str:
    """The bm25s version recorded in the saved parameters, as bm25s records its own."""
    try:
        return importlib.metadata.version("bm25s")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class Corrector:
    """The closest indexed term to an unknown one, as ``difflib.get_close_matches`` finds it.

    difflib compares the word with every term of the vocabulary in Python. Its first two
    tests are bounds: lengths, then letters in common (``quick_ratio``). Here both are
    NumPy passes over a letter-count table of the vocabulary, so only the few terms that
    could reach the cutoff get the full comparison, and the answer is the same (the best
    score, then the greatest word, in whatever order the terms are compared). The terms
    are sorted by length, so the letters are counted only for the lengths that can reach
    the cutoff. The table is made in one NumPy pass (tens of milliseconds for the 200,000
    terms of a large corpus) when the index is loaded.
    """

    def __init__(self, vocabulary: Iterable[str]) -> None:
        words = sorted(w for w in vocabulary if w)
        words.sort(key=len)  # by length, then alphabetically (the sort is stable)
        self.words = words
        self.lengths = np.fromiter(map(len, words), dtype=np.int32, count=len(words))
        self.counts = _letter_counts(words, self.lengths)

    def correct(self, term: str) -> str | None:
        if not self.words:
            return None
        mine = _letter_counts([term], np.asarray([len(term)]))[0]
        # letters in common are at most the shorter length: words much shorter or longer
        # than the term cannot pass the letters test below, and they sort together
        size = len(term)
        reach = 2.0 * np.minimum(self.lengths, size) >= _TYPO_CUTOFF * (self.lengths + size) - 1e-9
        rows = np.flatnonzero(reach)
        if not len(rows):
            return None
        first, last = int(rows[0]), int(rows[-1]) + 1
        total = self.lengths[first:last] + size
        common = np.minimum(self.counts[first:last], mine).sum(axis=1, dtype=np.int32)
        # quick_ratio (letters in common) bounds difflib's ratio from above
        possible = first + np.flatnonzero(2.0 * common >= _TYPO_CUTOFF * total - 1e-9)
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


def is_english_word(word: str) -> bool:
    """Is ``word`` (lower case) in pyspellchecker's English word list? Such a word is never
    "corrected" to an indexed term it merely resembles: "earn" is not a typo of "learn",
    nor "weather" of "whether", though the evidence holds only the second of each. The
    list is read once per process (about 0.2 s), when the engine that serves questions
    loads (:func:`load_english_words`)."""
    return _english_words().contains(word)


class _SortedWords:
    """A sorted array of byte strings: membership by binary search, a few MB, not a set."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = np.array(sorted({w.encode() for w in words}), dtype=np.bytes_)

    def contains(self, word: str) -> bool:
        key = np.bytes_(word.encode())
        at = int(np.searchsorted(self.words, key))
        return at < len(self.words) and self.words[at] == key


def load_english_words() -> None:
    """Read the English word list now, so that no question waits for it."""
    _english_words()


@functools.cache
def _english_words() -> _SortedWords:
    from spellchecker import SpellChecker  # imported only where questions are read

    return _SortedWords(SpellChecker(language="en", distance=1).word_frequency.keys())


_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
# the column of each ASCII character in the letter-count table; every other character
# shares the last one
_COLUMN = np.full(128, len(_ALPHABET), dtype=np.int64)
_COLUMN[[ord(c) for c in _ALPHABET]] = np.arange(len(_ALPHABET))


def _letter_counts(words: list[str], lengths: np.ndarray) -> np.ndarray:
    """How often each column's characters occur in each word (at most 255), one row a
    word: ``lengths`` are the words' lengths."""
    width = len(_ALPHABET) + 1
    codes = np.frombuffer("".join(words).encode("utf-32-le", "surrogatepass"), np.uint32)
    columns = np.where(codes < 128, _COLUMN[np.minimum(codes, 127)], len(_ALPHABET))
    rows = np.repeat(np.arange(len(words), dtype=np.int64), lengths)
    counts = np.bincount(rows * width + columns, minlength=len(words) * width)
    table: np.ndarray = np.minimum(counts, 255).astype(np.uint8).reshape(len(words), width)
    return table
