"""The chat page: a plain form that works without JavaScript; chat.js upgrades it.

The user's place in the journey travels in the URL (`?node=&trail=`) and in hidden form
fields, never a cookie, so a question asked at a step keeps them there and the answer page
links straight back to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from flask import Blueprint, render_template, request

from assistant.answer.asking import answer, check_node, remembered
from assistant.answer.compose import Answer
from assistant.answer.followup import Turn, check_history
from assistant.errors import ValidationError
from assistant.evidence.cards import Card
from assistant.journey.evidence import extend_trail, parse_trail
from assistant.journey.guide import Guide
from assistant.journey.tree import ROOT_ID, Node
from assistant.search.citations import Citation
from assistant.web import engine, settings
from assistant.web.feedback import record
from assistant.web.forms import check_form_question
from assistant.web.hosts import base_url
from assistant.web.journey import guide, need_estimate, step_cards

bp = Blueprint("chat", __name__)

STARTERS = (
    "How many specialised parent-infant relationship teams are there in England?",
    "What data do I need for a local needs analysis?",
    "Why do parent-infant relationships matter for later outcomes?",
    "How can a parent-infant team be funded and commissioned?",
    "Which outcome measures can a parent-infant service use?",
)


@dataclass(frozen=True)
class Place:
    """The journey step the user came from (if any) and the steps visited before it."""

    node: Node | None
    trail: tuple[str, ...]

    @property
    def trail_value(self) -> str:
        return ",".join(self.trail)


def place(g: Guide, values: Mapping[str, str]) -> Place:
    """Read `node` and `trail` from the query string or form; an unknown node is a 404."""
    node_id = check_node(values.get("node") or None, g.journey)
    trail = parse_trail(values.get("trail"), g.journey)
    if node_id is None:
        return Place(None, trail)
    return Place(g.journey.node(node_id), extend_trail(trail, node_id))


@dataclass(frozen=True)
class StepView:
    """A journey step shown inside the conversation, with what the user entered there."""

    node: Node
    trail: tuple[str, ...]
    citations: tuple[Citation, ...]
    questions: tuple[Card, ...]
    back: str | None
    births: str = ""
    estimate: dict[str, Any] | None = None
    error: str | None = None


def step_view(g: Guide, where: Place, births: str | None) -> StepView:
    """The step at `where` (the start when none), with an estimate if births were sent."""
    node = where.node or g.journey.start
    back = g.journey.back(node.id, where.trail[:-1])
    view = StepView(
        node,
        where.trail or (node.id,),
        tuple(g.evidence.citations(node)),
        tuple(step_cards(node.id)),
        back.id if back else None,
        births=(births or "").strip(),
    )
    if not (node.estimator and births is not None):
        return view
    try:
        return replace(view, estimate=need_estimate(g, view.births))
    except ValidationError as exc:
        return replace(view, error=exc.message)


def page(g: Guide, where: Place, reply: Answer | None = None, **extra: Any) -> str:
    cited = ",".join(c.id for c in reply.citations) if reply else ""
    return render_template(
        "chat/index.html",
        starters=STARTERS,
        answer=reply,
        answer_cited=cited,
        journey=g.journey,
        here=where,
        entry=g.journey.start.options,
        **extra,
    )


@bp.get("/")
def index() -> str:
    """The chat; `?step=<id>&trail=` shows that journey step in the conversation."""
    g = guide()
    args = request.args
    values = {"node": args.get("step") or args.get("node") or "", "trail": args.get("trail", "")}
    where = place(g, values)
    view = step_view(g, where, args.get("births"))
    if where.node is not None and where.node.id == ROOT_ID:
        where = Place(None, ())  # at the start nobody is "asking at a step" yet
    return page(g, where, step=view)


@bp.post("/")
def ask() -> tuple[str, int]:
    g = guide()
    where = place(g, request.form)
    text = request.form.get("message", "")
    try:
        question = check_form_question(text, settings())
    except ValidationError as exc:
        return page(g, where, error=exc.message, draft=text), 422
    node_id = where.node.id if where.node else None
    history = previous_turn(request.form)
    reply = answer(engine(), g, question, node_id, history, settings().use_cards)
    return page(g, where, reply, answer_id=record(reply, node_id)), 200


def previous_turn(form: Mapping[str, str]) -> tuple[Turn, ...]:
    """The earlier question and answer carried by the no-JavaScript form, as a one-turn
    history."""
    message = form.get("previous", "")
    cited = [c for c in form.get("previous_cited", "").split(",") if c]
    earlier = {"message": message, "citations": cited, "answer": form.get("previous_answer", "")}
    try:
        return check_history([earlier], settings().max_question_chars) if message.strip() else ()
    except ValidationError:
        return ()  # a damaged hidden field only loses the context, never the question


MAX_PRINTED = 10


@bp.get("/conversation")
def printable() -> str:
    """A printable page of a conversation: each question (`q`, repeated, oldest first)
    answered again in order, with full references. Nothing is stored: the questions travel
    in the link, and the same questions give the same answers."""
    g = guide()
    node = check_node(request.args.get("node") or None, g.journey)
    asked: list[Answer] = []
    history: list[Turn] = []
    for text in request.args.getlist("q")[-MAX_PRINTED:]:
        try:
            question = check_form_question(text, settings())
        except ValidationError:
            continue  # a damaged link loses that question, not the page
        reply = answer(engine(), g, question, node, tuple(history), settings().use_cards)
        asked.append(reply)
        if not reply.abstained:
            history.append(remembered(question, reply))
    return render_template("chat/print.html", answers=asked, base=base_url().rstrip("/"))
