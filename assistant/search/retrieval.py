"""Hybrid retrieval: dense (FAISS) and BM25 ranks fused with reciprocal rank fusion.

Below the abstain threshold the result says so, and callers show no citations.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Literal, overload

import numpy as np

from assistant.evidence.corpus import Passage
from assistant.search.embedding import Embedder
from assistant.search.index import EvidenceIndex
from assistant.search.lexical import tokenize

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")
CANDIDATES = 50
NEAR_DUPLICATE = 0.95
# Longer candidate lists are checked for near-duplicates with the stored nearest passages
LISTED_DUPLICATES_ABOVE = 512
# Hybrid confidence blends the best dense cosine with how much of the query's idf weight
# the best of the top hits contains. Short acronyms ("COM-B") have low cosines but full
# lexical coverage; off-topic questions about babies ("Calpol dose") have fair cosines
# but leave their key terms unmatched. Chosen with `pair-assistant eval`.
DENSE_WEIGHT = 0.7
COVERAGE_HITS = 3
BOOST_RANK = 3
# Commissioners ask as "we" ("how can we reach..."); the evidence rarely speaks so, which
# makes these rare, heavily weighted terms that no passage covers. "I", "my", "you" still
# count: they mark a personal request ("can you book me a train", "my 4 month old").
COMMISSIONER_VOICE = frozenset(("we", "us", "our"))
# Nor do the words that make a question a question ("how do we evaluate value for money?"
# is covered by a passage on evaluating value for money): rare in the evidence's prose,
# they would weigh most of all. Stems, as the index holds them.
QUESTION_WORDS = frozenset(
    tokenize(
        [
            "how what which who whom whose when where why do does did done can could "
            "should would shall may might must have has had"
        ]
    )[0]
)
_NOT_TOPIC = COMMISSIONER_VOICE | QUESTION_WORDS


@dataclass(frozen=True)
class Hit:
    passage: Passage
    position: int
    score: float
    dense: float
    lexical: float


class Hits(Sequence[Hit]):
    """Ranked hits, each made when first read: a quoted phrase that thousands of passages
    hold ranks every one of them (for the count and the facets), and a page shows ten."""

    def __init__(
        self,
        passages: Sequence[Passage],
        positions: np.ndarray,
        scores: np.ndarray,
        dense: np.ndarray,
        lexical: np.ndarray,
    ) -> None:
        self.passages = passages
        self.positions = positions
        self._scores = scores
        self._dense = dense
        self._lexical = lexical
        self._made: dict[int, Hit] = {}

    def __len__(self) -> int:
        return len(self.positions)

    @overload
    def __getitem__(self, n: int) -> Hit: ...

    @overload
    def __getitem__(self, n: slice) -> list[Hit]: ...

    def __getitem__(self, n: int | slice) -> Hit | list[Hit]:
        if isinstance(n, slice):
            return [self[i] for i in range(*n.indices(len(self)))]
        n = operator.index(n) + (len(self) if n < 0 else 0)
        if not 0 <= n < len(self):
            raise IndexError("hit number out of range")
        hit = self._made.get(n)
        if hit is None:
            position = int(self.positions[n])
            hit = self._made[n] = Hit(
                passage=self.passages[position],
                position=position,
                score=round(float(self._scores[n]), 6),
                dense=round(float(self._dense[n]), 4),
                lexical=round(float(self._lexical[n]), 4),
            )
        return hit

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: Sequence[Hit]
    confidence: float
    abstained: bool
    query_vector: np.ndarray = field(repr=False, compare=False)


@dataclass(frozen=True)
class RetrievalSettings:
    rrf_k: int = 60
    abstain_threshold: float = 0.45


class Retriever:
    def __init__(
        self, index: EvidenceIndex, embedder: Embedder, settings: RetrievalSettings
    ) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings

    def embed(self, query: str) -> np.ndarray:
        vector: np.ndarray = self.embedder.encode([query])[0]
        return vector

    def search(
        self,
        query: str,
        k: int = 5,
        mode: Mode = "hybrid",
        where: Callable[[Passage], bool] | None = None,
        query_vector: np.ndarray | None = None,
        boost: Collection[int] = (),
        within: np.ndarray | None = None,
    ) -> SearchResult:
        """Top ``k`` passages for ``query``; ``where`` keeps only matching passages, and
        ``within`` (passage positions) ranks only those, without a pass over the rest.

        ``boost`` (passage positions, e.g. those an earlier answer in the conversation
        cited) adds a bounded bonus to the fused score: as much as one extra ranking
        placing the passage third, enough to break near-ties, never to pull in a passage
        neither ranking found."""
        vector = self.embed(query) if query_vector is None else query_vector
        if within is not None:
            if where is not None:
                keep = self.index.passages
                within = np.asarray([p for p in within.tolist() if where(keep[p])], np.int64)
            return self._search_within(query, k, mode, vector, boost, within)
        pool = len(self.index.passages) if where else CANDIDATES
        dense = self.index.dense(vector, pool) if mode != "lexical" else []
        lexical = self.index.lexical.search(query, pool) if mode != "dense" else []
        if where is not None:
            keep = self.index.passages
            dense = [(i, s) for i, s in dense if where(keep[i])]
            lexical = [(i, s) for i, s in lexical if where(keep[i])]
        fused = _rrf([dense, lexical], self.settings.rrf_k)
        if boost:
            bonus = 1.0 / (self.settings.rrf_k + BOOST_RANK)
            fused = sorted(
                ((p, s + bonus if p in boost else s) for p, s in fused),
                key=lambda item: (-item[1], item[0]),
            )
        hits = tuple(self._hits(fused, dict(lexical), vector, k)) if fused else ()
        cosine = dense[0][1] if dense else None
        confidence = self._confidence(mode, cosine, self._coverage(query, hits, mode))
        abstained = confidence < self.settings.abstain_threshold or not hits
        return SearchResult(query, hits, confidence, abstained, vector)

    def _search_within(
        self,
        query: str,
        k: int,
        mode: Mode,
        vector: np.ndarray,
        boost: Collection[int],
        within: np.ndarray,
    ) -> SearchResult:
        """:meth:`search` among ``within`` (passage positions), in arrays from end to end:
        a phrase many passages hold makes thousands of candidates."""
        nothing = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        index = self.index
        dense = index.dense_within(vector, within) if mode != "lexical" else nothing
        lexical = index.lexical.rank_within(query, within) if mode != "dense" else nothing
        positions, scores = _rrf_arrays([dense[0], lexical[0]], self.settings.rrf_k)
        if boost and len(positions):
            bonus = 1.0 / (self.settings.rrf_k + BOOST_RANK)
            scores = scores + np.where(np.isin(positions, list(boost)), bonus, 0.0)
            order = np.lexsort((positions, -scores))
            positions, scores = positions[order], scores[order]
        hits = self._ranked(positions, scores, lexical, vector, k)
        cosine = float(dense[1][0]) if len(dense[0]) else None
        confidence = self._confidence(mode, cosine, self._coverage(query, hits, mode))
        abstained = confidence < self.settings.abstain_threshold or not hits
        return SearchResult(query, hits, confidence, abstained, vector)

    def _hits(
        self,
        fused: list[tuple[int, float]],
        lexical: dict[int, float],
        vector: np.ndarray,
        k: int,
    ) -> Hits:
        positions = np.fromiter((p for p, _ in fused), dtype=np.int64, count=len(fused))
        scores = np.fromiter((s for _, s in fused), dtype=np.float64, count=len(fused))
        found = np.fromiter(lexical, dtype=np.int64, count=len(lexical))
        values = np.fromiter(lexical.values(), dtype=np.float64, count=len(lexical))
        return self._ranked(positions, scores, (found, values), vector, k)

    def _ranked(
        self,
        positions: np.ndarray,
        scores: np.ndarray,
        lexical: tuple[np.ndarray, np.ndarray],
        vector: np.ndarray,
        k: int,
    ) -> Hits:
        """The best ``k`` of the fused ranking with no near-duplicate of a better one."""
        cut = max(k * 2, k + 10)
        positions, scores = positions[:cut], scores[:cut]
        block = self.index.vectors[positions]
        cosines = block @ vector
        kept = None
        if len(positions) > LISTED_DUPLICATES_ABOVE:
            kept = _distinct_by_lists(self.index, positions, k)
        if kept is None:
            kept = _distinct(block, k)
        rows = np.asarray(kept, dtype=np.int64)
        chosen = positions[rows]
        return Hits(
            self.index.passages,
            chosen,
            scores[rows],
            cosines[rows],
            _scores_of(chosen, *lexical, len(self.index.passages)),
        )

    def _coverage(self, query: str, hits: Sequence[Hit], mode: Mode) -> float:
        """Best idf-weighted share of the query's terms found in one of the top hits."""
        if mode == "dense" or not hits:
            return 0.0
        # Figures ("under £300", "39 degrees") say little about whether the evidence
        # covers a question, and match incidental numbers in many passages; nor do the
        # words of the commissioner's voice or of asking.
        terms = [
            t
            for t in self.index.lexical.query_terms(query)
            if not t.is_number() and not set(t.alternatives[0]) <= _NOT_TOPIC
        ]
        top = hits[:COVERAGE_HITS]
        return max(self.index.lexical.coverage(terms, h.position) for h in top)

    @staticmethod
    def _confidence(mode: Mode, best: float | None, coverage: float) -> float:
        """0..1: how sure we are the corpus speaks to the question at all.

        Each mode uses only its own evidence: dense the best cosine (``best``, None when
        dense search found nothing), lexical the term coverage, hybrid a weighted blend.
        """
        cosine = max(0.0, best) if best is not None else 0.0
        if mode == "dense":
            return round(cosine, 4)
        if mode == "lexical":
            return round(coverage, 4)
        return round(DENSE_WEIGHT * cosine + (1 - DENSE_WEIGHT) * coverage, 4)


def _distinct(block: np.ndarray, k: int) -> list[int]:
    """The first ``k`` rows of ``block`` that are no near-duplicate of an earlier kept row."""
    similar = block @ block.T  # one product for every near-duplicate check
    kept: list[int] = []
    for i in range(len(block)):
        if kept and float(similar[i, kept].max()) > NEAR_DUPLICATE:
            continue
        kept.append(i)
        if len(kept) == k:
            break
    return kept


def _distinct_by_lists(index: EvidenceIndex, positions: np.ndarray, k: int) -> list[int] | None:
    """:func:`_distinct` from the build's nearest-passage lists, for long candidate lists
    (a phrase held by thousands of passages), where comparing every candidate with every
    other costs seconds. A passage's near-duplicates are all in its list when the last
    one listed is no near-duplicate; otherwise (or without lists) None. Exact where the
    lists are (exact search); above ``PAIR_HNSW_ABOVE`` as approximate as the search."""
    if index.related is None:
        return None
    near, short = _near_lists(index, index.related).of(positions)
    if short.any():
        return None  # some list may stop short of a passage's near-duplicates
    lists = index.related[positions]
    keep = np.ones(len(positions), dtype=bool)
    rows = np.flatnonzero(near.any(axis=1))
    if len(rows):
        # a row goes when a near-duplicate of it was kept higher up; rows without one
        # stay whatever came before (no per-row Python work for them)
        row_of = np.full(len(index.vectors), len(positions), dtype=np.int64)
        row_of[positions] = np.arange(len(positions))
        for i in rows.tolist():
            above = row_of[lists[i][near[i]]]
            if keep[above[above < i]].any():
                keep[i] = False
    kept: list[int] = np.flatnonzero(keep)[:k].tolist()
    return kept


def _near_lists(index: EvidenceIndex, related: np.ndarray) -> NearLists:
    """The index's :class:`NearLists`, kept with it (a bare stand-in gets a new one)."""
    if not isinstance(index, EvidenceIndex):
        return NearLists(index.vectors, related)
    return index.derived(NearLists, lambda: NearLists(index.vectors, related))


class NearLists:
    """Which entries of each passage's stored nearest-passage list are near-duplicates of
    it, and whether the list may stop short of them: worked out for a passage the first
    time a long search ranks it, then kept (the same passages come back search after
    search, and comparing a list costs eight vector reads)."""

    def __init__(self, vectors: np.ndarray, related: np.ndarray) -> None:
        self.vectors = vectors
        self.related = related
        self.known = np.zeros(len(related), dtype=bool)
        self.near = np.zeros(related.shape, dtype=bool)
        self.short = np.zeros(len(related), dtype=bool)

    def of(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(near-duplicate entries, list may stop short) for each of ``positions``."""
        todo = positions[~self.known[positions]]
        if len(todo):
            lists = self.related[todo]
            scores = np.einsum("nd,nwd->nw", self.vectors[todo], self.vectors[lists])
            self.short[todo] = scores[:, -1] > NEAR_DUPLICATE
            self.near[todo] = (scores > NEAR_DUPLICATE) & (lists != todo[:, None])
            self.known[todo] = True  # after the values: a reader seeing it sees them
        return self.near[positions], self.short[positions]


def _scores_of(
    positions: np.ndarray, found: np.ndarray, scores: np.ndarray, size: int
) -> np.ndarray:
    """The score of each of ``positions`` among (``found``, ``scores``); 0 where absent."""
    table = np.zeros(size, dtype=np.float64)
    table[found] = scores
    taken: np.ndarray = table[positions]
    return taken


def _rrf_arrays(rankings: list[np.ndarray], k: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_rrf` for rankings given as arrays of positions: the fused positions, best
    first (ties in corpus order), and their scores, added in the same order."""
    size = max((int(r.max()) + 1 for r in rankings if len(r)), default=0)
    fused = np.zeros(size, dtype=np.float64)
    seen = np.zeros(size, dtype=bool)
    for ranking in rankings:
        fused[ranking] += 1.0 / (k + np.arange(1, len(ranking) + 1))
        seen[ranking] = True
    positions = np.flatnonzero(seen)
    scores = fused[positions]
    order = np.lexsort((positions, -scores))
    return positions[order], scores[order]


def _rrf(rankings: list[list[tuple[int, float]]], k: int) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over the rankings a passage is in."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (position, _score) in enumerate(ranking, start=1):
            fused[position] = fused.get(position, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
