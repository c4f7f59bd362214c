"""Answer ids and feedback: the API contract, the no-JavaScript forms and what is stored."""

from __future__ import annotations

import re
import time
from dataclasses import replace

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

from assistant.config import Settings
from assistant.search.engine import Engine
from assistant.store.answers import Asked, inbox, insert_rows, record_answer, save_answer
from assistant.store.database import Store, get_store, secret_key
from assistant.store.recorder import Recorder
from assistant.web import create_app, feedback

ANSWERED = "How many specialised parent-infant teams are in England?"
REFUSED = "What is the best recipe for lemon drizzle cake? Email me at jo@example.com"
PARENT = "My baby won't stop crying and I can't cope, what should I do?"


@pytest.fixture()
def fresh(settings: Settings, engine: Engine, tmp_path) -> Flask:  # type: ignore[no-untyped-def]
    """An app on its own empty SQLite database."""
    own = replace(settings, instance_dir=tmp_path)
    get_store(own).upgrade()
    return create_app({"TESTING": True}, settings=own)


def db(app: Flask) -> Store:
    return get_store(app.extensions["pair.settings"])


def ask(client: FlaskClient, message: str) -> dict:
    response = client.post("/api/ask", json={"message": message})
    assert response.status_code == 200
    return response.get_json()


def test_every_answer_has_an_answer_id_that_takes_feedback(fresh: Flask) -> None:
    client = fresh.test_client()
    data = ask(client, ANSWERED)
    assert isinstance(data["answer_id"], str) and data["answer_id"]
    response = client.post("/api/feedback", json={"answer_id": data["answer_id"], "helpful": True})
    assert response.status_code == 200
    assert response.get_json() == {"recorded": True, "helpful": True}
    assert inbox(db(fresh), unanswered_only=False) == []  # a helpful answer stores no text


def test_not_helpful_brings_the_scrubbed_question_and_comment_to_the_inbox(fresh: Flask) -> None:
    client = fresh.test_client()
    data = ask(client, ANSWERED + " Call me on 07700 900123")
    body = {
        "answer_id": data["answer_id"],
        "helpful": False,
        "comment": "Too old, ring 07700 900123",
    }
    assert client.post("/api/feedback", json=body).status_code == 200
    [item] = inbox(db(fresh))
    assert item.question == ANSWERED + " Call me on [phone number]"
    assert item.comment == "Too old, ring [phone number]"
    assert item.reason == "Marked not helpful" and item.passage_ids


def test_a_refused_question_is_stored_scrubbed(fresh: Flask) -> None:
    data = ask(fresh.test_client(), REFUSED)
    assert data["abstained"] and data["answer_id"]
    [item] = inbox(db(fresh))
    assert item.question == "What is the best recipe for lemon drizzle cake? Email me at [email]"
    assert item.kind == "refused"


def test_a_parents_question_is_never_stored(fresh: Flask) -> None:
    client = fresh.test_client()
    data = ask(client, PARENT)
    assert data["signpost"]
    client.post("/api/feedback", json={"answer_id": data["answer_id"], "helpful": False})
    assert inbox(db(fresh), unanswered_only=False) == []
    client.post("/", data={"message": PARENT})
    assert inbox(db(fresh), unanswered_only=False) == []


@pytest.mark.parametrize(
    ("policy", "stored"),
    [("none", []), ("all", [REFUSED.replace("jo@example.com", "[email]"), ANSWERED])],
)
def test_the_storage_setting_decides_what_is_kept(
    settings: Settings,
    engine: Engine,
    tmp_path,
    policy: str,
    stored: list[str],  # type: ignore[no-untyped-def]
) -> None:
    own = replace(settings, instance_dir=tmp_path, store_questions=policy)
    get_store(own).upgrade()
    client = create_app({"TESTING": True}, settings=own).test_client()
    ids = [ask(client, q)["answer_id"] for q in (ANSWERED, REFUSED)]
    client.post("/api/feedback", json={"answer_id": ids[0], "helpful": False})
    assert sorted(i.question for i in inbox(get_store(own), unanswered_only=False)) == sorted(
        stored
    )


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"helpful": True}, 422, "'answer_id' must be the answer_id string"),
        ({"answer_id": 7, "helpful": True}, 422, "'answer_id' must be"),
        ({"answer_id": "x", "helpful": "yes"}, 422, "'helpful' must be true or false"),
        ({"answer_id": "x", "helpful": 1}, 422, "'helpful' must be true or false"),
        ({"answer_id": "x", "helpful": True, "comment": 5}, 422, "'comment' must be a string"),
        ({"answer_id": "x", "helpful": True, "comment": "a" * 501}, 422, "at most 500"),
        ({"answer_id": "forged", "helpful": True}, 404, "there is no answer with that answer_id"),
        ([1, 2], 422, "must be an object"),
    ],
)
def test_bad_feedback_is_refused_with_a_json_error(
    client: FlaskClient, body: object, status: int, message: str
) -> None:
    response = client.post("/api/feedback", json=body)
    assert response.status_code == status
    assert message in response.get_json()["error"]["message"]


def test_feedback_needs_json(client: FlaskClient) -> None:
    response = client.post("/api/feedback", data="answer_id=x")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"


def test_an_expired_or_purged_answer_takes_no_feedback(
    fresh: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = URLSafeTimedSerializer(
        secret_key(fresh.extensions["pair.settings"]), salt="pair-answer-id"
    )
    client = fresh.test_client()
    now = time.time()
    with monkeypatch.context() as past:
        past.setattr(time, "time", lambda: now - 25 * 3600)
        stale = signer.dumps({"a": 1, "q": None})
    response = client.post("/api/feedback", json={"answer_id": stale, "helpful": True})
    assert response.status_code == 404
    assert "older than 24 hours" in response.get_json()["error"]["message"]
    gone = signer.dumps({"a": 10_000, "q": None})
    response = client.post("/api/feedback", json={"answer_id": gone, "helpful": True})
    assert response.status_code == 404
    assert "no longer kept" in response.get_json()["error"]["message"]


def test_an_answer_id_given_before_refs_still_takes_feedback(fresh: Flask) -> None:
    signer = URLSafeTimedSerializer(
        secret_key(fresh.extensions["pair.settings"]), salt="pair-answer-id"
    )
    row = record_answer(db(fresh), Asked("extract", 0.8, passage_ids=("p1",)))
    older = signer.dumps({"a": row, "q": "How is the team funded?"})
    response = fresh.test_client().post(
        "/api/feedback", json={"answer_id": older, "helpful": False}
    )
    assert response.status_code == 200
    assert [i.question for i in inbox(db(fresh))] == ["How is the team funded?"]


def test_feedback_waits_for_a_row_another_worker_has_not_written_yet(
    fresh: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    signer = URLSafeTimedSerializer(
        secret_key(fresh.extensions["pair.settings"]), salt="pair-answer-id"
    )
    elsewhere = Recorder(lambda rows: insert_rows(db(fresh), rows), delay=0.5)  # not this one's
    ref = save_answer(db(fresh), Asked("extract", 0.8), elsewhere)
    body = {"answer_id": signer.dumps({"r": ref, "q": None}), "helpful": True}
    client = fresh.test_client()
    assert client.post("/api/feedback", json=body).status_code == 200  # once it was written
    monkeypatch.setattr(feedback, "WRITE_GRACE", 0.2)
    never = {"answer_id": signer.dumps({"r": "never-written", "q": None}), "helpful": True}
    started = time.monotonic()
    response = client.post("/api/feedback", json=never)
    assert response.status_code == 404  # after waiting as long as a worker may hold a row
    assert time.monotonic() - started >= 0.2
    elsewhere.stop()


def test_an_answer_id_from_another_key_is_unknown(fresh: Flask) -> None:
    foreign = URLSafeTimedSerializer("another key", salt="pair-answer-id").dumps(
        {"a": 1, "q": None}
    )
    response = fresh.test_client().post(
        "/api/feedback", json={"answer_id": foreign, "helpful": True}
    )
    assert response.status_code == 404


def test_feedback_is_rate_limited_like_the_api(settings: Settings, engine: Engine) -> None:
    app = create_app({"TESTING": True}, settings=replace(settings, rate_limit="2/minute"))
    client = app.test_client()
    codes = [
        client.post("/api/feedback", json={"answer_id": "x", "helpful": True}).status_code
        for _ in range(3)
    ]
    assert codes == [404, 404, 429]


def test_the_no_javascript_chat_form_offers_and_takes_feedback(fresh: Flask) -> None:
    client = fresh.test_client()
    page = client.post("/", data={"message": ANSWERED}).get_data(as_text=True)
    assert "Was this helpful?" in page and "Do not include personal information." in page
    answer_id = re.search(r'name="answer_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    done = client.post(
        "/feedback", data={"answer_id": answer_id, "helpful": "no", "comment": "old"}
    )
    assert done.status_code == 200
    assert "Thank you. Your feedback was recorded." in done.get_data(as_text=True)
    assert [i.comment for i in inbox(db(fresh))] == ["old"]
    bad = client.post("/feedback", data={"answer_id": "forged", "helpful": "no"})
    assert bad.status_code == 404
    assert "There is no answer with that answer_id." in bad.get_data(as_text=True)


def test_the_no_javascript_widget_form_takes_feedback(fresh: Flask) -> None:
    client = fresh.test_client()
    page = client.post("/embed", data={"message": ANSWERED}).get_data(as_text=True)
    answer_id = re.search(r'name="answer_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert 'action="/embed/feedback' in page
    done = client.post("/embed/feedback", data={"answer_id": answer_id, "helpful": "yes"})
    assert done.status_code == 200
    assert "Thank you. Your feedback was recorded." in done.get_data(as_text=True)
    assert "frame-ancestors" in done.headers["Content-Security-Policy"]


def test_no_feedback_form_on_a_signpost(fresh: Flask) -> None:
    page = fresh.test_client().post("/", data={"message": PARENT}).get_data(as_text=True)
    assert "Was this helpful?" not in page


@pytest.mark.parametrize("delay", [0.0, 0.5])
def test_a_database_outage_never_fails_an_answer(
    settings: Settings, engine: Engine, delay: float, caplog: pytest.LogCaptureFixture
) -> None:
    down = replace(
        settings,
        database_url=f"postgresql+psycopg://nobody@127.0.0.1:1/none{delay:g}",
        record_delay_seconds=delay,
    )
    client = create_app({"TESTING": True}, settings=down).test_client()
    first = ask(client, ANSWERED)
    assert first["sentences"]
    if first["answer_id"] is not None:  # queued for the writer before the database was tried
        assert delay > 0
        late = client.post("/api/feedback", json={"answer_id": first["answer_id"], "helpful": True})
        assert late.status_code == 503  # its write failed; the database is still down
    # once a write has failed, answers are recorded in their requests again: without one
    data = ask(client, ANSWERED)
    assert data["answer_id"] is None and data["sentences"]
    assert "not recorded: database unavailable (OperationalError)" in caplog.text
    assert "specialised" not in caplog.text  # never the question
    page = client.post("/", data={"message": ANSWERED})
    assert page.status_code == 200 and "Was this helpful?" not in page.get_data(as_text=True)
    health = client.get("/healthz").get_json()
    assert health["database"] == "unavailable" and health["status"] == "ok"
    signed = URLSafeTimedSerializer(secret_key(down), salt="pair-answer-id").dumps(
        {"a": 1, "q": None}
    )
    response = client.post("/api/feedback", json={"answer_id": signed, "helpful": True})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "feedback_not_recorded"


def test_public_pages_set_no_cookies(fresh: Flask) -> None:
    client = fresh.test_client()
    data = ask(client, ANSWERED)
    responses = [
        client.get("/"),
        client.post("/", data={"message": ANSWERED}),
        client.get("/embed"),
        client.post("/embed", data={"message": ANSWERED}),
        client.get("/widget/v1.js"),
        client.post("/api/feedback", json={"answer_id": data["answer_id"], "helpful": True}),
        client.post("/feedback", data={"answer_id": data["answer_id"], "helpful": "yes"}),
        client.get("/about"),
        client.get("/search?q=funding"),
        client.get("/healthz"),
    ]
    for response in responses:
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
