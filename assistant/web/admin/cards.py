"""Key-question cards for the evidence team: what needs re-checking, and what is missing.

Everything shown comes from the build the server answers from (the review state of each
card is decided when the corpus is read and stored with the index), so the page reads no
files and compares no passages itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flask import Response, jsonify, render_template, request

from assistant.evidence.cards import Card
from assistant.journey.tree import Node
from assistant.web.admin import bp

SHOW = {"review": "Under review", "all": "Every card"}


@dataclass(frozen=True)
class Listed:
    card: Card
    step_title: str | None  # None: the card names a step the journey does not have


@dataclass(frozen=True)
class Overview:
    cards: list[Listed]
    bare_steps: list[tuple[str, str]]  # (step id, title) of journey steps without a card

    @property
    def under_review(self) -> int:
        return sum(i.card.under_review for i in self.cards)


def overview() -> Overview:
    from assistant.web.journey import guide

    found = guide()  # the journey and the cards of one index, even during a switch
    nodes = found.journey.nodes
    cards = found.evidence.engine.index.cards
    listed = [Listed(c, _step_title(nodes, c.step)) for c in cards]
    # oldest review first: what has gone longest without a look
    listed.sort(key=lambda i: (not i.card.under_review, i.card.reviewed, i.card.id))
    stepped = {c.step for c in cards}
    bare = [(n.id, n.title) for n in nodes.values() if n.id not in stepped]
    return Overview(listed, bare)


def _step_title(nodes: Mapping[str, Node], step: str | None) -> str | None:
    """The title of the card's step; "" when it names none, None when it is not there."""
    if not step:
        return ""
    node = nodes.get(step)
    return node.title if node is not None else None


def _show() -> str:
    show = request.args.get("show", "review")
    return show if show in SHOW else "review"


@bp.get("/cards")
def cards() -> str:
    found = overview()
    show = _show()
    shown = [i for i in found.cards if show == "all" or i.card.under_review]
    return render_template("admin/cards.html", overview=found, shown=shown, show=show, shows=SHOW)


@bp.get("/api/cards")
def api_cards() -> Response:
    found = overview()
    return jsonify(
        count=len(found.cards),
        under_review=found.under_review,
        steps_without_cards=[{"id": i, "title": t} for i, t in found.bare_steps],
        cards=[
            {
                "id": i.card.id,
                "question": i.card.questions[0],
                "step": i.card.step,
                "step_title": i.step_title,
                "reviewed": i.card.reviewed,
                "under_review": i.card.under_review,
                "changes": list(i.card.changes),
                "file": i.card.file,
                "line": i.card.line,
            }
            for i in found.cards
        ],
    )
