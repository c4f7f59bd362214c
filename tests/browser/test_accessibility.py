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


@pytest.mark.parametrize("path", ["/", "/embed", "/search", "/embed/setup"])
def test_app_pages_have_no_violations(page: Any, sites: Sites, path: str) -> None:
    response = page.goto(sites.app + path)
    if response.status == 404:
        pytest.skip(f"{path} is not part of this app yet")
    assert axe_violations(page) == []


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
