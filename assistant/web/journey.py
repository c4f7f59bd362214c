"""The guided journey: one page per step, its JSON twin, and the evidence brief export.

No server state: the trail of visited steps, checklist ticks and the births figure travel
in the URL (`trail`, `done`, `births`), so pages can be bookmarked, work inside an iframe
without cookies, and any worker can answer any request.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, redirect, render_template, request
from flask import url_for as flask_url_for

from assistant.answer.cards import suggestion
from assistant.errors import CorpusError, ValidationError
from assistant.evidence.cards import Card
from assistant.journey.estimator import estimate, parse_births
from assistant.journey.evidence import (
    Visit,
    estimate_dict,
    extend_trail,
    parse_ticks,
    parse_trail,
    visits,
)
from assistant.journey.guide import Guide, load_guide, rebind
from assistant.journey.tree import ROOT_ID, Journey, Node
from assistant.search.citations import citation_dict
from assistant.search.engine import Engine
from assistant.web import engine, settings
from assistant.web.evidence import with_references

bp = Blueprint("journey", __name__)
_lock = threading.Lock()
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class State:
    """Where the user is: visited steps, ticked checklist items, births entered."""

    trail: tuple[str, ...]
    ticks: frozenset[str]
    births: str

    def query(self, trail: tuple[str, ...] | None = None) -> dict[str, Any]:
        args: dict[str, Any] = {"trail": ",".join(self.trail if trail is None else trail)}
        if self.ticks:
            args["done"] = sorted(self.ticks)
        if self.births:
            args["births"] = self.births
        return args


def guide() -> Guide:
    """The app's journey, rates and evidence cache; loading validates all three.

    When the server has switched to a newer index, the guide is loaded again for it, once,
    so journey evidence comes from the index that answers questions. If the journey files
    cannot be loaded then, the error is logged once and the previous journey is kept, moved
    onto the new index when its rates still hold there (so the old index is not kept in
    memory too); otherwise the previous guide keeps serving until the content is fixed.
    """
    current = engine()
    with _lock:
        loaded: Guide | None = current_app.extensions.get("pair.journey")
        tried = current_app.extensions.get("pair.journey_tried")
        if loaded is None:
            loaded = load_guide(settings().corpus_dir, current)
        elif loaded.evidence.engine is not current and tried is not current:
            loaded = _reload_guide(loaded, current)
        current_app.extensions["pair.journey"] = loaded
        current_app.extensions["pair.journey_tried"] = current
        return loaded


def _reload_guide(old: Guide, current: Engine) -> Guide:
    try:
        return load_guide(settings().corpus_dir, current)
    except CorpusError as exc:
        problem = exc.message.replace("\n", "; ")
    try:
        kept = rebind(old, current)
    except CorpusError:
        log.error("keeping the journey and index of the previous build: %s", problem)
        return old
    log.error("keeping the journey of the previous index: %s", problem)
    return kept


def current_state(journey: Journey) -> State:
    return State(
        trail=parse_trail(request.args.get("trail"), journey),
        ticks=parse_ticks(request.args.getlist("done"), journey),
        births=request.args.get("births", "").strip(),
    )


@bp.get("/journey")
def start() -> Response:
    return redirect(flask_url_for("journey.node", node_id=ROOT_ID))  # type: ignore[return-value]


@bp.get("/journey/<node_id>")
def node(node_id: str) -> str:
    """A step's page; a births figure that is not a number is shown as an error on the
    page (200, like any form a person fills in; the API answers 422)."""
    g = guide()
    step = g.journey.node(node_id)
    state = current_state(g.journey)
    result, error = _estimate(g, step, state)
    page = render_template(
        "journey/node.html",
        node=step,
        journey=g.journey,
        citations=g.evidence.citations(step),
        questions=step_cards(step.id),
        state=state,
        here=State(extend_trail(state.trail, step.id), state.ticks, state.births),
        back=g.journey.back(step.id, state.trail),
        estimate=result,
        errors=[("births", error)] if error else [],
    )
    return page


@bp.get("/api/journey/<node_id>")
def api_node(node_id: str) -> Response:
    g = guide()
    step = g.journey.node(node_id)
    state = current_state(g.journey)
    data = node_dict(g, step, state)
    if step.estimator and state.births:
        data["estimate"] = need_estimate(g, state.births)
    return jsonify(with_references(engine(), data))


@bp.get("/journey/export/brief.md")
def brief_markdown() -> Response:
    text = render_template("journey/brief.md", **_brief_context())
    headers = {"Content-Disposition": 'attachment; filename="pair-evidence-summary.md"'}
    return Response(text, mimetype="text/markdown", headers=headers)


@bp.get("/journey/export/brief.html")
def brief_html() -> str:
    return render_template("journey/brief.html", **_brief_context())


def node_dict(g: Guide, step: Node, state: State) -> dict[str, Any]:
    back = g.journey.back(step.id, state.trail)
    stage = g.journey.stage_of(step.id)
    return {
        "id": step.id,
        "title": step.title,
        "text": step.text,
        "stage": None if stage is None else {"id": stage.id, "label": stage.label},
        "trail": [{"id": t.stage.id, "label": t.stage.label, "current": t.current}
                  for t in g.journey.trail(step.id)],
        "options": [{"label": o.label, "id": o.to} for o in step.options],
        "back": None if back is None else back.id,
        "checklist": list(step.checklist),
        "signposts": [{"label": s.label, "url": s.url} for s in step.signposts],
        "estimator": step.estimator,
        "citations": [citation_dict(c) for c in g.evidence.citations(step)],
        "questions": [suggestion(c) for c in step_cards(step.id)],
    }  # fmt: skip


def step_cards(node_id: str) -> list[Card]:
    """The key-question cards that belong to a journey step, in file order."""
    return [c for c in engine().index.cards if c.step == node_id]


def _estimate(g: Guide, step: Node, state: State) -> tuple[dict[str, Any] | None, str | None]:
    if not (step.estimator and "births" in request.args):
        return None, None
    try:
        return need_estimate(g, state.births), None
    except ValidationError as exc:
        return None, exc.message


def need_estimate(g: Guide, births: str) -> dict[str, Any]:
    """The estimate for `births` as JSON, cited from the guide's own index."""
    return estimate_dict(estimate(parse_births(births), g.rates), g.rates, g.evidence.engine)


def references(steps: tuple[Visit, ...], need: dict[str, Any] | None) -> list[dict[str, Any]]:
    """One entry per source cited by the visited steps or the need estimate, by title."""
    refs = {c.source_id: citation_dict(c) for v in steps for c in v.citations}
    for c in (need or {}).get("citations", []):
        refs.setdefault(c["source_id"], c)
    return sorted(refs.values(), key=lambda c: str(c["title"]).lower())


def _brief_context() -> dict[str, Any]:
    g = guide()
    state = current_state(g.journey)
    steps = visits(g.journey, g.evidence, state.trail, state.ticks)
    need = None
    if state.births and any(v.node.estimator for v in steps):
        with contextlib.suppress(ValidationError):
            need = need_estimate(g, state.births)
    return {
        "steps": steps,
        "need": need,
        "sources": references(steps, need),
        "today": date.today().isoformat(),
        "state": state,
    }
