"""The chat page: a plain form that works without JavaScript; chat.js upgrades it.

The user's place in the journey travels in the URL (`?node=&trail=`) and in hidden form
fields, never a cookie, so a question asked at a step keeps them there and the answer page
links straight back to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request

from assistant.answer.asking import answer, check_node
from assistant.answer.compose import Answer
from assistant.answer.followup import Turn, check_history
from assistant.answer.queries import check_question
from assistant.errors import ValidationError
from assistant.journey.evidence import extend_trail, parse_trail
from assistant.journey.guide import Guide
from assistant.journey.tree import Node
from assistant.web import engine, settings
from assistant.web.feedback import record
from assistant.web.journey import guide

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
    g = guide()
    return page(g, place(g, request.args))


@bp.post("/")
def ask() -> tuple[str, int]:
    g = guide()
    where = place(g, request.form)
    text = request.form.get("message", "")
    try:
        question = check_question(text, settings())
    except ValidationError as exc:
        return page(g, where, error=exc.message, draft=text), 422
    node_id = where.node.id if where.node else None
    history = previous_turn(request.form)
    reply = answer(engine(), g, question, node_id, history, settings().use_cards)
    return page(g, where, reply, answer_id=record(reply, node_id)), 200


def previous_turn(form: Mapping[str, str]) -> tuple[Turn, ...]:
    """The earlier question carried by the no-JavaScript form, as a one-turn history."""
    message = form.get("previous", "")
    cited = [c for c in form.get("previous_cited", "").split(",") if c]
    try:
        return (
            check_history([{"message": message, "citations": cited}], settings().max_question_chars)
            if message.strip()
            else ()
        )
    except ValidationError:
        return ()  # a damaged hidden field only loses the context, never the question
