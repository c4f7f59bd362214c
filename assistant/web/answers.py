"""Key-question card permalinks: ``/answers/<id>`` (a page) and ``/api/answers/<id>`` (JSON).

A card's page shows its summary, the label that says it is a summary, its review date and
each cited passage with the supporting sentence marked, so a reader can check it.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template

from assistant.answer.cards import CardMatch, card_answer
from assistant.errors import NotFound
from assistant.evidence.cards import Card
from assistant.web import engine

bp = Blueprint("answers", __name__)


def _card(card_id: str) -> Card:
    index = engine().index
    position = index.card_by_id.get(card_id.lower())
    if position is None:
        raise NotFound(f"no key-question card with id {card_id!r}")
    return index.cards[position]


@bp.get("/answers/<card_id>")
def card(card_id: str) -> tuple[str, int]:
    index = engine().index
    position = index.card_by_id.get(card_id.lower())
    if position is None:
        return render_template("answers/missing.html", card_id=card_id), 404
    found = index.cards[position]
    reply = card_answer(index, CardMatch(found, 1.0, 1.0), found.questions[0])
    return render_template("answers/card.html", card=found, answer=reply), 200


@bp.get("/api/answers/<card_id>")
def card_json(card_id: str) -> Response:
    found = _card(card_id)
    reply = card_answer(engine().index, CardMatch(found, 1.0, 1.0), found.questions[0])
    data = reply.to_dict()
    del data["confidence"]
    data["questions"] = list(found.questions)
    return jsonify(data)
