"""The answer-level eval judges the answer text, never the cited passages."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer.compose import Answer, AnswerSentence
from assistant.errors import ValidationError
from assistant.tools.answer_eval import Case, judge, load_sets, metrics


def reply(text: str, abstained: bool = False, **extra: object) -> Answer:
    sentences = () if abstained else (AnswerSentence(text, 1),)
    return Answer("q", text, sentences, (), abstained, 0.5, extra=dict(extra))


def test_every_pattern_must_match_the_answer_text() -> None:
    case = Case("How many teams in England?", ("fewer than 40|under 40", "England"))
    assert judge(case, reply("Fewer than 40 teams exist in England.")).passed
    assert not judge(case, reply("Fewer than 40 teams exist in the UK.")).passed
    assert not judge(case, reply("Fewer than 40 teams in England.", abstained=True)).passed


def test_out_of_scope_passes_only_when_declined_and_is_counted_by_kind() -> None:
    case = Case("train times to Leeds", out_of_scope=True)
    declined = judge(case, reply("No evidence.", abstained=True))
    answered = judge(case, reply("Leeds has a team.", kind="card"))
    assert declined.passed and not answered.passed
    assert metrics([declined, answered])["out_of_scope_card"] == 0.5


def test_a_case_needs_patterns_or_out_of_scope(tmp_path: Path) -> None:
    path = tmp_path / "answers-x.yaml"
    path.write_text("questions:\n  - q: What is a JSNA?\n")
    with pytest.raises(ValidationError, match="question 1: give either"):
        load_sets([path])
    path.write_text("conversations:\n  - turns:\n      - q: only one\n        expect: [x]\n")
    with pytest.raises(ValidationError, match="needs 2\\+ `turns`"):
        load_sets([path])
