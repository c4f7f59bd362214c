"""Passage permalinks and pasteable references.

``/evidence/<id>`` shows a passage in context; an id that existed in an earlier build
gets a 410 page pointing to the closest current passage, an unknown id a 404 page with a
search form. ``/api/passages/<id>/cite`` returns the reference in a chosen style. Ids are
case-insensitive: a page address in capitals redirects to the lower-case one, and the API
answers for either.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for

from assistant.errors import Gone, NotFound
from assistant.evidence.corpus import Passage, source_of
from assistant.lookup.cite import STYLES, check_style, passage_reference, permalink
from assistant.lookup.context import closest_current, in_context
from assistant.lookup.finder import marked
from assistant.search.engine import Engine
from assistant.web import engine
from assistant.web.hosts import base_url

bp = Blueprint("evidence", __name__)


def page_helpers(e: Engine) -> dict[str, Any]:
    """What the passage macros need: references, permalinks, highlight runs, sources."""
    return {
        "reference": lambda p, style="harvard": passage_reference(p, e.index.sources, style),
        "permalink": lambda p: permalink(base_url(), p.id),
        "source_of": lambda p: source_of(p, e.index.sources),
        "newer_passage": e.index.newer_passage,
        "marked": marked,
        "styles": STYLES,
    }


@bp.get("/evidence/<passage_id>")
def passage(passage_id: str) -> tuple[str, int] | Response:
    if passage_id != passage_id.lower():
        target = url_for("evidence.passage", passage_id=passage_id.lower())
        return redirect(target, 301)  # type: ignore[return-value]
    e = engine()
    position = e.index.by_id.get(passage_id)
    if position is not None:
        context = in_context(e.index, position)
        return render_template("evidence/passage.html", ctx=context, **page_helpers(e)), 200
    old = e.index.retired.get(passage_id)
    if old is not None:
        closest = closest_current(e, old)
        page = render_template("evidence/retired.html", old=old, closest=closest, **page_helpers(e))
        return page, 410
    return render_template("evidence/missing.html", passage_id=passage_id), 404


@bp.get("/api/passages/<passage_id>/cite")
def cite(passage_id: str) -> Response:
    e = engine()
    style = check_style(request.args.get("style"))
    found = current_passage(e, passage_id)
    return jsonify(
        id=found.id,
        style=style,
        reference=passage_reference(found, e.index.sources, style),
        permalink=permalink(base_url(), found.id),
    )


def current_passage(e: Engine, passage_id: str) -> Passage:
    """The serving passage (any case of its id); 410 naming the closest one for a retired
    id, else 404."""
    passage_id = passage_id.lower()
    found = e.passage(passage_id)
    if found is not None:
        return found
    old = e.index.retired.get(passage_id)
    if old is None:
        raise NotFound(f"no passage with id {passage_id!r}")
    closest = closest_current(e, old)
    instead = f"; the closest current passage is {closest.id!r}" if closest else ""
    raise Gone(f"passage {passage_id!r} has changed or been removed{instead}")


def with_references(e: Engine, data: dict[str, Any]) -> dict[str, Any]:
    """An answer or step as JSON, each citation given its Harvard ``reference`` to copy."""
    for c in data.get("citations", []):
        c["reference"] = citation_reference(e, c["id"])
    return data


def citation_reference(e: Engine, passage_id: str) -> str:
    """The Harvard reference of a cited passage (empty if it is no longer served),
    formatted once per index: the same few passages are cited answer after answer."""

    def compute() -> str:
        found = e.passage(passage_id)
        return passage_reference(found, e.index.sources) if found is not None else ""

    return e.index.derived(("harvard reference", passage_id), compute)
