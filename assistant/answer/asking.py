"""Answer a free question, inside or outside the journey: the one path for API, chat and CLI.

Order matters. A question that looks like a parent asking about their own baby gets a
kind signpost and nothing from the evidence (no passage is ever offered as advice to a
parent). Anything else gets the extractive answer plus the journey steps closest to it
(by the query vector the answer already computed, so still one model call); when the
evidence does not cover it, the journey's entry points instead.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from assistant.answer import signpost
from assistant.answer.compose import Answer, extract
from assistant.errors import ValidationError
from assistant.journey.guide import Guide
from assistant.journey.tree import ROOT_ID, Journey
from assistant.search.engine import Engine

MAX_RELATED = 3


def check_node(value: Any, journey: Journey) -> str | None:
    """The journey step id the user is at, or None; 422 for a non-string, 404 if unknown."""
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("'node' must be the id of a journey step, such as \"needs\"")
    return journey.node(value.strip()).id


def answer(engine: Engine, guide: Guide, question: str, node: str | None = None) -> Answer:
    """The reply to `question` asked at journey step `node` (already checked)."""
    sign = signpost.check(question)
    if sign is not None:
        return signposted(question, sign, node)
    vector = engine.embed(question)  # the one model call, shared by answer and steps
    reply = extract(engine, question, vector)
    if reply.abstained:
        related = entry_points(guide.journey)
    else:
        related = guide.matcher.related(
            vector, MAX_RELATED, skip=[node or ROOT_ID], question=question
        )
    return with_journey(reply, guide.journey, node, related)


def signposted(question: str, sign: signpost.Signpost, node: str | None) -> Answer:
    """An abstaining answer that carries the signpost and no citations."""
    reply = Answer(
        question=question,
        answer=sign.answer,
        sentences=(),
        citations=(),
        abstained=True,
        confidence=0.0,
        extra={"signpost": sign.text, "signpost_kind": sign.kind},
    )
    return with_journey(reply, None, node, [])


def entry_points(journey: Journey) -> list[str]:
    """The steps the start page offers: where to begin when a question is out of scope."""
    return [o.to for o in journey.start.options]


def with_journey(
    reply: Answer, journey: Journey | None, node: str | None, related: list[str]
) -> Answer:
    """`reply` with `node` echoed and `related_nodes` as [{"id", "title"}]."""
    extra: dict[str, Any] = dict(reply.extra)
    if node is not None:
        extra["node"] = node
    extra["related_nodes"] = [
        {"id": i, "title": journey.node(i).title} for i in related if journey is not None
    ]
    return replace(reply, extra=extra)
