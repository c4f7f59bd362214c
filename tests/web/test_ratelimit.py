"""Rate limits: several limits in one setting, the headers a client sees, what is not counted."""

from __future__ import annotations

import time

from assistant.config import Settings
from assistant.search.engine import Engine
from assistant.web import create_app


def test_every_limit_of_a_setting_holds_and_the_headers_follow_the_nearest(
    settings: Settings, engine: Engine
) -> None:
    config = settings.replace(rate_limit="5/minute;3/hour")
    client = create_app({"TESTING": True}, settings=config).test_client()
    answers = [client.post("/api/ask", json={}) for _ in range(4)]
    assert [a.status_code for a in answers] == [422, 422, 422, 429]
    # within its limits a response shows the shortest window: five a minute
    assert [a.headers["X-RateLimit-Limit"] for a in answers[:3]] == ["5"] * 3
    assert [a.headers["X-RateLimit-Remaining"] for a in answers[:3]] == ["4", "3", "2"]
    reset = int(answers[0].headers["X-RateLimit-Reset"])
    assert time.time() < reset <= time.time() + 61
    assert 0 <= int(answers[0].headers["Retry-After"]) <= 60
    # the refusal names the limit it broke: three an hour, back in up to an hour
    limited = answers[3]
    assert limited.headers["X-RateLimit-Limit"] == "3"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert 60 < int(limited.headers["Retry-After"]) <= 3600
    assert limited.get_json()["error"] == {
        "code": "rate_limited",
        "message": "Too many requests from this site. Wait a minute and try again.",
    }


def test_addresses_with_nothing_there_and_static_files_are_not_counted(
    settings: Settings, engine: Engine
) -> None:
    client = create_app({"TESTING": True}, settings=settings.replace(rate_limit="2/minute"))
    with client.test_client() as c:
        for _ in range(3):
            assert c.get("/api/nothing-here").status_code == 404
            static = c.get("/static/css/app.css")
            assert static.status_code == 200 and "X-RateLimit-Limit" not in static.headers
            static.close()
        assert [c.post("/api/ask", json={}).status_code for _ in range(3)] == [422, 422, 429]


def test_a_refused_page_form_gets_the_error_page(settings: Settings, engine: Engine) -> None:
    client = create_app({"TESTING": True}, settings=settings.replace(rate_limit="1/minute"))
    with client.test_client() as c:
        assert c.post("/", data={"message": ""}).status_code != 429
        page = c.post("/", data={"message": "What is a JSNA?"})
    assert page.status_code == 429 and page.mimetype == "text/html"
    assert "Too many requests from this site" in page.get_data(as_text=True)
