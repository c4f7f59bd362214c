"""``pair-assistant cards``: scaffold key-question cards for the content team."""

from __future__ import annotations

import datetime as dt
import re

import click

from assistant.config import Settings
from assistant.evidence.cards import CARDS_FOLDER
from assistant.evidence.corpus import Corpus, parse_corpus

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SCAFFOLD = """\
  - id: {id}
    questions:
      - {question}
      - (another way a commissioner might ask it)
    answer:
      - text: (the answer first, in plain words; every figure as its passage gives it)
        cite: [{cite}]
    # step: (the journey step id where this question belongs)
    reviewed: {today}
"""


@click.group()
def cards() -> None:
    """Key-question cards: team-written summaries of the questions asked most."""


@cards.command("new")
@click.argument("card_id")
@click.option(
    "--file",
    "file_name",
    default="new-cards.yaml",
    show_default=True,
    help="File under corpus/answers/ to add the card to.",
)
@click.option(
    "--question",
    default="(the question as commissioners ask it)",
    help="The card's first phrasing.",
)
@click.pass_context
def new(ctx: click.Context, card_id: str, file_name: str, question: str) -> None:
    """Add a card skeleton with id CARD_ID for you to fill in, then run `check`."""
    settings: Settings = ctx.find_root().obj["settings"]
    if not _ID.match(card_id):
        raise click.ClickException(f"card id {card_id!r} must be lower-case words and hyphens")
    if not re.fullmatch(r"[a-z0-9-]+\.yaml", file_name):
        raise click.ClickException("--file must be a name such as funding.yaml")
    corpus = parse_corpus(settings.corpus_dir)
    if any(c.id == card_id for c in corpus.cards):
        raise click.ClickException(f"there is already a card with id {card_id!r}")
    path = settings.corpus_dir / CARDS_FOLDER / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = path.read_text(encoding="utf-8") if path.is_file() else "cards:\n"
    example = corpus.passages[0] if corpus.passages else None
    cite = f"{example.topic} > {example.heading}" if example else "topic > passage heading"
    entry = SCAFFOLD.format(id=card_id, question=question, cite=cite, today=dt.date.today())
    path.write_text(text.rstrip("\n") + "\n" + entry, encoding="utf-8")
    click.echo(f"Added card {card_id!r} to {path}; fill it in, then run `pair-assistant check`.")


def unflagged_edits(corpus: Corpus, edited: set[str]) -> list[str]:
    """Cards citing a passage that a build found edited, which do not show "under review"
    because the passage's `reviewed:` date was left older than the card's (or unset).

    The same date on both means the passage and the card were checked together."""
    notes = []
    for p in (p for p in corpus.passages if p.id in edited):
        for card in (c for c in corpus.cards if p.id in c.passage_ids()):
            if p.reviewed is None or p.reviewed < card.reviewed:
                notes.append(
                    f"Edited passage {p.topic} > {p.heading} (reviewed {p.reviewed or 'never'}) "
                    f"is cited by card {card.id!r} (reviewed {card.reviewed}), which does not "
                    "show under review: set the passage's `reviewed:` date to the day you "
                    "checked it, then re-check the card."
                )
    return notes
