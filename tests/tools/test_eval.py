"""The retrieval evaluation: a small fixed subset with floors far below the targets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.config import PROJECT_ROOT
from assistant.errors import ValidationError
from assistant.search.engine import Engine
from assistant.tools.evaluate import evaluate, load_questions

QUESTIONS = PROJECT_ROOT / "eval" / "questions.yaml"
# Every fifth question: a fixed mix of keyword, long, typo and out-of-scope questions.
SUBSET = slice(0, None, 5)


def test_question_set_meets_the_brief(engine: Engine) -> None:
    questions = load_questions(QUESTIONS, set(engine.index.by_id))
    assert len(questions) >= 90
    assert sum(q.out_of_scope for q in questions) >= 15


def test_subset_scores_above_floor(engine: Engine) -> None:
    questions = load_questions(QUESTIONS, set(engine.index.by_id))[SUBSET]
    assert any(q.out_of_scope for q in questions)
    reports = evaluate(engine, questions)
    hybrid = reports["hybrid"].metrics
    assert hybrid["hit@3"] >= 0.75
    assert hybrid["mrr@10"] >= 0.6
    assert hybrid["abstain_accuracy"] >= 0.6
    assert hybrid["false_abstain_rate"] <= 0.2
    assert reports["lexical"].metrics["hit@5"] >= 0.6
    assert reports["dense"].metrics["hit@5"] >= 0.6


def test_cli_json(engine: Engine, runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text(
        "questions:\n"
        "  - q: CAMHS referrals for under-2s in Rare Jewels\n    ids: [ee98710fe2c4]\n"
        "  - q: Recipe for a Victoria sponge cake\n    out_of_scope: true\n"
    )
    result = runner.invoke(main, ["eval", "--questions", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"hybrid", "dense", "lexical"}
    assert data["hybrid"]["metrics"]["hit@3"] == 1.0
    assert data["hybrid"]["metrics"]["abstain_accuracy"] == 1.0


def test_unknown_passage_id_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "q.yaml"
    path.write_text("questions:\n  - q: anything\n    ids: [nope]\n")
    with pytest.raises(ValidationError, match=r"q.yaml:2: unknown passage id\(s\) nope"):
        load_questions(path, {"abc"})
