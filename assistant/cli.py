"""The ``pair-assistant`` command line."""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import click

from assistant.commands.cards import cards
from assistant.commands.chat import chat, echo_answer
from assistant.commands.logs import configure as configure_logging
from assistant.config import Settings, load_settings
from assistant.errors import PairError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class _Group(click.Group):
    """Turns the package's errors into one clear line and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PairError as exc:
            raise click.ClickException(exc.message) from None


def _settings(ctx: click.Context) -> Settings:
    settings: Settings = ctx.obj["settings"]
    return settings


@click.group(cls=_Group)
@click.option("--verbose", "-v", is_flag=True, help="Log progress to standard error.")
@click.pass_context
def main(ctx: click.Context, verbose: bool) -> None:
    """Cited answers from the parent-infant relationship (PAIR) commissioning evidence."""
    try:
        settings = load_settings()
    except PairError as exc:
        configure_logging(logging.WARNING, "text")
        raise click.ClickException(exc.message) from None
    configure_logging(logging.INFO if verbose else logging.WARNING, settings.log_format)
    ctx.obj = {"settings": settings}


@main.command()
@click.option("--host", help="Address to listen on (default: PAIR_HOST).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: PAIR_PORT).")
@click.option(
    "--workers",
    type=click.IntRange(0, 256),
    help="Worker processes (default: PAIR_WORKERS; 0: one per core).",
)
@click.option(
    "--server",
    type=click.Choice(["auto", "gunicorn", "waitress"]),
    default="auto",
    show_default=True,
    help="gunicorn (preforked workers) where the platform can fork, else waitress.",
)
@click.pass_context
def serve(
    ctx: click.Context, host: str | None, port: int | None, workers: int | None, server: str
) -> None:
    """Serve the web app with a production WSGI server (gunicorn workers or waitress)."""
    from assistant.search.embedding import set_threads
    from assistant.web.prefork import choose_server, metrics_folder, worker_count
    from assistant.web.prefork import serve as run_server

    settings = _settings(ctx)
    logging.getLogger().setLevel(logging.INFO)
    set_threads(settings.model_threads)
    chosen = choose_server(server)
    with metrics_folder(shared=chosen == "gunicorn"):
        from assistant.web import create_app, preload

        app = create_app(settings=settings)
        preload(app)
        host, port = host or settings.host, port or settings.port
        count = worker_count(settings, workers) if chosen == "gunicorn" else 1
        click.echo(
            f"Serving the PAIR Evidence Assistant on http://{host}:{port} "
            f"({chosen}, {count} worker{'s' if count != 1 else ''} of {settings.threads} "
            "threads)"
        )
        run_server(app, settings, host, port, count, chosen)


@main.command()
@click.argument("question")
@click.option("--node", help="Journey step id the question is asked at, e.g. needs.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of text.")
@click.pass_context
def ask(ctx: click.Context, question: str, node: str | None, as_json: bool) -> None:
    """Answer QUESTION with sentences from cited passages (or a signpost for a parent)."""
    from assistant.answer.asking import answer as answer_question
    from assistant.answer.asking import check_node
    from assistant.answer.queries import check_question
    from assistant.journey.guide import load_guide
    from assistant.search.engine import get_engine

    settings = _settings(ctx)
    engine = get_engine(settings)
    guide = load_guide(settings.corpus_dir, engine)
    text = check_question(question, settings)
    answer = answer_question(engine, guide, text, check_node(node, guide.journey))
    if as_json:
        click.echo(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
    else:
        echo_answer(answer)


@main.command()
@click.argument("query")
@click.option("--k", "k", default=5, type=click.IntRange(1, 50), help="Results, 1 to 50.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of text.")
@click.pass_context
def search(ctx: click.Context, query: str, k: int, as_json: bool) -> None:
    """List the passages that best match QUERY ("quoted words" must appear as written)."""
    from assistant.answer.cardsearch import search_cards, search_payload
    from assistant.answer.queries import check_question
    from assistant.lookup.finder import lookup, parse_query
    from assistant.search.engine import get_engine

    engine = get_engine(_settings(ctx))
    parsed = parse_query(check_question(query, _settings(ctx), field="q"))
    found = lookup(engine, parsed, k)
    payload = search_payload(engine, found, search_cards(engine, parsed), base_url="")
    if as_json:
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for c in payload["cards"]:
        review = "; under review" if c["under_review"] else ""
        click.echo(f"Summary: {c['question']} ({c['url']}, reviewed {c['reviewed']}{review})")
        click.echo(f"   {c['answer']}")
    for n, r in enumerate(payload["results"], start=1):
        click.echo(f"{n}. [{r['id']}] {r['score']:.4f} {r['title']} — {r['section']}")
        click.echo(f"   {r['text'][:160]}{'…' if len(r['text']) > 160 else ''}")


@main.group()
def index() -> None:
    """Build the index or show what it holds."""


@index.command("build")
@click.option("--if-stale", is_flag=True, help="Only build when missing or out of date.")
@click.pass_context
def index_build(ctx: click.Context, if_stale: bool) -> None:
    """Embed the corpus into a new index and switch to it atomically."""
    from assistant.journey.guide import check_content
    from assistant.search.embedding import SentenceTransformerEmbedder
    from assistant.search.engine import build_texts, index_problem
    from assistant.search.index import EvidenceIndex, build_index, current_folder, load_index

    settings = _settings(ctx.find_root())
    embedder = SentenceTransformerEmbedder(settings.model)

    def check_journey(index: EvidenceIndex) -> None:
        check_content(settings.corpus_dir, index.passages)

    if if_stale and index_problem(settings, embedder) is None:
        check_journey(load_index(current_folder(settings.index_dir)))
        click.echo("The index is up to date.")
        return
    texts = build_texts(settings)
    report = build_index(
        settings.corpus_dir,
        settings.index_dir,
        embedder,
        texts=texts,
        approximate_above=settings.hnsw_above,
        verify=check_journey,
    )
    m = report.manifest
    click.echo(
        f"Built index {m['build_id']}: {m['passage_count']} passages, "
        f"{m['sentence_count']} sentences, {m['source_count']} sources "
        f"in {m['build_seconds']} s ({m['texts_embedded']} texts embedded, "
        f"{m['texts_reused']} reused)."
    )
    if m["vector_search"]["kind"] == "hnsw":
        click.echo(
            f"HNSW search: recall@10 against exact search {m['vector_search']['recall_at_10']}."
        )
    click.echo(report.summary())
    flagged = m["cards_under_review"]
    if flagged:
        click.echo(
            f"{len(flagged)} key-question card(s) under review: {', '.join(flagged[:10])}"
            f"{', …' if len(flagged) > 10 else ''} (`pair-assistant check` says why)."
        )


@index.command("verify")
@click.pass_context
def index_verify(ctx: click.Context) -> None:
    """Check every file of the current index against its SHA-256 in the manifest."""
    from assistant.search.index import current_folder, damaged_files, read_manifest

    folder = current_folder(_settings(ctx.find_root()).index_dir)
    manifest = read_manifest(folder)
    damaged = damaged_files(folder, manifest)
    if damaged:
        raise click.ClickException(
            f"index {manifest['build_id']} has damaged or missing files: {', '.join(damaged)}; "
            "run `pair-assistant index build`"
        )
    click.echo(f"Index {manifest['build_id']}: all {len(manifest['files'])} files match.")


@index.command("info")
@click.pass_context
def index_info(ctx: click.Context) -> None:
    """Print the current index's manifest as JSON."""
    from assistant.search.index import current_folder, read_manifest

    manifest = read_manifest(current_folder(_settings(ctx.find_root()).index_dir))
    click.echo(json.dumps(manifest, indent=2, ensure_ascii=False))


from assistant.commands.check import check  # noqa: E402

main.add_command(check)

from assistant.ingest.cli import ingest, sources  # noqa: E402

main.add_command(ingest)
main.add_command(sources)

from assistant.tools.evaluate_cli import evaluate_command  # noqa: E402

main.add_command(evaluate_command)


@main.command("settings")
def settings_table() -> None:
    """Print every setting as a Markdown table (variable, default, meaning)."""
    from assistant.config import describe

    click.echo("| variable | default | meaning |\n| --- | --- | --- |")
    for variable, default, meaning in describe():
        click.echo(f"| `{variable}` | `{default}` | {meaning} |")


main.add_command(chat)
main.add_command(cards)

from assistant.commands.store import db, users  # noqa: E402

main.add_command(db)
main.add_command(users)
