"""The staff search page: a plain GET form with filters; search.js adds results as you type.

Key-question cards that match the search come first, as their own group, on the first page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from assistant.answer.cardsearch import search_cards
from assistant.answer.queries import check_question
from assistant.errors import ValidationError
from assistant.lookup.finder import check_filters, check_page, lookup, page_numbers, parse_query
from assistant.web import engine, settings
from assistant.web.evidence import page_helpers
from assistant.web.feedback import record_search_miss

bp = Blueprint("search", __name__)


@bp.get("/search")
def page() -> tuple[str, int]:
    q = request.args.get("q", "")
    topic, source = request.args.get("topic", ""), request.args.get("source", "")
    e = engine()
    view: dict[str, Any] = {"q": q, "topic": topic, "source": source, "found": None, "cards": ()}
    view["page_numbers"] = page_numbers
    view["k"] = settings().search_results
    view.update(topics=e.index.topics, sources=e.index.sources, **page_helpers(e))
    if not q.strip():
        return render_template("search/page.html", **view), 200
    try:
        text = check_question(q, settings(), field="q")
        check_filters(e, topic, source)
        page = check_page(request.args.get("page"))
        query = parse_query(text, topic, source)
        view["found"] = lookup(e, query, settings().search_results, page)
        view["cards"] = search_cards(e, query, page)
    except ValidationError as exc:
        return render_template("search/page.html", error=exc.message, **view), 422
    if not view["found"].matches:
        record_search_miss(text)
    return render_template("search/page.html", **view), 200
