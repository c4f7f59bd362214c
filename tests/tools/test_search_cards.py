"""The summaries staff search shows, scored on the team's retrieval questions."""

from __future__ import annotations

from click.testing import CliRunner

from assistant.answer.cardsearch import MIN_COSINE
from assistant.config import PROJECT_ROOT
from assistant.search.engine import Engine
from assistant.tools import search_cards
from assistant.tools.evaluate import load_questions

QUESTIONS = PROJECT_ROOT / "eval" / "questions.yaml"


def test_out_of_scope_searches_show_no_summary_and_most_first_ones_are_on_the_point(
    engine: Engine,
) -> None:
    questions = load_questions(QUESTIONS, set(engine.index.by_id))
    figures = search_cards.measure(engine, questions, MIN_COSINE)
    assert figures.out_of_scope_with_cards == 0
    assert figures.questions_with_cards >= len(questions) // 2
    # measured 0.90 (first card) and 0.83 (all cards); floors below, so a small corpus
    # edit does not fail the build, a broken match does
    assert figures.first_precision >= 0.8 and figures.precision >= 0.7


def test_the_command_prints_a_row_per_bar(engine: Engine) -> None:
    result = CliRunner().invoke(search_cards.main, [])
    assert result.exit_code == 0, result.output
    assert f"cosine bar in use {MIN_COSINE}" in result.output
    assert len(result.output.strip().splitlines()) == 2 + len(search_cards.BARS)
