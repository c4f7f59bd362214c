"""The JSON API: ask, search, passages and a health check."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Response, jsonify, request

from assistant.answer.asking import answer, check_node
from assistant.answer.cardsearch import search_cards, search_payload
from assistant.answer.followup import check_history
from assistant.answer.queries import check_question
from assistant.errors import ValidationError
from assistant.lookup.finder import check_filters, check_page, lookup, parse_query
from assistant.lookup.results import check_k, result_dict
from assistant.search.retrieval import Hit
from assistant.web import engine, settings
from assistant.web.evidence import current_passage, with_references
from assistant.web.feedback import answer_payload, store
from assistant.web.hosts import base_url
from assistant.web.journey import guide

bp = Blueprint("api", __name__)


MAX_JSON_DEPTH = 16
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


class _BadJSON(ValidationError):
    code = "bad_request"
    status = 400


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 400 (not JSON) / 422 (not an object).

    Parsed here rather than with ``get_json`` so that hostile bodies are refused with a
    400, not a crash: nesting deeper than any real request (the parser would recurse until
    Python gives up) and strings holding lone surrogates (no text encoding can carry them).
    """
    if not request.is_json:
        raise _BadJSON("send a JSON body with Content-Type: application/json")
    try:
        text = request.get_data(cache=True).decode("utf-8")
    except UnicodeDecodeError:
        raise _BadJSON("the request body is not valid UTF-8") from None
    if _depth(text) > MAX_JSON_DEPTH:
        raise _BadJSON(f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        body = json.loads(text)
    except ValueError:
        raise _BadJSON("the request body is not valid JSON") from None
    if not _is_text(body):
        raise _BadJSON("the JSON body holds characters that are not text (lone surrogates)")
    if not isinstance(body, dict):
        raise ValidationError('the JSON body must be an object such as {"message": "..."}')
    return body


def _depth(text: str) -> int:
    """How deeply arrays and objects nest, ignoring brackets inside strings."""
    deepest = depth = 0
    for char in _JSON_STRING.sub('""', text):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _is_text(value: Any) -> bool:
    """True when every string (and key) in a parsed body encodes as UTF-8."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, list):
        return all(_is_text(v) for v in value)
    if isinstance(value, dict):
        return all(_is_text(k) and _is_text(v) for k, v in value.items())
    return True


@bp.post("/api/ask")
def ask() -> Response:
    """Answer `message`; an optional journey `node` is echoed and related steps added, and
    an optional `history` of earlier turns lets a follow-up lean on them."""
    body = json_body()
    question = check_question(body.get("message"), settings())
    history = check_history(body.get("history"), settings().max_question_chars)
    g = guide()
    node = check_node(body.get("node"), g.journey)
    reply = answer(engine(), g, question, node, history, settings().use_cards)
    return jsonify(with_references(engine(), answer_payload(reply, node)))


@bp.get("/api/search")
def search() -> Response:
    """Search with optional ``topic`` and ``source`` filters, facets and highlight offsets;
    matching key-question cards come apart from the passages, in ``cards``."""
    text = check_question(request.args.get("q", ""), settings(), field="q")
    k = check_k(request.args.get("k"), settings().top_k)
    topic, source = request.args.get("topic", ""), request.args.get("source", "")
    e = engine()
    check_filters(e, topic, source)
    page = check_page(request.args.get("page"))
    query = parse_query(text, topic, source)
    found = lookup(e, query, k, page)
    return jsonify(search_payload(e, found, search_cards(e, query, page), base_url()))


@bp.get("/api/passages/<passage_id>")
def passage(passage_id: str) -> Response:
    e = engine()
    found = current_passage(e, passage_id)
    hit = Hit(found, e.index.by_id[found.id], 0.0, 0.0, 0.0)
    data = result_dict(e, hit)
    del data["score"]
    return jsonify(data)


@bp.get("/healthz")
def healthz() -> Response:
    e = engine()
    manifest = e.index.manifest
    return jsonify(
        status="ok",
        index_loaded=True,
        passages=manifest["passage_count"],
        model=manifest["model"],
        build_id=manifest["build_id"],
        database="ok" if store().healthy() else "unavailable",
        corpus_errors=list(e.corpus_errors),
    )
