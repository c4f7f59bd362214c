"""The chat page: a plain form that works without JavaScript; chat.js upgrades it."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from assistant.errors import ValidationError
from assistant.queries import check_question
from assistant.web import engine, settings

bp = Blueprint("chat", __name__)

STARTERS = (
    "How many specialised parent-infant relationship teams are there in England?",
    "What data do I need for a local needs analysis?",
    "Why do parent-infant relationships matter for later outcomes?",
    "How can a parent-infant team be funded and commissioned?",
    "Which outcome measures can a parent-infant service use?",
)


@bp.get("/")
def index() -> str:
    return render_template("chat/index.html", starters=STARTERS, answer=None)


@bp.post("/")
def ask() -> tuple[str, int]:
    text = request.form.get("message", "")
    try:
        question = check_question(text, settings())
    except ValidationError as exc:
        page = render_template(
            "chat/index.html", starters=STARTERS, answer=None, error=exc.message, draft=text
        )
        return page, 422
    answer = engine().ask(question)
    return render_template("chat/index.html", starters=STARTERS, answer=answer), 200
