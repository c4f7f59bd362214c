"""``pair-assistant ingest`` and ``pair-assistant sources``: manage the document collection."""

from __future__ import annotations

from pathlib import Path

import click
from tqdm import tqdm

from assistant.config import Settings
from assistant.evidence.corpus import EVIDENCE_GRADES, SOURCE_TYPES
from assistant.ingest.collection import Collection, Ingested, Options
from assistant.ingest.document import IngestError

_REBUILD = "Run `pair-assistant index build` to serve the change."


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.find_root().obj["settings"]
    return settings


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--source-id", help="Id of the source (default: from the file name).")
@click.option("--title", help="Title (default: the document's own title).")
@click.option("--publisher", help="Publisher (default: from the document, if it says).")
@click.option("--year", type=click.IntRange(1800, 2200), help="Year of publication.")
@click.option("--url", help="https address of the original; PDF citations link to its pages.")
@click.option("--type", "type_", type=click.Choice(SOURCE_TYPES), help="Kind of source.")
@click.option("--evidence", type=click.Choice(EVIDENCE_GRADES), help="Evidence grade.")
@click.pass_context
def ingest(
    ctx: click.Context,
    paths: tuple[Path, ...],
    source_id: str | None,
    title: str | None,
    publisher: str | None,
    year: int | None,
    url: str | None,
    type_: str | None,
    evidence: str | None,
) -> None:
    """Add PDF, DOCX, HTML or Markdown files to the evidence, or update them."""
    from assistant.ingest.readers import read_document

    if len(paths) > 1 and (source_id or title or url):
        raise click.UsageError("--source-id, --title and --url apply to one file at a time")
    if url and not url.startswith(("https://", "http://")):
        raise click.UsageError(f"--url must be an http(s) address, not {url!r}")
    options = Options(source_id, title, publisher, year, url, type_, evidence)
    settings = _settings(ctx)
    collection = Collection(settings.corpus_dir)
    failed = 0
    # A bar for batches, on a terminal only; messages are written around it.
    bar = tqdm(paths, desc="Ingesting", unit="file", disable=None if len(paths) > 1 else True)
    for path in bar:
        try:
            document = read_document(path, settings.ingest_max_bytes)
            message, err = _summary(path, collection.add(path, document, options)), False
        except IngestError as exc:
            message, err = f"error: {exc.message}", True
            failed += 1
        with tqdm.external_write_mode():
            click.echo(message, err=err)
    bar.close()
    if failed < len(paths):
        click.echo(_REBUILD)
    if failed:
        ctx.exit(1)


def _summary(path: Path, result: Ingested) -> str:
    pages = f"{result.pages} pages, " if result.pages else ""
    return (
        f"Ingested {path.name} as {result.source_id}: {pages}{result.passages} passages "
        f"({result.added} new, {result.unchanged} unchanged, {result.removed} removed)."
    )


@click.group()
def sources() -> None:
    """List or remove ingested documents."""


@sources.command("list")
@click.pass_context
def sources_list(ctx: click.Context) -> None:
    """One line per ingested document: id, format, pages, passages, title."""
    entries = Collection(_settings(ctx).corpus_dir).entries()
    if not entries:
        click.echo("No ingested documents.")
    for entry in entries:
        info = entry.get("ingested") or {}
        pages = f"{info['pages']} pages, " if info.get("pages") else ""
        click.echo(
            f"{entry['id']}\t{info.get('format', '?')}\t{pages}{info.get('passages', 0)} passages"
            f"\t{entry.get('title', '')}\t({info.get('file', '')}, {info.get('at', '')})"
        )


@sources.command("remove")
@click.argument("source_id")
@click.pass_context
def sources_remove(ctx: click.Context, source_id: str) -> None:
    """Remove an ingested document and its passages."""
    entry = Collection(_settings(ctx).corpus_dir).remove(source_id)
    click.echo(f"Removed {source_id} ({entry.get('title', '')}). {_REBUILD}")
