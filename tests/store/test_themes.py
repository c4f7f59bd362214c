"""Themes: questions about the same thing group together, by real embeddings."""

from __future__ import annotations

import numpy as np

from assistant.search.embedding import SentenceTransformerEmbedder
from assistant.store.themes import group, themes

QUESTIONS = [
    "What about support for fathers?",
    "What is the cost of a PAIR team in Wales?",
    "How do we support fathers in perinatal services?",
    "How much does a parent-infant team cost in Scotland?",
    "Is there evidence on dads and infant mental health?",
    "What is the best recipe for lemon drizzle cake?",
]


def test_similar_questions_share_a_theme(embedder: SentenceTransformerEmbedder) -> None:
    vectors = np.asarray(embedder.encode(QUESTIONS), dtype=np.float32)
    found = themes(QUESTIONS, QUESTIONS, vectors)
    as_sets = [set(t.items) for t in found]
    assert as_sets == [
        {QUESTIONS[0], QUESTIONS[2], QUESTIONS[4]},
        {QUESTIONS[1], QUESTIONS[3]},
        {QUESTIONS[5]},
    ]
    assert found[0].title in as_sets[0]


def test_no_questions_no_themes() -> None:
    assert group([], np.zeros((0, 3), dtype=np.float32)) == []
