"""`POST /api/ask` inside the journey: the node is kept, related steps are offered, parents
are signposted. End to end with the real model and index."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from assistant.config import PROJECT_ROOT
from assistant.journey.tree import load_journey

JOURNEY = load_journey(PROJECT_ROOT / "corpus" / "journey.yaml")
ENTRY_POINTS = [o.to for o in JOURNEY.start.options]


def ask(client: FlaskClient, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = client.post("/api/ask", json=body)
    return response.status_code, response.get_json()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What data do I need for a local needs analysis?", "needs"),
        ("How can a parent-infant team be funded and commissioned?", "fund"),
        ("How do I write a theory of change?", "evaluate-theory"),
        ("What workforce does a parent-infant team need?", "plan-workforce"),
        ("Why do parent-infant relationships matter for later outcomes?", "why"),
        ("Which outcome measures can a parent-infant service use?", "evaluate-measures"),
        ("What is the PIR-GAS?", "evaluate-measures"),
        ("What is a Section 75 agreement?", "fund-joint"),
    ],
)
def test_free_questions_offer_the_closest_journey_steps(
    client: FlaskClient, question: str, expected: str
) -> None:
    status, data = ask(client, {"message": question})
    assert status == 200 and not data["abstained"]
    ids = [r["id"] for r in data["related_nodes"]]
    assert 1 <= len(ids) <= 3
    assert expected in ids
    assert all(r["title"] == JOURNEY.node(r["id"]).title for r in data["related_nodes"])
    assert "node" not in data


def test_the_node_is_echoed_and_not_offered_as_somewhere_to_go(client: FlaskClient) -> None:
    status, data = ask(
        client, {"message": "What data do I need for needs analysis?", "node": "needs"}
    )
    assert status == 200
    assert data["node"] == "needs"
    assert "needs" not in [r["id"] for r in data["related_nodes"]]
    assert data["citations"]


def test_out_of_scope_questions_abstain_and_offer_three_things_near_the_step(
    client: FlaskClient,
) -> None:
    status, data = ask(client, {"message": "What is the best recipe for lasagne?", "node": "plan"})
    assert status == 200
    assert data["abstained"] is True and data["citations"] == []
    plan = JOURNEY.node("plan")
    assert [r["id"] for r in data["related_nodes"]] == [o.to for o in plan.options][:3]
    tried = data["try_questions"]
    assert len(tried) == 3 and all(t["question"] and t["card_id"] for t in tried)
    assert data["node"] == "plan"


@pytest.mark.parametrize(
    "question", ["can you book me a train?", "can you book me a taxi?", "book a meeting room"]
)
def test_a_stray_request_at_a_step_is_not_answered_with_the_steps_words(
    client: FlaskClient, question: str
) -> None:
    # read against "Specialised parent-infant relationship teams" it scores past the
    # threshold, on training and teams: the reply would say nothing of what was asked
    status, data = ask(client, {"message": question, "node": "plan-team"})
    assert status == 200
    assert data["abstained"] is True and data["citations"] == []
    assert "interpreted_as" not in data


def test_a_question_read_against_the_step_is_answered_in_its_own_words(
    client: FlaskClient,
) -> None:
    history = [{"message": "How much clinical supervision should parent-infant therapists get?"}]
    status, data = ask(
        client, {"message": "can their line manager provide it?", "history": history}
    )
    assert status == 200 and not data["abstained"]
    assert "line manag" in data["answer"].lower()


def test_out_of_scope_questions_at_the_start_offer_three_entry_points(client: FlaskClient) -> None:
    status, data = ask(client, {"message": "What is the best recipe for lasagne?"})
    assert status == 200 and data["abstained"] is True
    assert [r["id"] for r in data["related_nodes"]] == ENTRY_POINTS[:3]
    assert len(data["try_questions"]) == 3


@pytest.mark.parametrize(
    "question",
    ["my baby won't stop crying", "I don't feel any bond with my son"],
)
def test_a_parent_gets_a_signpost_and_no_evidence(client: FlaskClient, question: str) -> None:
    status, data = ask(client, {"message": question, "node": "why"})
    assert status == 200
    assert data["abstained"] is True
    assert data["citations"] == [] and data["sentences"] == []
    assert "health visitor" in data["signpost"] and "NHS 111" in data["signpost"]
    assert data["related_nodes"] == [] and data["node"] == "why"


def test_someone_in_danger_is_told_to_call_999(client: FlaskClient) -> None:
    status, data = ask(client, {"message": "I'm scared I might hurt my baby"})
    assert status == 200 and data["abstained"] is True and data["citations"] == []
    assert data["answer"] == "Get help now."
    assert data["signpost"].startswith("If you or your baby are in danger now, call 999.")
    assert "0808 2000 247" in data["signpost"] and data["signpost_kind"] == "urgent"
    first, rest = data["signpost_parts"]
    assert first == [{"text": "Get help now.", "tel": None}]
    assert {"text": "999", "tel": "999"} in rest
    assert {"text": "0808 2000 247", "tel": "08082000247"} in rest


@pytest.mark.parametrize(
    "question",
    [
        "how do parents access help for their baby in our area?",
        "what support do mothers with postnatal depression need?",
    ],
)
def test_commissioner_questions_about_parents_get_evidence(
    client: FlaskClient, question: str
) -> None:
    status, data = ask(client, {"message": question})
    assert status == 200 and "signpost" not in data


def test_unknown_node_is_a_404_json_error(client: FlaskClient) -> None:
    status, data = ask(client, {"message": "Why does this matter?", "node": "no-such-step"})
    assert status == 404
    assert data == {
        "error": {"code": "not_found", "message": "there is no journey step with id `no-such-step`"}
    }


@pytest.mark.parametrize("node", [5, ["needs"], {"id": "needs"}, "", "  ", True])
def test_a_node_that_is_not_an_id_is_a_422(client: FlaskClient, node: object) -> None:
    status, data = ask(client, {"message": "Why does this matter?", "node": node})
    assert status == 422
    assert data["error"]["code"] == "invalid_input"
    assert "'node'" in data["error"]["message"]


def test_null_node_is_the_same_as_none(client: FlaskClient) -> None:
    status, data = ask(client, {"message": "How do I write a theory of change?", "node": None})
    assert status == 200 and "node" not in data and data["related_nodes"]
