"""``pair-assistant eval``: retrieval quality of dense, lexical and hybrid side by side."""

from __future__ import annotations

import json
from pathlib import Path

import click

from assistant.config import PROJECT_ROOT, Settings

DEFAULT_QUESTIONS = PROJECT_ROOT / "eval" / "questions.yaml"


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
@click.pass_context
def evaluate_command(ctx: click.Context, path: Path, as_json: bool) -> None:
    """Score hit@1/3/5, MRR@10 and abstention for dense, lexical and hybrid retrieval."""
    from assistant.search.engine import get_engine
    from assistant.tools.evaluate import evaluate, load_questions, misses_text, table, to_json

    settings: Settings = ctx.find_root().obj["settings"]
    engine = get_engine(settings)
    questions = load_questions(path, set(engine.index.by_id))
    reports = evaluate(engine, questions)
    if as_json:
        click.echo(json.dumps(to_json(reports), ensure_ascii=False, indent=2))
        return
    inside = sum(1 for q in questions if not q.out_of_scope)
    click.echo(f"{len(questions)} questions: {inside} in scope, {len(questions) - inside} out.")
    click.echo(table(reports))
    for mode, report in reports.items():
        click.echo(f"\nMisses ({mode}): {len(report.misses)}")
        for line in misses_text(report):
            click.echo(line)
