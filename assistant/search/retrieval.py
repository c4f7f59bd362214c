"""Hybrid retrieval: dense (FAISS) and BM25 ranks fused with reciprocal rank fusion.

Below the abstain threshold the result says so, and callers show no citations.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from assistant.evidence.corpus import Passage
from assistant.search.embedding import Embedder
from assistant.search.index import EvidenceIndex

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


@dataclass(frozen=True)
class Hit:
    passage: Passage
    position: int
    score: float
    dense: float
    lexical: float


@dataclass(frozen=True)
class SearchResult:
    query: str
    hits: tuple[Hit, ...]
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
            dense = self.index.dense_within(vector, within) if mode != "lexical" else []
            lexical = self.index.lexical.search_within(query, within) if mode != "dense" else []
        else:
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
        hits = self._hits(fused, dict(lexical), vector, k) if fused else []
        confidence = self._confidence(mode, dense, self._coverage(query, hits, mode))
        abstained = confidence < self.settings.abstain_threshold or not hits
        return SearchResult(query, tuple(hits), confidence, abstained, vector)

    def _hits(
        self,
        fused: list[tuple[int, float]],
        lexical: dict[int, float],
        vector: np.ndarray,
        k: int,
    ) -> list[Hit]:
        candidates = fused[: max(k * 2, k + 10)]
        positions = np.fromiter((p for p, _ in candidates), dtype=np.int64)
        block = self.index.vectors[positions]
        cosines = block @ vector
        kept = None
        if len(candidates) > LISTED_DUPLICATES_ABOVE:
            kept = _distinct_by_lists(self.index, positions, k)
        if kept is None:
            kept = _distinct(block, k)
        return [self._hit(candidates[i], float(cosines[i]), lexical) for i in kept]

    def _hit(self, candidate: tuple[int, float], cosine: float, lexical: dict[int, float]) -> Hit:
        position, score = candidate
        return Hit(
            passage=self.index.passages[position],
            position=position,
            score=round(score, 6),
            dense=round(cosine, 4),
            lexical=round(lexical.get(position, 0.0), 4),
        )

    def _coverage(self, query: str, hits: list[Hit], mode: Mode) -> float:
        """Best idf-weighted share of the query's terms found in one of the top hits."""
        if mode == "dense" or not hits:
            return 0.0
        # Figures ("under £300", "39 degrees") say little about whether the evidence
        # covers a question, and match incidental numbers in many passages.
        terms = [t for t in self.index.lexical.query_terms(query) if not t.is_number()]
        top = hits[:COVERAGE_HITS]
        return max(self.index.lexical.coverage(terms, h.position) for h in top)

    @staticmethod
    def _confidence(mode: Mode, dense: list[tuple[int, float]], coverage: float) -> float:
        """0..1: how sure we are the corpus speaks to the question at all.

        Each mode uses only its own evidence: dense the best cosine, lexical the term
        coverage, hybrid a weighted blend of both.
        """
        cosine = max(0.0, dense[0][1]) if dense else 0.0
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
    lists = index.related[positions]
    scores = np.einsum("nd,nwd->nw", index.vectors[positions], index.vectors[lists])
    if (scores[:, -1] > NEAR_DUPLICATE).any():
        return None  # some list may stop short of a passage's near-duplicates
    near = (scores > NEAR_DUPLICATE) & (lists != positions[:, None])
    kept: list[int] = []
    taken: set[int] = set()
    for i, position in enumerate(positions.tolist()):
        if near[i].any() and not taken.isdisjoint(lists[i][near[i]].tolist()):
            continue
        kept.append(i)
        taken.add(position)
        if len(kept) == k:
            break
    return kept


def _rrf(rankings: list[list[tuple[int, float]]], k: int) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: sum of 1 / (k + rank) over the rankings a passage is in."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for rank, (position, _score) in enumerate(ranking, start=1):
            fused[position] = fused.get(position, 0.0) + 1.0 / (k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))
