"""The guided journey inside the chat page, with JavaScript, by keyboard only."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Sites
from tests.browser.test_accessibility import axe_violations

pytestmark = pytest.mark.browser


def tab_to(page: Any, text: str, limit: int = 60) -> None:
    """Press Tab until the focused element's text is `text` (keyboard-only use)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == text:
            return
    raise AssertionError(f"could not reach {text!r} with the Tab key")


def focused_text(page: Any) -> str:
    return str(page.evaluate("document.activeElement.textContent.trim()"))


def test_keyboard_walk_keeps_the_step_for_questions_and_offers_related_steps(
    page: Any, sites: Sites
) -> None:
    page.goto(sites.app + "/")
    page.evaluate("sessionStorage.clear()")
    page.reload()
    tab_to(page, "Analyse local needs")
    page.keyboard.press("Enter")
    page.locator(".turn--step .step-heading", has_text="Analyse local needs").wait_for()
    assert focused_text(page) == "Analyse local needs"
    assert page.locator("#journey-place [aria-current=step]").inner_text() != ""
    assert page.locator("#ask-node").input_value() == "needs"
    assert page.context.cookies() == []

    page.locator("#message").fill("What data do I need for a local needs analysis?")
    with page.expect_request("**/api/ask") as asked:
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
    assert '"node":"needs"' in (asked.value.post_data or "")
    page.locator(".related-steps a", has_text="Go to:").first.wait_for()

    tab_to(page, "Back")
    page.keyboard.press("Enter")
    page.locator(".step-heading:focus").wait_for()
    assert focused_text(page) == "What do you want to do?"
    assert axe_violations(page) == []


def test_the_place_survives_a_reload_in_session_storage(page: Any, sites: Sites) -> None:
    page.goto(sites.app + "/")
    page.evaluate("sessionStorage.clear()")
    page.reload()
    page.locator("a[data-node=plan]").first.click()
    page.locator(".step-heading", has_text="Plan and design a service").wait_for()
    page.reload()
    assert page.locator("#ask-node").input_value() == "plan"
    assert "Plan and design a service" in page.locator("#journey-place").inner_text()
    page.locator("#journey-place a", has_text="Start again").click()
    page.locator(".step-heading:focus").wait_for()
    assert focused_text(page) == "What do you want to do?"
    assert page.locator("#ask-node").input_value() == ""
    # Start again resets the conversation instead of adding to it
    assert page.locator("#conversation .turn").count() == 1
    assert page.url.endswith("/?step=start")
    assert page.locator("#journey-place").is_hidden()


def test_steps_have_addresses_so_back_forward_reload_and_bookmarks_work(
    page: Any, sites: Sites
) -> None:
    page.goto(sites.app + "/")
    page.evaluate("sessionStorage.clear()")
    page.reload()
    page.locator("a[data-node=needs]").first.click()
    page.locator(".step-heading:focus", has_text="Analyse local needs").wait_for()
    assert page.url == sites.app + "/?step=needs&trail=start"
    assert page.title().startswith("Analyse local needs")
    option = page.locator(".turn--step[data-step=needs] a[data-node]").first
    target, title = option.get_attribute("data-node"), option.inner_text().strip()
    option.click()
    page.locator(f".turn--step[data-step='{target}'] .step-heading:focus").wait_for()
    assert f"step={target}" in page.url

    page.go_back()
    page.locator(".step-heading:focus", has_text="Analyse local needs").wait_for()
    assert page.url == sites.app + "/?step=needs&trail=start"
    assert page.locator(f".turn--step[data-step='{target}']").count() == 0
    assert page.locator("#ask-node").input_value() == "needs"

    page.go_forward()
    page.locator(f".turn--step[data-step='{target}'] .step-heading:focus").wait_for()
    assert page.locator("#ask-node").input_value() == target

    page.reload()
    assert page.locator(f".turn--step[data-step='{target}']").count() == 1
    assert page.locator("#ask-node").input_value() == target

    bookmark = page.url
    fresh = page.context.browser.new_context()
    try:
        other = fresh.new_page()
        other.goto(bookmark)
        heading = other.locator(f".turn--step[data-step='{target}'] .step-heading")
        assert heading.inner_text().strip() != "" and title
        assert other.locator("#ask-node").input_value() == target
    finally:
        fresh.close()
    assert axe_violations(page) == []


def test_the_estimator_answers_inside_the_chat(page: Any, sites: Sites) -> None:
    page.goto(sites.app + "/")
    page.evaluate("sessionStorage.clear()")
    page.goto(sites.app + "/?step=needs-estimate&trail=start,needs")
    page.evaluate("window.samePage = true")
    births = page.locator(".turn--step input[name=births]")
    births.fill("lots")
    births.press("Enter")
    page.locator(".turn--step .nhsuk-error-message").wait_for()
    assert births.get_attribute("aria-invalid") == "true"
    births.fill("3200")
    page.locator(".turn--step .estimator-form button").click()
    page.locator(".turn--step caption", has_text="3,200 births a year").wait_for()
    assert page.evaluate("window.samePage") is True  # answered in place, not a new page
    assert page.locator(".turn--step .nhsuk-error-message").count() == 0
    assert page.locator(".turn--step table.estimate tbody tr").count() > 0
    assert axe_violations(page) == []


def test_the_live_region_announces_the_answer_words_only(page: Any, sites: Sites) -> None:
    page.goto(sites.app + "/")
    page.evaluate("sessionStorage.clear()")
    page.reload()
    page.locator("#message").fill("What data do I need for a local needs analysis?")
    page.locator("#message").press("Enter")  # Enter sends
    page.locator(".turn--user").wait_for()
    announcer = page.locator("#announcer")
    for _ in range(200):  # polled from Python: a string predicate would need 'unsafe-eval'
        if announcer.text_content():
            break
        page.wait_for_timeout(100)
    said = page.locator("#announcer").inner_text()
    answer = page.locator(".turn--user ~ .turn--assistant .answer-text").inner_text()
    assert said.startswith("Answer added. ")
    assert len(said) < len(answer) + 40  # the words of the answer, not its sources
    for noise in ("Show passage", "Sources", "People also ask", "Go to:"):
        assert noise not in said
    assert page.locator("[aria-live]").count() == 1
    printable = page.locator("#print-link")
    assert printable.is_visible() and "/conversation?q=" in (printable.get_attribute("href") or "")
    # superscript source numbers, no visible passage ids
    assert page.locator(".turn--user ~ .turn--assistant sup.cite-ref a").count() > 0
    visible = page.locator(".turn--user ~ .turn--assistant").inner_text()
    assert not re.search(r"\b[0-9a-f]{12}\b", visible)
    # the passage, with its highlighted sentence and a reference to copy, behind one click
    source = page.locator(".turn--user ~ .turn--assistant .source").first
    source.locator("summary", has_text="Show passage").click()
    assert source.locator(".passage mark").first.is_visible()
    assert source.locator("button", has_text="Copy reference").is_visible()


def test_a_refusal_is_short_with_three_questions_to_try(page: Any, sites: Sites) -> None:
    page.goto(sites.app + "/")
    page.evaluate("sessionStorage.clear()")
    page.reload()
    page.locator("#message").fill("What is the best recipe for lasagne?")
    page.locator("#ask-form button[type=submit]").click()
    refusal = page.locator(".answer--abstained")
    refusal.wait_for()
    links = refusal.locator("a[data-ask]")
    assert links.count() == 3
    question = links.first.inner_text().strip()
    links.first.click()  # asks it in the chat
    page.locator(".turn--user", has_text=question).wait_for()
    assert axe_violations(page) == []


@pytest.mark.parametrize(
    "path",
    [
        "/journey/needs-estimate?trail=start,needs&births=3200",
        "/journey/needs-mapping?trail=start,needs&done=needs-mapping.1",
        "/journey/export/brief.html?trail=start,needs,needs-estimate&births=3200",
    ],
)
def test_journey_pages_have_no_violations(page: Any, sites: Sites, path: str) -> None:
    page.goto(sites.app + path)
    assert axe_violations(page) == []


def test_checklist_ticks_in_the_chat_go_into_the_summary(page: Any, sites: Sites) -> None:
    page.goto(sites.app + "/")
    page.evaluate("sessionStorage.clear()")
    page.reload()
    tab_to(page, "Analyse local needs")
    page.keyboard.press("Enter")
    box = page.locator(".turn--step .checklist input[type=checkbox]").first
    box.focus()
    page.keyboard.press("Space")
    assert box.is_checked()
    item = page.locator(".turn--step .checklist label").first.inner_text()
    brief = page.locator(".turn--step a", has_text="Download my evidence summary").last
    href = brief.evaluate(  # click (which brings the link up to date) without following it
        "a => { a.addEventListener('click', e => e.preventDefault(), {once: true});"
        " a.click(); return a.getAttribute('href'); }"
    )
    assert "done=needs.0" in href
    summary = page.request.get(sites.app + href).text()
    assert f"- [x] {item}" in summary
    page.reload()  # ticks live in this tab's sessionStorage
    assert page.locator(".turn--step .checklist input[type=checkbox]").first.is_checked()
    assert page.context.cookies() == []
