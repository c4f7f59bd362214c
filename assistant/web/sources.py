"""Browse the evidence by source: every source, then one source's passages in order."""

from __future__ import annotations

from flask import Blueprint, render_template

from assistant.errors import NotFound
from assistant.lookup.context import passage_counts, source_sections, sources_by_title
from assistant.web import engine
from assistant.web.evidence import page_helpers

bp = Blueprint("sources", __name__)


@bp.get("/sources")
def index() -> str:
    e = engine()
    return render_template(
        "sources/index.html",
        sources=sources_by_title(e.index),
        counts=passage_counts(e.index),
        corpus_errors=e.corpus_errors,
    )


@bp.get("/sources/<source_id>")
def source(source_id: str) -> str:
    e = engine()
    found = e.index.sources.get(source_id)
    if found is None:
        raise NotFound(f"there is no source {source_id!r}; see the list of sources")
    sections = source_sections(e.index, source_id)
    return render_template(
        "sources/source.html", source=found, sections=sections, **page_helpers(e)
    )
