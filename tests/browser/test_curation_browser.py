"""Feedback given on the chat page reaches the curator inbox; /admin passes axe-core."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, Sites
from tests.browser.test_accessibility import axe_violations, page_width

pytestmark = pytest.mark.browser
QUESTION = "How many specialised parent-infant relationship teams are there in England?"
COMMENT = "I needed the figure for Wales, call me on 07700 900123"


def sign_in(page: Any, sites: Sites, path: str = "/admin/inbox") -> None:
    page.goto(sites.app + path)
    assert "/admin/login" in page.url
    page.get_by_label("Email address").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{path}*")


def test_feedback_in_the_chat_reaches_the_curator_inbox(page: Any, sites: Sites) -> None:
    page.goto(sites.app + "/")
    page.locator("#message").fill(QUESTION)
    page.locator("#ask-form button[type=submit]").click()
    form = page.locator(".turn--assistant .feedback-form").last
    form.wait_for()
    assert page.context.cookies() == []  # the public pages set none
    form.get_by_label("Comment (optional)").fill(COMMENT)
    form.get_by_role("button", name="not helpful").click()
    thanks = page.locator(".feedback-status", has_text="Thank you. Your feedback was recorded.")
    thanks.wait_for()
    assert page.evaluate("document.activeElement.className") == "feedback-status"
    sign_in(page, sites)
    item = page.locator(".inbox-item", has_text=QUESTION).first
    item.wait_for()
    assert "Marked not helpful" in item.inner_text()
    assert "I needed the figure for Wales, call me on [phone number]" in item.inner_text()
    cookies = page.context.cookies()
    assert [(c["name"], c["path"], c["httpOnly"], c["sameSite"]) for c in cookies] == [
        ("pair_admin", "/admin", True, "Strict")
    ]
    item.get_by_label("Needs new evidence").check()
    item.get_by_label("Note").fill("Add the Welsh figures")
    item.get_by_role("button", name="Save").click()
    page.locator(".notice", has_text="Saved.").wait_for()
    page.goto(sites.app + "/admin/inbox?status=needs_evidence")
    saved = page.locator(".inbox-item", has_text=QUESTION).first
    assert saved.get_by_label("Note").input_value() == "Add the Welsh figures"
    assert saved.get_by_label("Needs new evidence").is_checked()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/inbox?status=any&show=all",
        "/admin/insight",
        "/admin/cards?show=all",
        "/admin/users",
        "/admin/audit",
    ],
)
def test_admin_pages_have_no_violations(page: Any, sites: Sites, path: str) -> None:
    sign_in(page, sites, path.split("?")[0])
    assert page.goto(sites.app + path).status == 200
    assert axe_violations(page) == []


def test_the_sign_in_page_has_no_violations(page: Any, sites: Sites) -> None:
    assert page.goto(sites.app + "/admin/login").status == 200
    assert axe_violations(page) == []
    page.get_by_label("Email address").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill("wrong password here")
    page.get_by_role("button", name="Sign in").click()
    page.locator(".error-summary").wait_for()
    assert axe_violations(page) == []


@pytest.mark.parametrize(
    "path", ["/admin/inbox?status=any&show=all", "/admin/insight", "/admin/cards?show=all"]
)
def test_admin_pages_reflow_at_400_percent_zoom(page: Any, sites: Sites, path: str) -> None:
    """WCAG 1.4.10: at 320 CSS pixels wide, no sideways scrolling."""
    sign_in(page, sites, path.split("?")[0])
    page.set_viewport_size({"width": 320, "height": 256})
    assert page.goto(sites.app + path).status == 200
    assert page_width(page) <= 320
