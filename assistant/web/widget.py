"""The intranet widget: the compact ``/embed`` chat, the ``/widget/v1.js`` loader and the
administrators' ``/embed/setup`` page.

The loader's URL is versioned and its bytes are stable so hosts can pin it with
Subresource Integrity; a change that alters behaviour ships as ``v2.js``.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template, request

from assistant.answer import asking
from assistant.answer.compose import Answer
from assistant.config import PROJECT_ROOT, Settings
from assistant.errors import ConfigError, ValidationError
from assistant.origins import check_origin
from assistant.web import crossorigin, engine, settings
from assistant.web.feedback import form_feedback, record
from assistant.web.forms import check_form_question
from assistant.web.hosts import own_origin

bp = Blueprint("widget", __name__)
# Each version's bytes are fixed once published (hosts pin them); v2 adds the message for
# a site that is not allowed. /embed/setup offers the newest.
LOADERS = {
    version: PROJECT_ROOT / "assistant" / "static" / "js" / f"widget-{version}.js"
    for version in ("v1", "v2")
}
LOADER = LOADERS["v2"]
THEMES = ("nhs", "govuk", "neutral")
DEFAULT_TITLE = "Ask the PAIR evidence"


def init_app(app: Flask, config: Settings) -> None:
    app.register_blueprint(bp)
    crossorigin.init_app(app, config)


@bp.get("/embed")
def embed() -> Response:
    return _embed_page(200)


@bp.post("/embed")
def embed_ask() -> Response:
    """The no-JavaScript path: the form posts here and the page comes back with the answer."""
    text = request.form.get("message", "")
    try:
        question = check_form_question(text, settings())
    except ValidationError as exc:
        return _embed_page(422, error=exc.message, draft=text)
    from assistant.web.chat import previous_turn
    from assistant.web.journey import guide

    history = previous_turn(request.form)
    reply = asking.answer(engine(), guide(), question, None, history, settings().use_cards)
    return _embed_page(200, answer=reply, answer_id=record(reply, None))


@bp.post("/embed/feedback")
def embed_feedback() -> Response:
    """The widget's no-JavaScript "Was this helpful?" form."""
    _, message, status = form_feedback()
    return _embed_page(status, notice=message)


@bp.get("/widget/<any(v1, v2):version>.js")
def loader(version: str = "v2") -> Response:
    """Held in memory: its bytes never change within a version (hosts pin them with SRI)."""
    path = LOADERS[version]
    response = Response(_read(path), mimetype="text/javascript")
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    response.set_etag(sri_hash(path))
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    response.make_conditional(request)
    return response


@bp.get("/embed/setup")
def setup() -> str:
    base = own_origin()
    return render_template(
        "embed/setup.html",
        base=base,
        sri=sri_hash(LOADER),
        title=DEFAULT_TITLE,
        origins=settings().embed_allowed_origins,
        rate_limit=settings().rate_limit,
    )


@cache
def _read(path: Path) -> bytes:
    return path.read_bytes()


def sri_hash(path: Path) -> str:
    """The ``integrity`` value for a file: sha384, base64, as browsers check it."""
    digest = hashlib.sha384(_read(path)).digest()
    return "sha384-" + base64.b64encode(digest).decode("ascii")


def _embed_page(status: int, answer: Answer | None = None, **extra: Any) -> Response:
    view = embed_options()
    page = render_template(
        "embed/index.html", answer=answer, journey=journey_options(), **view, **extra
    )
    response = Response(page, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = crossorigin.embed_csp()
    return response


def embed_options() -> dict[str, str]:
    """Theme, title and the verified parent origin from the query string."""
    theme = request.args.get("theme", "nhs")
    title = " ".join(request.args.get("title", "").split())[:80] or DEFAULT_TITLE
    return {
        "theme": theme if theme in THEMES else "nhs",
        "title": title,
        "parent_origin": _parent_origin(request.args.get("host", "")),
    }


def _parent_origin(raw: str) -> str:
    """The host page's origin if it may frame us; empty turns messaging off."""
    try:
        origin = check_origin(raw) if raw else ""
    except ConfigError:
        return ""
    return origin if origin and crossorigin.is_allowed(origin) else ""


def journey_options() -> list[dict[str, str]]:
    """The first step's choices, when the guided journey is part of this app."""
    if "journey.api_node" not in current_app.view_functions:
        return []
    from assistant.journey.tree import ROOT_ID
    from assistant.web.journey import guide

    root = guide().journey.node(ROOT_ID)
    return [{"label": o.label, "id": o.to, "from": ROOT_ID} for o in root.options]
