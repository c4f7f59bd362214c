"""Key-question summaries in the staff search, in Chromium: as you type and without
JavaScript, the same summaries, above the passages, each linking to its own page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Sites

pytestmark = pytest.mark.browser
QUERY = "cost of a parent-infant team"


def _shown(page: Any) -> list[str]:
    links = page.locator("#search-results .summary-card h3 a")
    return [str(links.nth(i).get_attribute("href")) for i in range(links.count())]


def test_summaries_as_you_type_match_the_page_without_javascript(
    page: Any, browser: Any, sites: Sites
) -> None:
    page.goto(sites.app + "/search")
    page.locator("#q").fill(QUERY)
    page.locator("#search-results .summary-card").first.wait_for()
    typed = _shown(page)
    heading = page.locator("#summaries-heading")
    assert heading.inner_text() == "Summaries written by the evidence team"
    first_passage = page.locator("#search-results .evidence-card").first.bounding_box()
    assert heading.bounding_box()["y"] < first_passage["y"]
    context = browser.new_context(java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto(sites.app + "/search?q=" + QUERY.replace(" ", "+"))
        assert _shown(plain) == typed and 1 <= len(typed) <= 3
    finally:
        context.close()
    page.locator("#search-results .summary-card h3 a").first.click()
    page.wait_for_url(sites.app + typed[0])
    assert "Summary written by the evidence team" in page.locator("main").inner_text()
