"""axe-core with the WCAG 2.2 AA rule tags: zero violations on the pages people use."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Sites
from tests.browser.test_widget_browser import WIDGET, open_with_keyboard

pytestmark = pytest.mark.browser
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
QUESTION = "What data do I need for a local needs analysis?"


def axe_violations(page: Any) -> list[str]:
    """Run axe in the page and every frame (cross-origin frames included)."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    for frame in page.frames[1:]:
        frame.evaluate(axe.axe_script)
    results = axe.run(page, options={"runOnly": {"type": "tag", "values": TAGS}})
    violations = results.response["violations"]
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)" for v in violations]


def page_width(page: Any) -> int:
    """The page's scroll width once the header has laid itself out for the viewport.

    The NHS.UK header moves navigation links that do not fit into its "More" menu one
    animation frame after a resize, so measure after two frames, as a reader would see it.
    """
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/embed", 200),
        ("/search?q=Section+75", 200),
        ("/search?q=cost+of+a+parent-infant+team", 200),
        ("/embed/setup", 200),
        ("/about", 200),
        ("/sources", 200),
        ("/?step=needs-estimate&trail=start,needs&births=3200", 200),
        ("/?step=needs-estimate&trail=start,needs&births=lots", 200),
        ("/conversation?q=What+is+a+JSNA%3F&q=What+is+the+best+recipe+for+lasagne%3F", 200),
        ("/no-such-page", 404),
    ],
)
def test_app_pages_have_no_violations(page: Any, sites: Sites, path: str, status: int) -> None:
    assert page.goto(sites.app + path).status == status
    assert axe_violations(page) == []


def test_an_error_page_state_has_no_violations(page: Any, sites: Sites) -> None:
    page.goto(sites.app + "/")
    page.evaluate("document.getElementById('ask-form').noValidate = true")
    page.evaluate("document.getElementById('message').value = ' '")
    page.evaluate("document.getElementById('ask-form').submit()")
    page.locator(".nhsuk-error-summary").wait_for()
    assert page.title().startswith("Error: ")
    assert axe_violations(page) == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/embed",
        "/search?q=Section+75",
        "/search?q=cost+of+a+parent-infant+team",
        "/journey/start",
        "/journey/needs-estimate?births=3200",
        "/sources",
        "/about",
        "/embed/setup",
        "/journey/export/brief.html?trail=start,needs,needs-estimate&births=3200",
        "/conversation?q=What+is+a+JSNA%3F",
        "/?step=needs-estimate&trail=start,needs&births=3200",
    ],
)
def test_pages_reflow_at_400_percent_zoom(page: Any, sites: Sites, path: str) -> None:
    """WCAG 1.4.10: at 320 CSS pixels wide (1280 px at 400%), no sideways scrolling."""
    page.set_viewport_size({"width": 320, "height": 256})
    assert page.goto(sites.app + path).status == 200
    assert page_width(page) <= 320


def test_search_as_you_type_with_summaries_has_no_violations(page: Any, sites: Sites) -> None:
    """The key-question summaries that search.js draws above the passages, at full width
    and at 320 CSS pixels."""
    page.goto(sites.app + "/search")
    page.locator("#q").fill("cost of a parent-infant team")
    page.locator("#search-results .summary-card").first.wait_for()
    assert page.locator("#search-results .summary-card").count() >= 2
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 320, "height": 256})
    assert page_width(page) <= 320


def test_embed_with_an_answer_and_a_journey_step_has_no_violations(page: Any, sites: Sites) -> None:
    page.goto(sites.app + "/embed")
    page.locator("#message").fill(QUESTION)
    page.locator("#ask-form button[type=submit]").click()
    page.locator(".turn--assistant .citation").first.wait_for()
    page.locator("button.journey-choice").first.click()
    page.locator(".journey-step").first.wait_for()
    assert axe_violations(page) == []


def test_host_page_with_the_widget_open_has_no_violations(page: Any, sites: Sites) -> None:
    frame = open_with_keyboard(page, sites.host + "/host.html")
    frame.locator("#message").fill(QUESTION)
    frame.locator("#ask-form button[type=submit]").click()
    frame.locator(".turn--assistant .citation").first.wait_for()
    assert page.locator(f"{WIDGET} iframe").is_visible()
    assert axe_violations(page) == []
