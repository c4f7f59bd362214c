"""``pair-assistant cards``: scaffold key-question cards and stamp them as checked."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click

from assistant.config import Settings
from assistant.evidence.cards import CARDS_FOLDER, Card, card_problems
from assistant.evidence.corpus import Corpus, parse_corpus
from assistant.evidence.review import (
    Lock,
    lock_file,
    lock_path,
    record_of,
    set_reviewed,
    write_lock,
)
from assistant.evidence.yamlsrc import Problem

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
    click.echo(
        f"Added card {card_id!r} to {path}; fill it in, run `pair-assistant check`, then stamp "
        f"it with `pair-assistant cards review {card_id}` once you have checked it against "
        "its passages."
    )


@cards.command("review")
@click.argument("card_ids", nargs=-1)
@click.option("--all", "every", is_flag=True, help="Every card.")
@click.option("--unstamped", is_flag=True, help="Every card not stamped yet (new cards).")
@click.option(
    "--keep-date",
    is_flag=True,
    help="Record the passages without changing the cards' `reviewed:` dates.",
)
@click.pass_context
def review(
    ctx: click.Context, card_ids: tuple[str, ...], every: bool, unstamped: bool, keep_date: bool
) -> None:
    """Stamp cards CARD_IDS as checked against today's passages.

    Each card is checked as `pair-assistant check` checks it (citations resolve, every
    figure appears in the passages cited); if one fails, nothing is stamped. Otherwise each
    gets today's date as `reviewed:` and the passages it cites are recorded in
    answers/checked.lock.yaml, which clears "under review" at the next index build."""
    from assistant.commands.check import eval_questions, shown

    settings: Settings = ctx.find_root().obj["settings"]
    corpus = parse_corpus(settings.corpus_dir)
    chosen = _chosen(corpus, card_ids, every, unstamped)
    lock = _lock(settings.corpus_dir, corpus)  # a damaged lock is refused before a card changes
    texts = {p.id: p.text for p in corpus.passages}
    failures = _failures(corpus, chosen, texts, eval_questions())
    if failures:
        first, rest = failures[0], len(failures) - 1
        more = f" (and {rest} more; run `pair-assistant check`)" if rest else ""
        where = f"{shown(settings.corpus_dir / first.file)}:{first.line}"
        raise click.ClickException(f"nothing stamped: {where}: {first.message}{more}")
    known = {card.id for card in corpus.cards}
    kept = {k: v for k, v in lock.items() if k in known}
    if len(kept) < len(lock):  # records of deleted or renamed cards
        click.echo(f"Dropped the records of {len(lock) - len(kept)} card(s) that no longer exist.")
    if not chosen:
        if len(kept) < len(lock):
            write_lock(settings.corpus_dir, kept)
        click.echo("Every card is stamped already.")
        return
    today = dt.date.today().isoformat()
    if not keep_date:
        set_reviewed(settings.corpus_dir, chosen, today)
    kept.update((card.id, record_of(card)) for card in chosen)
    write_lock(settings.corpus_dir, kept)
    date = "their `reviewed:` dates kept" if keep_date else f"reviewed {today}"
    click.echo(
        f"Stamped {len(chosen)} card(s) ({date}) in {lock_path(settings.corpus_dir)}. "
        'Run `pair-assistant index build` to show them without "under review".'
    )


def _lock(corpus_dir: Path, corpus: Corpus) -> Lock:
    """The lock as read with the corpus; a damaged one is never overwritten (it holds
    every card)."""
    # a syntax error names the file by its full path, other problems within the corpus
    names = {lock_file(corpus_dir), str(lock_path(corpus_dir))}
    damaged = [p for p in corpus.problems if p.file in names]
    if damaged:
        first = damaged[0]
        raise click.ClickException(
            f"nothing stamped: {lock_path(corpus_dir)}:{first.line}: {first.message}; "
            "restore the file from version control"
        )
    return corpus.lock


def _chosen(corpus: Corpus, card_ids: tuple[str, ...], every: bool, unstamped: bool) -> list[Card]:
    """The cards named, or all of them, or those not stamped yet."""
    if sum((bool(card_ids), every, unstamped)) != 1:
        raise click.UsageError("name the cards to stamp, or give --all or --unstamped")
    if every or unstamped:
        return [c for c in corpus.cards if every or not c.stamped]
    by_id = {c.id: c for c in corpus.cards}
    unknown = [i for i in card_ids if i not in by_id]
    if unknown:
        raise click.ClickException(f"no key-question card with id {unknown[0]!r}")
    return [by_id[i] for i in dict.fromkeys(card_ids)]


def _failures(
    corpus: Corpus, cards: list[Card], texts: dict[str, str], asked: list[str]
) -> list[Problem]:
    """What `check` finds wrong with these cards: problems within their lines (a citation
    that matches no passage among them) and figures their passages do not state."""
    spans = _spans(corpus.cards)
    found = [
        p
        for card in cards
        for p in corpus.problems
        if p.file == card.file and spans[card.id][0] <= p.line < spans[card.id][1]
    ]
    found += card_problems(cards, texts, asked)
    return sorted(set(found), key=lambda p: (p.file, p.line, p.message))


def _spans(cards: list[Card]) -> dict[str, tuple[int, float]]:
    """Each card's lines in its file: from its first line to the next card's."""
    spans: dict[str, tuple[int, float]] = {}
    ordered = sorted(cards, key=lambda c: (c.file, c.line))
    for card, after in zip(ordered, [*ordered[1:], None], strict=True):
        end = after.line if after is not None and after.file == card.file else float("inf")
        spans[card.id] = (card.line, end)
    return spans
