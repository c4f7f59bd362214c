"""``pair-assistant check``: validate the corpus and exit non-zero on any problem."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
import numpy as np

from assistant.config import Settings
from assistant.evidence.cards import figure_report
from assistant.evidence.check import Vectoriser, check_corpus
from assistant.evidence.corpus import Passage, parse_corpus
from assistant.evidence.provenance import shared_runs, stale
from assistant.evidence.yamlsrc import Problem

if TYPE_CHECKING:
    from assistant.search.embedding import Embedder


@click.command()
@click.option("--no-duplicates", is_flag=True, help="Skip the near-duplicate check (no model).")
@click.option(
    "--notes",
    "notes",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Research notes: report passages sharing 15+ consecutive words with them "
    "(repeat the option or pass several files after it).",
)
@click.option(
    "--stale",
    "stale_days",
    type=click.IntRange(0),
    help="List passages not reviewed within DAYS (and fail if any).",
)
@click.option("--cards", "card_report", is_flag=True, help="Show where each card's figures are.")
@click.argument("more_notes", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.pass_context
def check(
    ctx: click.Context,
    no_duplicates: bool,
    notes: tuple[Path, ...],
    stale_days: int | None,
    card_report: bool,
    more_notes: tuple[Path, ...],
) -> None:
    """Check the corpus: sources, URLs, grades, passage lengths, topics, cards,
    near-duplicates; optionally shared wording with notes and overdue reviews."""
    settings: Settings = ctx.find_root().obj["settings"]
    if more_notes and not notes:
        raise click.UsageError("extra file arguments are only accepted after --notes")
    vectorise = None
    if not no_duplicates:
        vectorise = index_or_model_vectors(settings.corpus_dir, settings.index_dir, settings.model)
    problems = check_corpus(settings.corpus_dir, vectorise, eval_questions())
    corpus = parse_corpus(settings.corpus_dir)
    problems += _notes_problems(corpus.passages, (*notes, *more_notes))
    problems += _stale_problems(corpus.passages, stale_days)
    for problem in sorted(set(problems), key=lambda p: (p.file, p.line, p.message)):
        click.echo(f"{shown(settings.corpus_dir / problem.file)}:{problem.line}: {problem.message}")
    if card_report:
        texts = {p.id: p.text for p in corpus.passages}
        for card in corpus.cards:
            for line in figure_report(card, texts):
                click.echo(line)
    flagged = [card for card in corpus.cards if card.stamped and card.under_review]
    for card in flagged:
        for why in card.changes:
            click.echo(f"{card.id}: under review: {why}")
    if problems:
        raise click.ClickException(f"{len(set(problems))} problem(s) in {settings.corpus_dir}")
    review = f" ({len(flagged)} under review: re-check, then `cards review`)" if flagged else ""
    click.echo(
        f"Corpus OK: {len(corpus.passages)} passages from {len(corpus.sources)} sources, "
        f"{len(corpus.cards)} key-question cards{review}."
    )


def _notes_problems(passages: list[Passage], notes: tuple[Path, ...]) -> list[Problem]:
    """Prose that shares 15+ consecutive words with the notes (titles and lists excepted)."""
    if not notes:
        return []
    texts = [path.read_text(encoding="utf-8") for path in notes]
    return [
        Problem(
            run.passage.file,
            run.passage.line,
            f"passage {run.passage.heading!r} shares {run.words} consecutive words with "
            f"the notes ({run.text[:80]!r}…); write it in our own words",
        )
        for run in shared_runs(passages, texts)
        if not run.is_title
    ]


def _stale_problems(passages: list[Passage], days: int | None) -> list[Problem]:
    if days is None:
        return []
    return [
        Problem(p.file, p.line, f"passage {p.heading!r} last reviewed {p.reviewed or 'never'}")
        for p in stale(passages, days)
    ]


def shown(path: Path) -> str:
    """The path relative to the working folder when it is inside it."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def index_or_model_vectors(corpus_dir: Path, index_dir: Path, model: str) -> Vectoriser:
    """Passage vectors from the built index when it is current, else from the model."""
    from assistant.search.embedding import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(model)

    def vectorise(passages: list[Passage]) -> np.ndarray:
        cached = _index_vectors(corpus_dir, index_dir, embedder, passages)
        if cached is not None:
            return cached
        return embedder.encode([p.embedding_text() for p in passages])

    return vectorise


def _index_vectors(
    corpus_dir: Path, index_dir: Path, embedder: Embedder, passages: list[Passage]
) -> np.ndarray | None:
    """The serving index's vectors, if it was built from this corpus with this model."""
    from assistant.errors import IndexError_
    from assistant.search.index import current_folder, load_index, read_manifest, staleness

    folder = current_folder(index_dir)
    try:
        if staleness(read_manifest(folder), corpus_dir, embedder) is not None:
            return None
        index = load_index(folder)
    except IndexError_:
        return None
    if [p.id for p in index.passages] != [p.id for p in passages]:
        return None
    return index.vectors


def eval_questions() -> list[str]:
    """The team's eval questions (retrieval and answer sets): cards must not copy them."""
    import yaml

    from assistant.config import PROJECT_ROOT
    from assistant.tools.answer_eval import questions_of

    folder = PROJECT_ROOT / "eval"
    asked: list[str] = []
    retrieval = folder / "questions.yaml"
    if retrieval.is_file():
        data = yaml.safe_load(retrieval.read_text(encoding="utf-8")) or {}
        asked += [str(q.get("q", "")) for q in data.get("questions") or [] if isinstance(q, dict)]
    return asked + questions_of(sorted(folder.glob("answers*.yaml")))
