"""``pair-assistant ingest`` and ``pair-assistant sources``: manage the document collection."""

from __future__ import annotations

from pathlib import Path

import click
import yaml
from tqdm import tqdm

from assistant.config import Settings
from assistant.errors import PairError
from assistant.evidence.corpus import EVIDENCE_GRADES, SOURCE_TYPES
from assistant.ingest.collection import Collection, Ingested, Options
from assistant.ingest.isolate import Limits

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
@click.option(
    "--replace", is_flag=True, help="Replace a different document already under the same id."
)
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
    replace: bool,
) -> None:
    """Add PDF, DOCX, HTML or Markdown files to the evidence, or update them.

    Each file is read on its own, within time and memory limits; a file that fails is
    reported on one line and the others are still ingested (exit status 1).
    """
    from assistant.ingest.readers import read_document

    if len(paths) > 1 and (source_id or title or url):
        raise click.UsageError("--source-id, --title and --url apply to one file at a time")
    if url and not url.startswith(("https://", "http://")):
        raise click.UsageError(f"--url must be an http(s) address, not {url!r}")
    options = Options(source_id, title, publisher, year, url, type_, evidence, replace)
    settings = _settings(ctx)
    collection = Collection(settings.corpus_dir)
    limits = Limits(
        seconds=settings.ingest_timeout,
        memory_bytes=settings.ingest_max_memory,
        text_chars=settings.ingest_max_text_chars,
        unpacked_bytes=settings.ingest_max_unpacked_bytes,
    )
    failed = 0
    # A bar for batches, on a terminal only; messages are written around it.
    bar = tqdm(paths, desc="Ingesting", unit="file", disable=None if len(paths) > 1 else True)
    for path in bar:
        try:
            document = read_document(path, settings.ingest_max_bytes, limits)
            message, err = _summary(path, collection.add(path, document, options)), False
        except PairError as exc:
            message, err = f"error: {_one_line(exc.message)}", True
        except (OSError, yaml.YAMLError) as exc:
            message, err = f"error: {path.name}: could not be added ({_one_line(str(exc))})", True
        failed += err
        with tqdm.external_write_mode():
            click.echo(message, err=err)
    bar.close()
    if failed < len(paths):
        click.echo(_REBUILD)
    if failed:
        ctx.exit(1)


def _one_line(text: str) -> str:
    return " ".join(text.split())


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
