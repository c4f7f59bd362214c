"""``pair-assistant check``: validate the corpus and exit non-zero on any problem."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
import numpy as np

from assistant.config import Settings
from assistant.evidence.check import Vectoriser, check_corpus
from assistant.evidence.corpus import Passage, parse_corpus

if TYPE_CHECKING:
    from assistant.search.embedding import Embedder


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
        fingerprint = parse_corpus(corpus_dir).fingerprint
        if staleness(read_manifest(folder), fingerprint, embedder) is not None:
            return None
        index = load_index(folder)
    except IndexError_:
        return None
    if [p.id for p in index.passages] != [p.id for p in passages]:
        return None
    return index.vectors
