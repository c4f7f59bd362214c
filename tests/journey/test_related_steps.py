"""Related journey steps on the real index: the per-term shortcuts give the same floats as
the plain definitions they replace."""

from __future__ import annotations

import numpy as np

from assistant.journey.evidence import DENSE_SHARE, _unit
from assistant.journey.guide import load_guide
from assistant.search.engine import Engine
from assistant.tools.bench import QUESTIONS


def test_step_coverage_is_each_steps_share_of_the_question_weight(engine: Engine) -> None:
    matcher = load_guide(engine.settings.corpus_dir, engine).matcher
    lexical = engine.index.lexical
    for question in (*QUESTIONS, "PIR-GAS PIR-GAS scoring", "", "zzzz qqqq"):
        weights = {t: lexical.idf(t) for t in lexical.terms(question)}
        total = sum(weights.values()) or 1.0
        expected = [
            sum(w for t, w in weights.items() if t in words) / total for words in matcher._words
        ]
        found = matcher._coverage(question)
        assert found.tolist() == expected  # exactly: the same additions in the same order
        if weights and question.startswith("PIR-GAS"):
            assert max(expected) > 0


def test_related_steps_rank_by_score_above_the_floor(engine: Engine) -> None:
    matcher = load_guide(engine.settings.corpus_dir, engine).matcher
    for question in QUESTIONS[:10]:
        vector = engine.embed(question)
        scores = matcher._vectors @ _unit(vector.reshape(1, -1))[0]
        scores = DENSE_SHARE * scores + (1 - DENSE_SHARE) * matcher._coverage(question)
        expected = [matcher.ids[i] for i in np.argsort(-scores) if scores[i] >= 0.25][:3]
        assert matcher.related(vector, 3, question=question) == expected
