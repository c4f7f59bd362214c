"""Behaviour people see in Chromium: estimator errors, search pages and phrase highlights,
the urgent signpost, and axe-core on the pages and states these add."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Sites
from tests.browser.test_accessibility import axe_violations, page_width

pytestmark = pytest.mark.browser
ESTIMATOR = "/journey/needs-estimate"
MANY = "perinatal mental health"


def test_estimator_errors_are_summarised_linked_and_titled(page: Any, sites: Sites) -> None:
    page.goto(sites.app + ESTIMATOR)
    page.locator("#births").fill("three thousand")
    with page.expect_navigation() as loaded:
        page.locator(".estimator button[type=submit]").click()
    assert loaded.value.status == 200
    assert page.title().startswith("Error: ")
    summary = page.locator(".nhsuk-error-summary")
    assert summary.get_attribute("role") == "alert"
    assert '(you entered "three thousand")' in summary.inner_text()
    assert page.locator("#births-error").inner_text().startswith("Error:")
    assert page.locator("#births").input_value() == "three thousand"
    summary.locator("a[href='#births']").click()
    assert page.evaluate("document.activeElement.id") == "births"
    assert axe_violations(page) == []


def test_a_huge_figure_is_refused_as_typed_not_cut_short(page: Any, sites: Sites) -> None:
    page.goto(sites.app + ESTIMATOR + "?births=1000000000000")
    message = page.locator("#births-error").inner_text()
    assert '"1000000000000"' in message and "more births a year than any local area" in message
    assert page.locator("table.estimate").count() == 0


def test_the_estimate_table_keeps_its_labels_on_a_phone(page: Any, sites: Sites) -> None:
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(sites.app + ESTIMATOR + "?births=3200")
    table = page.locator("table.estimate")
    assert table.locator("caption").bounding_box()["width"] > 250
    label = "getComputedStyle(document.querySelector('table.estimate td'), '::before').content"
    assert page.evaluate(label) == '"Estimate: "'
    assert page_width(page) <= 320


def _result_ids(page: Any) -> list[str]:
    return [str(a.get_attribute("id")) for a in page.locator(".results article").all()]


def test_every_search_result_is_reachable_page_by_page(page: Any, sites: Sites) -> None:
    page.goto(sites.app + "/search?q=" + MANY.replace(" ", "+"))
    count = page.locator("#result-count").inner_text()
    total = int(count.split()[0])
    assert total > 10 and ", showing 1 to 10." in count
    seen = _result_ids(page)
    while page.locator(".pagination a[rel=next]").count():
        page.locator(".pagination a[rel=next]").click()
        page.locator(".pagination a[aria-current=page]").wait_for()
        seen += _result_ids(page)
    assert len(seen) == total and len(set(seen)) == total
    assert axe_violations(page) == []


def test_search_as_you_type_offers_the_same_pages(page: Any, sites: Sites) -> None:
    page.goto(sites.app + "/search")
    page.locator("#q").fill(MANY)
    page.locator("#search-results .pagination a[aria-current=page]").wait_for()
    links = page.locator("#search-results .pagination a[rel=next]")
    assert links.get_attribute("href").endswith("&page=2")
    links.click()
    page.locator(".pagination a[aria-current=page]", has_text="2").wait_for()
    assert ", showing 11 to " in page.locator("#result-count").inner_text()


@pytest.mark.parametrize("typed", [False, True], ids=["page", "as-you-type"])
def test_a_quoted_phrase_highlights_only_the_whole_phrase(
    page: Any, sites: Sites, typed: bool
) -> None:
    if typed:
        page.goto(sites.app + "/search")
        page.locator("#q").fill('"Section 75"')
        page.locator("#search-results mark.term").first.wait_for()
    else:
        page.goto(sites.app + "/search?q=%22Section+75%22")
    marks = page.locator(".results mark.term").all_inner_texts()
    assert marks and all(re.fullmatch(r"section\s+75", m, re.IGNORECASE) for m in marks), marks


def test_urgent_signpost_puts_the_danger_advice_first_with_tel_links(
    page: Any, sites: Sites
) -> None:
    page.goto(sites.app + "/")
    page.evaluate("sessionStorage.clear()")
    page.reload()
    page.locator("#message").fill("I feel like I might hurt my baby")
    page.locator("#ask-form button[type=submit]").click()
    sign = page.locator(".turn--assistant .signpost--urgent").last
    sign.wait_for()
    first, advice = sign.locator("p").all_inner_texts()[:2]
    assert first == "Get help now."
    assert advice.startswith("If you or your baby are in danger now, call 999.")
    text = sign.inner_text()
    assert text.index("999") < text.index("plan and pay for services")
    for number in ("999", "111", "08082000247"):
        assert sign.locator(f"a[href='tel:{number}']").count() == 1
    reply = page.locator(".turn--assistant").last
    assert reply.locator(".who").inner_text() == "Where to get help"
    assert reply.locator(".citations").count() == 0
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", ["/accessibility", "/privacy", "/about#about-this-assistant"])
def test_the_statement_pages_have_no_violations_and_reflow(
    page: Any, sites: Sites, path: str
) -> None:
    assert page.goto(sites.app + path).status == 200
    assert axe_violations(page) == []
    page.set_viewport_size({"width": 320, "height": 256})
    assert page_width(page) <= 320
