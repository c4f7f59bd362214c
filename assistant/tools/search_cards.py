"""How well the staff search picks key-question cards, on ``eval/questions.yaml``.

A card shown for an in-scope question is on the point when it cites a passage the
question names as answering it; an out-of-scope question should show no card at all.
Prints, for the search-card cosine bar in use and a few around it: how many questions
show a card, the share of shown cards on the point (precision), and the out-of-scope
questions that show one. Run ``python -m assistant.tools.search_cards``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from assistant.answer import cardsearch
from assistant.config import PROJECT_ROOT, load_settings
from assistant.lookup.finder import parse_query
from assistant.search.engine import Engine, get_engine
from assistant.tools.evaluate import Question, load_questions

BARS = (0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


@dataclass(frozen=True)
class Figures:
    bar: float
    questions_with_cards: int
    cards_shown: int
    on_point: int
    first_on_point: int
    out_of_scope_with_cards: int

    @property
    def precision(self) -> float:
        return self.on_point / self.cards_shown if self.cards_shown else 1.0

    @property
    def first_precision(self) -> float:
        """The share of the first cards shown that are on the point."""
        n = self.questions_with_cards
        return self.first_on_point / n if n else 1.0


def measure(engine: Engine, questions: list[Question], bar: float) -> Figures:
    """Cards shown per question at cosine bar ``bar``, scored against the answering ids."""
    with_cards = shown = on_point = first = stray = 0
    for q in questions:
        hits = cardsearch.search_cards(engine, parse_query(q.text), min_cosine=bar)
        points = [bool(set(h.card.passage_ids()) & set(q.ids)) for h in hits]
        with_cards += bool(hits)
        shown += len(hits)
        on_point += sum(points)
        first += bool(points) and points[0]
        stray += q.out_of_scope and bool(hits)
    return Figures(bar, with_cards, shown, on_point, first, stray)


@click.command()
@click.option("--questions", "path", default=str(PROJECT_ROOT / "eval" / "questions.yaml"))
def main(path: str) -> None:
    """Print search-card figures for the cosine bar in use and the bars around it."""
    engine = get_engine(load_settings())
    questions = load_questions(Path(path), set(engine.index.by_id))
    inside = sum(not q.out_of_scope for q in questions)
    click.echo(
        f"{len(questions)} questions ({inside} in scope); cosine bar in use "
        f"{cardsearch.MIN_COSINE}, spread {cardsearch.MAX_SPREAD}"
    )
    click.echo("bar   with cards   cards shown   precision   first card   out of scope with cards")
    for bar in BARS:
        f = measure(engine, questions, bar)
        click.echo(
            f"{f.bar:<5} {f.questions_with_cards:>10} {f.cards_shown:>13} {f.precision:>11.3f} "
            f"{f.first_precision:>12.3f} {f.out_of_scope_with_cards:>25}"
        )


if __name__ == "__main__":
    main()
