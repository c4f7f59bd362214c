"""Extractive answers: sentences lifted from the retrieved passages, each with its [n].

Nothing is generated. Each answer sentence is a sentence of a cited passage, chosen by
cosine similarity to the question using sentence vectors computed at build time, so an
answer costs one model call (the question's).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from assistant.search.citations import Citation, citation_dict, make_citation
from assistant.search.engine import Engine
from assistant.search.index import EvidenceIndex
from assistant.search.retrieval import SearchResult

NO_EVIDENCE = (
    "The evidence behind this assistant does not cover that question, so there is no "
    "cited answer to give."
)
PASSAGES_CONSIDERED = 3
SCORE_WINDOW = 0.12
REDUNDANT = 0.85
RANK_WEIGHT = 0.04
_ANAPHORA = re.compile(
    r"(It|Its|This|These|That|Those|They|Their|Such|Both|He|She|His|Her|The same)\b"
)


@dataclass(frozen=True)
class AnswerSentence:
    text: str
    citation: int


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

    def to_dict(self) -> dict[str, Any]:
        data = {
            "question": self.question,
            "answer": self.answer,
            "sentences": [asdict(s) for s in self.sentences],
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


def compose(result: SearchResult, index: EvidenceIndex, max_sentences: int = 3) -> Answer:
    """The best 1..``max_sentences`` sentences of the top passages, with citations."""
    if result.abstained:
        return abstain(result, index.topics)
    chosen = _choose(result, index, max_sentences)
    order: list[int] = []
    for hit_rank, _start, _end in chosen:
        if hit_rank not in order:
            order.append(hit_rank)
    chosen.sort(key=lambda c: (order.index(c[0]), c[1]))
    citations = []
    for n, hit_rank in enumerate(order, start=1):
        spans = tuple((a, b) for r, a, b in chosen if r == hit_rank)
        citations.append(make_citation(n, result.hits[hit_rank], index, spans))
    sentences = tuple(
        AnswerSentence(result.hits[r].passage.text[a:b], order.index(r) + 1) for r, a, b in chosen
    )
    return Answer(
        question=result.query,
        answer=" ".join(f"{s.text} [{s.citation}]" for s in sentences),
        sentences=sentences,
        citations=tuple(citations),
        abstained=False,
        confidence=result.confidence,
    )


def _choose(
    result: SearchResult, index: EvidenceIndex, max_sentences: int
) -> list[tuple[int, int, int]]:
    """(hit rank, start, end) of the chosen sentences, best first."""
    candidates: list[tuple[float, int, int]] = []
    for rank, hit in enumerate(result.hits[:PASSAGES_CONSIDERED]):
        for n in index.sentences_of.get(hit.position, []):
            score = float(index.sentence_vectors[n] @ result.query_vector) - RANK_WEIGHT * rank
            candidates.append((score, rank, n))
    candidates.sort(key=lambda c: -c[0])
    picked: list[tuple[int, int]] = []
    for score, rank, n in candidates:
        if len(picked) >= max_sentences or score < candidates[0][0] - SCORE_WINDOW:
            break
        vector = index.sentence_vectors[n]
        if any(float(vector @ index.sentence_vectors[m]) >= REDUNDANT for _, m in picked):
            continue
        group = [(rank, m) for m in _with_antecedent(index, n) if (rank, m) not in picked]
        if len(picked) + len(group) <= max(max_sentences, len(group)):
            picked.extend(group)
    return [(rank, index.sentences[n].start, index.sentences[n].end) for rank, n in picked]


def _with_antecedent(index: EvidenceIndex, n: int) -> list[int]:
    """Sentence ``n``, after the sentence before it when ``n`` opens with "It", "This",
    "They" and the like, so a quoted sentence never leaves its subject behind."""
    ref = index.sentences[n]
    text = index.passages[ref.passage].text[ref.start : ref.end]
    first = index.sentences_of[ref.passage][0]
    return [n - 1, n] if n > first and _ANAPHORA.match(text) else [n]


def extract(engine: Engine, question: str, query_vector: np.ndarray | None = None) -> Answer:
    """The extractive answer; pass ``query_vector`` when the caller already has it."""
    result = engine.search(question, query_vector=query_vector)
    return compose(result, engine.index, engine.settings.max_answer_sentences)
