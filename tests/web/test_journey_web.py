"""The journey in the browser without JavaScript, its JSON API, the export and the evidence.

End to end with the real model and index: every step must show cited evidence, which is
how the team keeps the tree and the corpus in step.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from assistant.config import load_settings
from assistant.journey.tree import Journey, load_journey
from assistant.web import create_app

JOURNEY = Path(__file__).resolve().parents[2] / "corpus" / "journey.yaml"


@pytest.fixture(scope="module")
def web_app() -> Iterator[Flask]:
    yield create_app({"TESTING": True}, settings=load_settings())


@pytest.fixture(scope="module")
def web(web_app: Flask) -> FlaskClient:
    return web_app.test_client()


@pytest.fixture(scope="module")
def journey() -> Journey:
    return load_journey(JOURNEY)


def test_journey_entry_redirects_to_the_start_step(web: FlaskClient) -> None:
    response = web.get("/journey")
    assert response.status_code == 302
    assert response.location.endswith("/journey/start")


def test_no_javascript_walk_from_start_to_an_export(web: FlaskClient) -> None:
    page = web.get("/journey/start").get_data(as_text=True)
    assert "What do you want to do?" in page
    for label in ("Analyse local needs", "Estimate need from your births"):
        href = _link(page, label)
        page = web.get(href).get_data(as_text=True)
    assert "Births a year in your area" in page
    assert 'aria-current="step"' in page and "Analyse need" in page
    form = _form_action(page, "births")
    page = web.get(form + "&births=3200").get_data(as_text=True)
    assert "3,200 × 30 ÷ 1,000 = 96" in page
    export = web.get(_link(page, "Download my evidence summary (Markdown)"))
    text = export.get_data(as_text=True)
    assert export.mimetype == "text/markdown"
    assert "attachment" in export.headers["Content-Disposition"]
    assert "Estimate local need from your births" in text and "Analyse local needs" in text
    assert "3,200 × 100 ÷ 1,000 = 320 to 3,200 × 150 ÷ 1,000 = 480" in text
    assert "## References" in text and "https://" in text


def test_back_and_start_again_always_work(web: FlaskClient) -> None:
    page = web.get("/journey/plan-team?trail=start,plan").get_data(as_text=True)
    assert _link(page, "Back to Plan and design a service").startswith("/journey/plan?")
    assert _link(page, "Start again") == "/journey/start"


def test_checklist_ticks_travel_in_the_url_into_the_brief(web: FlaskClient) -> None:
    page = web.get("/journey/needs-mapping?trail=start,needs,needs-mapping&done=needs-mapping.1")
    assert 'value="needs-mapping.1" checked' in page.get_data(as_text=True)
    brief = web.get("/journey/export/brief.md?trail=needs-mapping&done=needs-mapping.1")
    assert "- [x] Note the gaps by level of need and age" in brief.get_data(as_text=True)


@pytest.mark.parametrize("births", ["abc", "0", "-3", "2.5", "", "three thousand"])
def test_bad_births_show_a_clear_error_on_the_page(web: FlaskClient, births: str) -> None:
    response = web.get("/journey/needs-estimate", query_string={"births": births})
    html = response.get_data(as_text=True)
    assert response.status_code == 200  # a form error, not a failed request
    assert "whole number above 0" in html and 'aria-invalid="true"' in html
    assert "<title>Error: " in html
    summary = html[html.index('<div class="nhsuk-error-summary"') :]
    assert '<a href="#births">Enter the number of births' in summary
    assert html.index('class="nhsuk-error-summary"') < html.index('<h1 id="step-title"')
    assert 'aria-describedby="births-hint births-error"' in html


def test_the_whole_births_input_is_echoed_escaped(web: FlaskClient) -> None:
    typed = '<script>alert("x")</script> 10000000000000'
    html = web.get("/journey/needs-estimate", query_string={"births": typed}).get_data(as_text=True)
    assert "<script>alert" not in html
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; 10000000000000"
    assert f'value="{escaped}"' in html and f"(you entered &#34;{escaped}&#34;)" in html


def test_a_good_estimate_has_no_error_and_labels_for_small_screens(web: FlaskClient) -> None:
    html = web.get("/journey/needs-estimate?births=3200").get_data(as_text=True)
    assert "<title>Error" not in html and "error-summary" not in html
    assert '<table class="estimate stack">' in html
    for label in ("Estimate", "How it is worked out", "Source"):
        assert f'data-label="{label}"' in html


def test_api_node_shape(web: FlaskClient, journey: Journey) -> None:
    data = web.get("/api/journey/start").get_json()
    assert {"id", "title", "text", "options", "checklist", "citations"} <= set(data)
    assert data["id"] == "start"
    assert data["options"][0] == {"label": "Understand why PAIR services matter", "id": "why"}
    assert {o["id"] for o in data["options"]} <= set(journey.nodes)
    citation = data["citations"][0]
    assert {"n", "id", "text", "title", "url", "section"} <= set(citation)


def test_api_estimate_cites_every_figure(web: FlaskClient) -> None:
    data = web.get("/api/journey/needs-estimate?births=2000").get_json()["estimate"]
    cited = {c["n"] for c in data["citations"]}
    assert data["births"] == 2000
    assert all(f["citation"] in cited for f in data["figures"])
    severe = next(f for f in data["figures"] if f["rate_id"] == "severe-depressive-illness")
    assert (severe["low"], severe["arithmetic"]) == (60, "2,000 × 30 ÷ 1,000 = 60")


def test_api_refuses_bad_births_with_the_error_shape(web: FlaskClient) -> None:
    response = web.get("/api/journey/needs-estimate?births=lots")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_input"


def test_unknown_node_is_a_404_json_error(web: FlaskClient) -> None:
    response = web.get("/api/journey/no-such-step")
    assert response.status_code == 404
    assert response.get_json() == {
        "error": {"code": "not_found", "message": "there is no journey step with id `no-such-step`"}
    }
    assert web.get("/journey/no-such-step").status_code == 404


def test_printable_brief_lists_steps_and_references(web: FlaskClient) -> None:
    page = web.get("/journey/export/brief.html?trail=start,why,why-costs").get_data(as_text=True)
    assert "1. What do you want to do?" in page and "3. The cost of doing nothing" in page
    assert "References" in page


def test_every_step_shows_cited_evidence(web: FlaskClient, journey: Journey) -> None:
    empty = [
        node_id
        for node_id in journey.nodes
        if not web.get(f"/api/journey/{node_id}").get_json()["citations"]
    ]
    assert empty == []


def test_every_evidence_query_finds_a_passage_above_the_threshold(
    web_app: Flask, journey: Journey
) -> None:
    with web_app.app_context():
        from assistant.web import engine

        e = engine()
        misses = [
            (node.id, query)
            for node in journey.nodes.values()
            for query in node.queries
            if e.search(query, 2).abstained
        ]
        unknown_pins = [p for n in journey.nodes.values() for p in n.pinned if not e.passage(p)]
    assert misses == []
    assert unknown_pins == []


def _link(page: str, label: str) -> str:
    match = re.search(rf'href="([^"]+)"[^>]*>{re.escape(label)}<', page)
    assert match, f"no link labelled {label!r}"
    return match.group(1).replace("&amp;", "&")


def _form_action(page: str, field: str) -> str:
    form = page[: page.index(f'name="{field}"')].rsplit("<form", 1)[1]
    action = re.search(r'action="([^"]+)"', form)
    trail = re.search(r'name="trail" value="([^"]*)"', form)
    assert action and trail
    return f"{action.group(1)}?trail={trail.group(1)}"


def test_empty_chat_offers_the_journey_entry_points_as_links(
    web: FlaskClient, journey: Journey
) -> None:
    page = web.get("/").get_data(as_text=True)
    for option in journey.start.options:
        href = _link(page, option.label)
        assert href == f"/?step={option.to}&trail=start"
    assert 'id="journey-place" class="journey-place" hidden' in page


def test_a_step_in_the_chat_has_its_own_address_without_javascript(web: FlaskClient) -> None:
    page = web.get("/?step=needs&trail=start").get_data(as_text=True)
    heading = 'id="s1-title" tabindex="-1">Analyse local needs</h2>'
    assert heading in page
    assert "<title>Analyse local needs – PAIR Evidence Assistant</title>" in page
    assert 'name="node" value="needs"' in page  # questions are asked at this step
    assert _link(page, "Start again") == "/?step=start"
    assert _link(page, "Back").startswith("/?step=start")


def test_the_estimator_works_inside_the_chat_without_javascript(web: FlaskClient) -> None:
    page = web.get("/?step=needs-estimate&trail=start,needs&births=3200").get_data(as_text=True)
    assert 'name="births"' in page and 'value="3200"' in page
    assert "Estimated numbers for 3,200 births a year" in page
    wrong = web.get("/?step=needs-estimate&trail=start,needs&births=lots").get_data(as_text=True)
    assert "nhsuk-error-message" in wrong and 'aria-invalid="true"' in wrong
    assert "Estimated numbers" not in wrong


def test_a_step_page_has_a_no_javascript_ask_form_carrying_the_node(web: FlaskClient) -> None:
    page = web.get("/journey/needs?trail=start").get_data(as_text=True)
    form = page[page.index("Ask a question at this step") :]
    form = form[: form.index("</form>")]
    assert 'method="post" action="/"' in form
    assert 'name="node" value="needs"' in form and 'name="trail" value="start"' in form
    assert "journey.css" in page


def test_asking_at_a_step_keeps_the_user_there_and_links_back(web: FlaskClient) -> None:
    response = web.post(
        "/",
        data={
            "message": "What data do I need for a local needs analysis?",
            "node": "needs",
            "trail": "start",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert "You are asking at the step <strong>Analyse local needs</strong>" in page
    assert 'aria-current="step"' in page
    assert _link(page, "Back to this step") == "/?step=needs&trail=start"
    assert 'name="node" value="needs"' in page and 'name="trail" value="start,needs"' in page
    related = re.findall(r'href="(/\?step=[^"]+)" data-node="([^"]+)">Go to: ', page)
    assert related and all("trail=start,needs" in href for href, _ in related)


def test_out_of_scope_chat_question_is_short_and_offers_three_questions(web: FlaskClient) -> None:
    page = web.post("/", data={"message": "What is the best recipe for lasagne?"})
    text = page.get_data(as_text=True)
    answer = text[text.index('class="answer answer--abstained"') : text.index('id="announcer"')]
    assert "Try one of these:" in answer
    assert len(re.findall(r'<li><a href="/answers/[^"]+" data-ask="', answer)) == 3
    assert "Go to:" not in answer and "The evidence covers these topics" not in answer


@pytest.mark.parametrize(
    ("question", "urgent"),
    [("my baby won't stop crying", False), ("I'm scared I might hurt my baby", True)],
)
def test_chat_form_signposts_a_parent_without_javascript(
    web: FlaskClient, question: str, urgent: bool
) -> None:
    text = web.post("/", data={"message": question}).get_data(as_text=True)
    assert "signpost signpost--" in text and "health visitor" in text
    assert "citations-heading" not in text and "cite-marker" not in text and "Go to:" not in text
    assert ('<a href="tel:08082000247">0808 2000 247</a>' in text) is urgent
    assert '<a href="tel:999">999</a>' in text and '<a href="tel:111">NHS 111</a>' in text
    assert '<p class="who">Where to get help</p>' in text
    assert '<p class="who">Answer</p>' not in text
    if urgent:
        assert text.index('call <a href="tel:999">') < text.index("plan and pay for services")


def test_chat_with_an_unknown_node_is_a_helpful_404(web: FlaskClient) -> None:
    response = web.post("/", data={"message": "Why?", "node": "no-such-step"})
    assert response.status_code == 404
    assert "no journey step with id" in response.get_data(as_text=True)


def test_chat_empty_question_at_a_step_keeps_the_step(web: FlaskClient) -> None:
    response = web.post("/", data={"message": " ", "node": "plan", "trail": "start"})
    assert response.status_code == 422
    assert "You are asking at the step" in response.get_data(as_text=True)


def test_brief_references_include_the_estimates_sources(web: FlaskClient) -> None:
    need = web.get("/api/journey/needs-estimate?births=3200").get_json()["estimate"]
    text = web.get("/journey/export/brief.md?trail=needs-estimate&births=3200").get_data(
        as_text=True
    )
    references = text[text.index("## References") :]
    for citation in need["citations"]:
        assert citation["title"] in references


def test_no_javascript_journey_with_a_question_on_the_way_to_the_export(
    web: FlaskClient,
) -> None:
    page = web.get("/").get_data(as_text=True)
    page = web.get(_link(page, "Analyse local needs")).get_data(as_text=True)
    assert 'tabindex="-1">Analyse local needs</h2>' in page  # the step, inside the chat
    page = web.get(_link(page, "Open this step as a page")).get_data(as_text=True)
    assert "Ask a question at this step" in page
    answer = web.post(
        "/", data={"message": "Where do I find births data?", "node": "needs", "trail": "start"}
    ).get_data(as_text=True)
    page = web.get(_link(answer, "Back to this step")).get_data(as_text=True)
    assert 'tabindex="-1">Analyse local needs</h2>' in page  # back at the step in the chat
    page = web.get(_link(page, "Open this step as a page")).get_data(as_text=True)
    assert '<h1 id="step-title" tabindex="-1">Analyse local needs</h1>' in page
    page = web.get(_link(page, "Estimate need from your births")).get_data(as_text=True)
    page = web.get(_form_action(page, "births") + "&births=2000").get_data(as_text=True)
    assert "2,000 × 30 ÷ 1,000 = 60" in page
    brief = web.get(_link(page, "Printable summary")).get_data(as_text=True)
    assert "1. What do you want to do?" in brief and "Analyse local needs" in brief
    assert "Local need estimate" in brief and "References" in brief
