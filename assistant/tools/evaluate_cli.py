"""``pair-assistant eval``: retrieval quality of dense, lexical and hybrid side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from assistant.config import PROJECT_ROOT, Settings

DEFAULT_QUESTIONS = PROJECT_ROOT / "eval" / "questions.yaml"
ANSWER_SETS = "answers*.yaml"


def answer_set_paths(folder: Path) -> list[Path]:
    return sorted(folder.glob(ANSWER_SETS))


@click.command("eval")
@click.option(
    "--questions",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_QUESTIONS,
    show_default="eval/questions.yaml",
    help="Question file to score.",
)
@click.option("--json", "as_json", is_flag=True, help="Print metrics and misses as JSON.")
@click.option(
    "--answers/--no-answers",
    default=True,
    help="Also score the answer text (eval/answers*.yaml), extracts alone and with cards.",
)
@click.pass_context
def evaluate_command(ctx: click.Context, path: Path, as_json: bool, answers: bool) -> None:
    """Score retrieval (hit@1/3/5, MRR@10, abstention) for dense, lexical and hybrid, and
    whether the answer text states the asked fact, for extracts alone and cards + extracts."""
    from assistant.search.engine import get_engine
    from assistant.tools.evaluate import evaluate, load_questions, misses_text, table, to_json

    settings: Settings = ctx.find_root().obj["settings"]
    engine = get_engine(settings)
    questions = load_questions(path, set(engine.index.by_id))
    reports = evaluate(engine, questions)
    answer_report = _answer_report(settings, engine, path.parent) if answers else None
    if as_json:
        data = to_json(reports)
        if answer_report is not None:
            data["answers"] = answer_report[0]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    inside = sum(1 for q in questions if not q.out_of_scope)
    click.echo(f"{len(questions)} questions: {inside} in scope, {len(questions) - inside} out.")
    click.echo(table(reports))
    for mode, report in reports.items():
        click.echo(f"\nMisses ({mode}): {len(report.misses)}")
        for line in misses_text(report):
            click.echo(line)
    if answer_report is not None:
        click.echo("\n" + answer_report[1])


def _answer_report(
    settings: Settings, engine: Any, folder: Path
) -> tuple[dict[str, Any], str] | None:
    """(metrics by system, printable table and failures) for the answer sets, if any."""
    from assistant.answer.asking import answer
    from assistant.journey.guide import load_guide
    from assistant.tools import answer_eval

    paths = answer_set_paths(folder)
    if not paths:
        return None
    singles, conversations = answer_eval.load_sets(paths)
    guide = load_guide(settings.corpus_dir, engine)

    def ask(question: str, history: Any, use_cards: bool) -> Any:
        return answer(engine, guide, question, None, history, use_cards=use_cards)

    results = {
        name: answer_eval.run(ask, singles, conversations, cards)
        for name, cards in answer_eval.SYSTEMS
    }
    by_system = {name: answer_eval.metrics(r) for name, r in results.items()}
    turns = sum(len(c) for c in conversations)
    counts = (
        f"Answer sets: {len(singles)} single questions, {len(conversations)} conversations "
        f"({turns} turns)."
    )
    lines = [answer_eval.table(by_system, counts)]
    for name, found in results.items():
        failed = answer_eval.failures(found)
        lines.append(f"\nAnswer failures ({name}): {len(failed)}")
        lines.extend(failed)
    return by_system, "\n".join(lines)
