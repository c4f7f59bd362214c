"""Extractive answers: sentences lifted from the retrieved passages, each with its [n].

Nothing is generated. Each answer sentence is a sentence of a cited passage, chosen for
the question (see :mod:`assistant.answer.extract`) using sentence vectors computed at
build time, so an answer costs one model call (the question's; a follow-up's sentences
are also judged against the question alone, a second call).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from assistant.answer.extract import choose
from assistant.search.citations import Citation, citation_dict, make_citation
from assistant.search.engine import Engine
from assistant.search.index import EvidenceIndex
from assistant.search.retrieval import SearchResult

NO_EVIDENCE = (
    "The evidence behind this assistant does not cover that question, so there is no "
    "cited answer to give."
)


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of an answer; ``citation`` is its first [n], ``citations`` all of them."""

    text: str
    citation: int
    citations: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if not self.citations:
            object.__setattr__(self, "citations", (self.citation,))


@dataclass(frozen=True)
class Answer:
    question: str
    answer: str
    sentences: tuple[AnswerSentence, ...]
    citations: tuple[Citation, ...]
    abstained: bool
    confidence: float
    suggestions: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """What the reader got: "card", "extract", "refused" or "signposted"."""
        if self.extra.get("signpost"):
            return "signposted"
        if self.abstained:
            return "refused"
        return str(self.extra.get("kind", "extract"))

    def to_dict(self) -> dict[str, Any]:
        data = {
            "question": self.question,
            "answer": self.answer,
            "sentences": [
                {"text": s.text, "citation": s.citation, "citations": s.citations}
                for s in self.sentences
            ],
            "citations": [citation_dict(c) for c in self.citations],
            "abstained": self.abstained,
            "confidence": self.confidence,
            "suggestions": list(self.suggestions),
        }
        data.update(self.extra)
        return data


def abstain(result: SearchResult, topics: dict[str, str]) -> Answer:
    return Answer(
        question=result.query,
        answer=NO_EVIDENCE,
        sentences=(),
        citations=(),
        abstained=True,
        confidence=result.confidence,
        suggestions=tuple(topics.values()),
    )


def compose(
    result: SearchResult,
    index: EvidenceIndex,
    max_sentences: int = 3,
    question: str | None = None,
    shown: str = "",
    focus: np.ndarray | None = None,
) -> Answer:
    """The sentences of the top passages that best answer the question, with citations.

    ``result.query`` is what was searched (a follow-up is searched with its earlier
    question's terms); ``question`` is what the user typed, which the answer echoes;
    ``shown`` what the earlier answers a follow-up leans on already quoted.
    """
    if result.abstained:
        return replace(abstain(result, index.topics), question=question or result.query)
    terms = [t for term in index.lexical.query_terms(result.query) for t in term.stems()]
    chosen = choose(result, index, terms, max_sentences, question, shown, focus)
    order = list(dict.fromkeys(c.rank for c in chosen))
    refs = sorted(
        ((c.rank, index.sentences[c.sentence]) for c in chosen),
        key=lambda r: (order.index(r[0]), r[1].start),
    )
    citations = [
        make_citation(
            n, result.hits[rank], index, tuple((r.start, r.end) for k, r in refs if k == rank)
        )
        for n, rank in enumerate(order, start=1)
    ]
    sentences = tuple(
        AnswerSentence(result.hits[k].passage.text[r.start : r.end], order.index(k) + 1)
        for k, r in refs
    )
    return Answer(
        question=question or result.query,
        answer=" ".join(f"{s.text} [{s.citation}]" for s in sentences),
        sentences=sentences,
        citations=tuple(citations),
        abstained=False,
        confidence=result.confidence,
        extra={"kind": "extract"},
    )


def extract(engine: Engine, question: str, query_vector: np.ndarray | None = None) -> Answer:
    """The extractive answer; pass ``query_vector`` when the caller already has it."""
    result = engine.search(question, query_vector=query_vector)
    return compose(result, engine.index, engine.settings.max_answer_sentences)
