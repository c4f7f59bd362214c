"""The guided journey inside the chat page, with JavaScript, by keyboard only."""

from __future__ import annotations

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
    assert page.locator("#ask-node").input_value() == "start"


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
