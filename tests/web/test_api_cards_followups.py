"""/api/ask with key-question cards and follow-up questions (real model, real index)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient

from assistant.evidence.cards import LABEL
from assistant.search.engine import Engine


def ask(client: FlaskClient, body: dict[str, Any], status: int = 200) -> dict[str, Any]:
    response = client.post("/api/ask", json=body)
    assert response.status_code == status, response.get_json()
    data: dict[str, Any] = response.get_json()
    return data


def test_a_card_phrasing_gets_the_cards_summary_labelled_and_cited(
    client: FlaskClient, engine: Engine
) -> None:
    card = engine.index.cards[0]
    data = ask(client, {"message": card.questions[0]})
    assert data["kind"] == "card" and data["card_id"] == card.id
    assert data["label"] == LABEL and data["reviewed"] == card.reviewed
    assert data["answer"].startswith(card.sentences[0].text)
    assert {c["id"] for c in data["citations"]} == set(card.passage_ids())
    assert all(c["highlights"] for c in data["citations"])
    assert all(
        set(s["citations"]) <= {c["n"] for c in data["citations"]} for s in data["sentences"]
    )


def test_extracts_and_cards_both_offer_card_questions_to_ask_next(client: FlaskClient) -> None:
    data = ask(client, {"message": "What does a specialised parent-infant relationship team do?"})
    assert not data["abstained"]
    upcoming = data["next_questions"]
    assert 1 <= len(upcoming) <= 3
    assert all(q["question"] and q["card_id"] != data.get("card_id") for q in upcoming)


def test_an_unrelated_question_matches_no_card_and_abstains(client: FlaskClient) -> None:
    data = ask(client, {"message": "How do I renew my passport?"})
    assert data["abstained"] and "card_id" not in data and data["citations"] == []


def test_a_follow_up_is_read_against_the_earlier_question(client: FlaskClient) -> None:
    first = ask(client, {"message": "Can the NHS and the council pool budgets under section 75?"})
    history = [{"message": first["question"], "citations": [c["id"] for c in first["citations"]]}]
    data = ask(client, {"message": "how long does it take to set up?", "history": history})
    assert data["interpreted_as"] == first["question"]
    assert not data["abstained"]
    assert "section 75" in " ".join(c["text"] for c in data["citations"]).lower()


def turn(reply: dict[str, Any]) -> dict[str, Any]:
    """The turn a client keeps of a reply, as the chat page sends it back."""
    cited = [c["id"] for c in reply["citations"]]
    return {"message": reply["question"], "citations": cited, "answer": reply["answer"]}


def test_a_follow_up_adds_to_what_the_reader_was_shown(client: FlaskClient) -> None:
    first = ask(client, {"message": "What does the Family Nurse Partnership cost per child?"})
    assert not first["abstained"]
    body = {"message": "and is it good value for money?", "history": [turn(first)]}
    again = ask(client, body)
    assert again["interpreted_as"] == first["question"] and not again["abstained"]
    assert again.get("card_id") is None or again.get("card_id") != first.get("card_id")
    quoted = [s["text"] for s in again["sentences"]]
    assert not any(q in first["answer"] for q in quoted), quoted
    assert "cost" in again["answer"].lower()


def test_a_follow_up_quotes_the_sentence_that_says_what_it_asks(client: FlaskClient) -> None:
    first = ask(client, {"message": "Tell me about Watch, Wait and Wonder"})
    again = ask(client, {"message": "how many weekly sessions?", "history": [turn(first)]})
    assert again["interpreted_as"] == first["question"]
    assert "18" in again["answer"], again["answer"]


def test_a_question_on_measuring_quotes_sentences_that_name_a_measure(
    client: FlaskClient,
) -> None:
    data = ask(client, {"message": "How do I measure parental sensitivity?"})
    quoted = [s["text"] for s in data["sentences"]]
    assert len(quoted) >= 2 and all(re.search(r"measur|scale|score", q) for q in quoted), quoted


def test_a_follow_up_on_measuring_a_figure_locally_quotes_how_an_area_did_it(
    client: FlaskClient,
) -> None:
    question = "What is the NSPCC's estimate of babies living with a parent with mental illness?"
    first = ask(client, {"message": question})
    again = ask(client, {"message": "how would we measure that locally?", "history": [turn(first)]})
    assert again["interpreted_as"] == first["question"]
    assert re.search(r"applied .* rates to the area's births", again["answer"]), again["answer"]


def test_without_history_the_same_follow_up_has_nothing_to_lean_on(client: FlaskClient) -> None:
    data = ask(client, {"message": "how long does it take to set up?"})
    assert "interpreted_as" not in data


def test_unknown_passage_ids_in_history_are_ignored(client: FlaskClient) -> None:
    history = [{"message": "What is a JSNA?", "citations": ["ffffffffffff", "nonsense"]}]
    data = ask(client, {"message": "who has to write it?", "history": history})
    assert data["interpreted_as"] == "What is a JSNA?"


@pytest.mark.parametrize(
    "history",
    [
        "what is a JSNA",
        [{"message": 5}],
        [{"message": "x" * 1001}],
        [{"message": "ok", "citations": "abc"}],
        [{"text": "wrong key"}],
        [{"message": "q"}] * 11,
    ],
)
def test_a_bad_history_is_a_422_with_the_error_shape(client: FlaskClient, history: Any) -> None:
    data = ask(client, {"message": "is it effective?", "history": history}, status=422)
    assert data["error"]["code"] == "invalid_input" and "history" in data["error"]["message"]


def test_a_card_has_a_permalink_page_and_json(client: FlaskClient, engine: Engine) -> None:
    card = engine.index.cards[0]
    page = client.get(f"/answers/{card.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert LABEL in html and card.reviewed in html
    data = client.get(f"/api/answers/{card.id.upper()}").get_json()
    assert data["card_id"] == card.id and data["questions"] == list(card.questions)
    assert client.get("/answers/no-such-card").status_code == 404
    assert client.get("/api/answers/no-such-card").get_json()["error"]["code"] == "not_found"


def test_a_journey_step_lists_the_questions_people_ask_there(
    client: FlaskClient, engine: Engine
) -> None:
    card = next(c for c in engine.index.cards if c.step)
    data = client.get(f"/api/journey/{card.step}").get_json()
    listed = {"card_id": card.id, "question": card.questions[0], "under_review": False}
    assert listed in data["questions"]
    html = client.get(f"/journey/{card.step}").get_data(as_text=True)
    assert "Questions people ask here" in html and f"/answers/{card.id}" in html


def test_the_no_javascript_chat_carries_the_previous_question(client: FlaskClient) -> None:
    first = client.post("/", data={"message": "What is a Joint Strategic Needs Assessment?"})
    html = first.get_data(as_text=True)
    assert 'name="previous" value="What is a Joint Strategic Needs Assessment?"' in html
    second = client.post(
        "/", data={"message": "who is responsible for it?", "previous": "What is a JSNA?"}
    )
    assert "Read as a follow-up to: <em>What is a JSNA?</em>" in second.get_data(as_text=True)


def test_the_head_question_on_team_counts_states_the_england_figure(client: FlaskClient) -> None:
    data = ask(client, {"message": "How many specialised parent-infant teams are in England?"})
    assert data["kind"] == "card" and data["label"] == LABEL
    assert "fewer than 40" in data["answer"].lower()


def test_a_card_written_for_another_kind_of_question_scores_lower(engine: Engine) -> None:
    from assistant.answer import cards
    from assistant.answer.intent import Intent, intent_of

    index = engine.index
    card = next(
        c
        for c in index.cards
        if Intent.DEFINE not in cards.offered(c) and cards.offered(c) - {Intent.OPEN}
    )
    phrasing = next(q for q in card.questions if intent_of(q) not in (Intent.NONE, Intent.OPEN))
    vector = engine.embed(phrasing)
    terms = index.lexical.query_terms(phrasing)
    fitting = cards.best_card(index, vector, terms, intent_of(phrasing))
    defining = cards.best_card(index, vector, terms, Intent.DEFINE)
    assert fitting is not None and defining is not None and fitting.card == card
    if defining.card == card:
        assert defining.score == pytest.approx(fitting.score - cards.INTENT_PENALTY, abs=1e-3)
    else:
        assert defining.score < fitting.score


def test_a_short_question_that_finds_nothing_alone_is_read_against_the_conversation(
    client: FlaskClient,
) -> None:
    history = [{"message": "What is video interaction guidance?", "citations": []}]
    alone = ask(client, {"message": "how many sessions are usual?"})
    data = ask(client, {"message": "how many sessions are usual?", "history": history})
    assert alone["abstained"]
    assert not data["abstained"] and data["interpreted_as"] == history[0]["message"]


def test_a_follow_up_naming_a_new_place_gets_no_card_about_the_old_one(
    client: FlaskClient, engine: Engine
) -> None:
    from assistant.answer import cards

    first = ask(
        client, {"message": "What perinatal mental health support does Northern Ireland have?"}
    )
    history = [{"message": first["question"], "citations": [c["id"] for c in first["citations"]]}]
    data = ask(client, {"message": "and in Wales?", "history": history})
    if data.get("kind") == "card":
        card = next(c for c in engine.index.cards if c.id == data["card_id"])
        assert cards.speaks_to(engine.index, card, engine.index.lexical.query_terms("Wales"))


def test_a_follow_up_gets_a_card_that_speaks_to_it_at_the_usual_threshold(
    client: FlaskClient, engine: Engine
) -> None:
    history: list[dict[str, Any]] = []
    for message in (
        "Are there specialist perinatal mental health teams in Northern Ireland?",
        "does it have a mother and baby unit?",
    ):
        data = ask(client, {"message": message, "history": history})
        history.append(
            {
                "message": message,
                "citations": [c["id"] for c in data["citations"]],
                "answer": data["answer"],
            }
        )
    data = ask(client, {"message": "and Wales?", "history": history})
    assert data["interpreted_as"] == history[0]["message"]
    assert data["kind"] == "card", data["answer"]
    assert engine.settings.card_threshold <= data["confidence"], data["confidence"]
    assert "Wales" in data["answer"]


def test_a_follow_ups_extract_stays_with_the_conversations_topic(client: FlaskClient) -> None:
    """No cost figure for Circle of Security is in the evidence: the reply must not borrow
    one from a passage on another subject that merely speaks of cost."""
    first = ask(client, {"message": "What is Circle of Security Parenting?"})
    second = ask(
        client,
        {"message": "what does it cost per family?", "history": [turn(first)]},
    )
    assert second["kind"] == "extract" and second["citations"]
    for citation in second["citations"]:
        assert re.search(r"Circle of Security|COS-P", citation["text"]), citation["title"]


def test_a_follow_up_at_a_step_gets_no_card_written_for_another_kind_of_question(
    client: FlaskClient,
) -> None:
    """At the joint commissioning step, "how long does it take?" asks a duration: the card
    defining joint commissioning, close in topic, does not say one."""
    data = ask(client, {"message": "how long does it take?", "node": "fund-joint"})
    assert data["interpreted_as"] and data["citations"]
    assert data.get("card_id") != "what-is-joint-commissioning", data["answer"]
    assert re.search(r"\btime\b", data["answer"]), data["answer"]
