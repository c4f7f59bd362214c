"""``pair-assistant check``: validate the corpus and exit non-zero on any problem."""

from __future__ import annotations

from pathlib import Path

import click

from assistant.config import Settings
from assistant.evidence.check import check_corpus, index_or_model_vectors
from assistant.evidence.corpus import parse_corpus


@click.command()
@click.option("--no-duplicates", is_flag=True, help="Skip the near-duplicate check (no model).")
@click.pass_context
def check(ctx: click.Context, no_duplicates: bool) -> None:
    """Check the corpus: sources, URLs, passage lengths, grades, topics, near-duplicates."""
    settings: Settings = ctx.find_root().obj["settings"]
    vectorise = None
    if not no_duplicates:
        vectorise = index_or_model_vectors(settings.corpus_dir, settings.index_dir, settings.model)
    problems = check_corpus(settings.corpus_dir, vectorise)
    for problem in problems:
        click.echo(
            f"{_shown(settings.corpus_dir / problem.file)}:{problem.line}: {problem.message}"
        )
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) in {settings.corpus_dir}")
    corpus = parse_corpus(settings.corpus_dir)
    click.echo(f"Corpus OK: {len(corpus.passages)} passages from {len(corpus.sources)} sources.")


def _shown(path: Path) -> str:
    """The path relative to the working folder when it is inside it."""
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()
