"""The evidence beside each journey step, the need estimate, and the brief to export.

Pure domain: it takes the loaded engine (anything with `search`, `passage`, `embed` and an
`index`) and the journey, and returns citations in the same shape as `/api/ask`. Results
depend only on the index, so they are cached per process by node id.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from assistant.evidence.corpus import Passage
from assistant.journey.estimator import Estimate, Rates
from assistant.journey.tree import Journey, Node
from assistant.search.citations import Citation, citation_dict, make_citation
from assistant.search.index import EvidenceIndex
from assistant.search.lexical import tokenize
from assistant.search.retrieval import Hit, SearchResult

HITS_PER_QUERY = 2
MAX_CITATIONS = 6
MAX_TRAIL = 60
DENSE_SHARE = 0.6  # weight of the cosine against term coverage in NodeMatcher


class _Encoder(Protocol):
    def encode(self, texts: list[str]) -> NDArray[np.float32]: ...


class _Engine(Protocol):
    index: EvidenceIndex

    @property
    def embedder(self) -> _Encoder: ...

    def search(self, query: str, k: int | None = None) -> SearchResult: ...
    def passage(self, passage_id: str) -> Passage | None: ...
    def embed(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True)
class Visit:
    """A step in the user's trail with the evidence and ticks that go into the brief."""

    node: Node
    citations: tuple[Citation, ...]
    ticked: tuple[str, ...]


class NodeEvidence:
    """Citations for each node (pinned passages first, then query hits), cached."""

    def __init__(self, engine: _Engine) -> None:
        self.engine = engine
        self._cache: dict[str, tuple[Citation, ...]] = {}
        self._lock = threading.Lock()

    def citations(self, node: Node) -> tuple[Citation, ...]:
        with self._lock:
            cached = self._cache.get(node.id)
        if cached is None:
            cached = self._collect(node)
            with self._lock:
                self._cache[node.id] = cached
        return cached

    def _collect(self, node: Node) -> tuple[Citation, ...]:
        pinned = (_pinned(self.engine.index, pid) for pid in node.pinned)
        hits: dict[str, Hit] = {h.passage.id: h for h in pinned if h is not None}
        for query in node.queries:
            result = self.engine.search(query, HITS_PER_QUERY)
            if not result.abstained:
                for hit in result.hits:
                    hits.setdefault(hit.passage.id, hit)
        chosen = list(hits.values())[:MAX_CITATIONS]
        return tuple(make_citation(n, h, self.engine.index) for n, h in enumerate(chosen, 1))


def _pinned(index: EvidenceIndex, passage_id: str) -> Hit | None:
    """A named passage as a hit, or None when the index does not hold it."""
    position = index.by_id.get(passage_id)
    return None if position is None else Hit(index.passages[position], position, 1.0, 0, 0)


def rate_citation(engine: _Engine, passage_id: str, n: int) -> Citation | None:
    """The citation for an estimator rate's passage, numbered `n`."""
    hit = _pinned(engine.index, passage_id)
    return None if hit is None else make_citation(n, hit, engine.index)


def estimate_dict(estimate: Estimate, rates: Rates, engine: _Engine) -> dict[str, Any]:
    """The estimate as JSON: figures grouped by level, each citing its rate's passage."""
    numbers = {pid: n for n, pid in enumerate(dict.fromkeys(r.passage for r in rates.rates), 1)}
    citations = [rate_citation(engine, pid, n) for pid, n in numbers.items()]
    figures = [
        {
            "rate_id": f.rate.id,
            "label": f.rate.label,
            "level": f.rate.level,
            "population": f.rate.population,
            "low": f.low,
            "high": f.high,
            "arithmetic": f.arithmetic,
            "note": f.rate.note,
            "citation": numbers[f.rate.passage],
        }
        for f in estimate.figures
    ]
    levels = [{"id": lv.id, "label": lv.label} for lv in rates.levels]
    cited = [citation_dict(c) for c in citations if c is not None]
    return {"births": estimate.births, "levels": levels, "figures": figures, "citations": cited}


def parse_trail(raw: str | None, journey: Journey) -> tuple[str, ...]:
    """Visited node ids from a comma-separated URL value; unknown ids are dropped."""
    ids = [i for i in (raw or "").split(",") if i in journey.nodes]
    return tuple(ids[-MAX_TRAIL:])


def extend_trail(trail: Sequence[str], node_id: str) -> tuple[str, ...]:
    """The trail after visiting `node_id` (a repeat visit moves it to the end)."""
    return (*[i for i in trail if i != node_id], node_id)[-MAX_TRAIL:]


def parse_ticks(values: Iterable[str], journey: Journey) -> frozenset[str]:
    """Checklist ticks given as `node-id.index`; anything else is ignored."""
    ticks = set()
    for value in values:
        node_id, _, index = value.partition(".")
        node = journey.nodes.get(node_id)
        if (
            node is not None
            and index.isascii()
            and index.isdigit()
            and int(index) < len(node.checklist)
        ):
            ticks.add(value)
    return frozenset(ticks)


def visits(
    journey: Journey, evidence: NodeEvidence, trail: Sequence[str], ticks: frozenset[str]
) -> tuple[Visit, ...]:
    """Each visited step with its citations and ticked checklist items, in visit order."""
    return tuple(
        Visit(
            node=node,
            citations=evidence.citations(node),
            ticked=tuple(c for i, c in enumerate(node.checklist) if f"{node.id}.{i}" in ticks),
        )
        for node in (journey.node(i) for i in dict.fromkeys(trail))
    )


class NodeMatcher:
    """The journey steps closest to a question.

    A blend, like retrieval's confidence: the cosine between the question and the step
    (title and guidance, embedded by the same model) and the share of the question's
    idf-weighted terms that the step's words (evidence queries included) contain, so a
    specific term ("PIR-GAS", "Section 75") finds its step even when generic words
    dominate the embedding.
    """

    def __init__(self, engine: _Engine, journey: Journey) -> None:
        self.engine = engine
        self.ids = [i for i in journey.nodes if i != "start"]
        nodes = [journey.node(i) for i in self.ids]
        # The model sees title and guidance; the words also count the evidence queries,
        # which name the step's specific terms.
        self._vectors = _unit(_step_vectors(engine, [_summary(n) for n in nodes]))
        self._words = [set(words) for words in tokenize([_node_text(n) for n in nodes])]
        # term -> the steps whose words hold it, in step order: a question's coverage
        # adds up its few terms' weights instead of testing every term against every step
        holders: dict[str, list[int]] = {}
        for number, words in enumerate(self._words):
            for word in words:
                holders.setdefault(word, []).append(number)
        self._holders = {word: tuple(steps) for word, steps in holders.items()}

    def related(
        self,
        query_vector: np.ndarray,
        n: int = 3,
        floor: float = 0.25,
        skip: Iterable[str] = (),
        question: str = "",
    ) -> list[str]:
        """Up to `n` step ids scoring at least `floor`, best first, leaving out `skip`."""
        scores = self._vectors @ _unit(query_vector.reshape(1, -1))[0]
        if question:
            scores = DENSE_SHARE * scores + (1 - DENSE_SHARE) * self._coverage(question)
        order = np.argsort(-scores)
        ranked = [self.ids[i] for i in order[scores[order] >= floor].tolist()]
        left_out = set(skip)
        return [i for i in ranked if i not in left_out][:n]

    def _coverage(self, question: str) -> np.ndarray:
        """Each step's share of the question's idf weight that its words hold.

        Each step's weights are added in the question's term order, starting from 0, as a
        ``sum`` over its terms would: the same floats, to the last bit."""
        lexical = self.engine.index.lexical
        weights = {t: lexical.idf(t) for t in lexical.terms(question)}
        total = sum(weights.values()) or 1.0
        held: list[float] = [0] * len(self._words)
        for term, weight in weights.items():
            for number in self._holders.get(term, ()):
                held[number] += weight
        return np.array([h / total for h in held])


def step_texts(journey: Journey) -> list[str]:
    """What the matcher embeds for each step: stored with the index build, so a server
    starts without running the model."""
    return [_summary(journey.node(i)) for i in journey.nodes if i != "start"]


def _step_vectors(engine: _Engine, texts: list[str]) -> np.ndarray:
    """The build's stored vectors; only steps edited since the build are embedded now."""
    stored = [engine.index.stored_vector(t) for t in texts]
    missing = [t for t, v in zip(texts, stored, strict=True) if v is None]
    fresh = iter(engine.embedder.encode(missing)) if missing else iter(())
    return np.vstack([next(fresh) if v is None else v for v in stored]).astype(np.float32)


def _summary(node: Node) -> str:
    return f"{node.title}. {node.text}"


def _node_text(node: Node) -> str:
    return f"{_summary(node)} {' '.join(node.queries)}"


def _unit(matrix: np.ndarray) -> np.ndarray:
    # what np.linalg.norm(matrix, axis=1, keepdims=True) computes for real rows, the
    # same floats without its checks and conversions (a question's vector each reply)
    norms = np.sqrt(np.add.reduce(matrix * matrix, axis=1, keepdims=True))
    return matrix / np.where(norms == 0, 1, norms)
