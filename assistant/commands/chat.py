"""``pair-assistant chat``: ask questions in a loop; follow-ups lean on earlier answers.

The conversation lives in this process only (never written anywhere), exactly as the
chat page keeps it in the browser tab: each question is sent with the earlier turns.
"""

from __future__ import annotations

from typing import Any

import click

from assistant.answer.compose import Answer
from assistant.answer.followup import MAX_TURNS, Turn
from assistant.config import Settings
from assistant.errors import ValidationError


def echo_answer(answer: Answer) -> None:
    """An answer as plain text: label, summary or quotes, sources, next questions, steps."""
    if answer.extra.get("interpreted_as"):
        click.echo(f"(Read as a follow-up to: {answer.extra['interpreted_as']})")
    if answer.extra.get("kind") == "card":
        review = "; under review" if answer.extra.get("under_review") else ""
        click.echo(f"{answer.extra['label']} (reviewed {answer.extra['reviewed']}{review}):")
    click.echo(answer.answer)
    if answer.extra.get("signpost"):
        click.echo(f"\n{answer.extra['signpost']}")
    for topic in answer.suggestions:
        click.echo(f"  - {topic}")
    for c in answer.citations:
        page = f", {c.page}" if c.page else ""
        click.echo(f"\n[{c.n}] {c.title}{page}\n    {c.section}\n    {c.url or ''}")
    _echo_questions("Try one of these:", answer.extra.get("try_questions") or [])
    _echo_questions("People also ask:", answer.extra.get("next_questions") or [])
    for r in answer.extra.get("related_nodes", []):
        click.echo(f"\nGo to: {r['title']} (/journey/{r['id']})")


def _echo_questions(heading: str, offered: list[dict[str, Any]]) -> None:
    """Card questions offered after a refusal or an answer, marked when under review."""
    if offered:
        click.echo(f"\n{heading}")
    for item in offered:
        review = " (under review)" if item.get("under_review") else ""
        click.echo(f"  - {item['question']}{review}")


@click.command()
@click.option("--node", help="Journey step id to ask at, e.g. fund-business-case.")
@click.pass_context
def chat(ctx: click.Context, node: str | None) -> None:
    """Ask questions one after another; an empty line or Ctrl-D ends the conversation."""
    from assistant.answer.asking import answer, check_node, remembered
    from assistant.answer.queries import check_question
    from assistant.journey.guide import load_guide
    from assistant.search.engine import get_engine

    settings: Settings = ctx.find_root().obj["settings"]
    engine = get_engine(settings)
    guide = load_guide(settings.corpus_dir, engine)
    step = check_node(node, guide.journey)
    history: list[Turn] = []
    click.echo("Ask a question about commissioning PAIR services (empty line to finish).")
    while True:
        try:
            line = click.prompt("\nYou", default="", show_default=False, prompt_suffix="> ")
        except (EOFError, click.Abort):
            break
        if not line.strip():
            break
        try:
            question = check_question(line, settings)
        except ValidationError as exc:
            click.echo(f"error: {exc.message}", err=True)
            continue
        reply = answer(engine, guide, question, step, tuple(history[-MAX_TURNS:]))
        echo_answer(reply)
        if not reply.abstained:
            history.append(remembered(question, reply))
