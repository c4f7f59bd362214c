"""The intranet widget in a real Chromium, across origins, with the real model and index."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Sites

pytestmark = pytest.mark.browser
WIDGET = "[data-pair-assistant]"
QUESTION = "How can a parent-infant team be funded and commissioned?"


def launcher(page: Any) -> Any:
    return page.locator(f"{WIDGET} button")


def panel_frame(page: Any) -> Any:
    return page.frame_locator(f"{WIDGET} iframe")


def launcher_has_focus(page: Any) -> bool:
    return bool(launcher(page).evaluate("b => b.getRootNode().activeElement === b"))


def focus_returns_to_launcher(page: Any) -> bool:
    """Closing the panel returns focus to the launcher once the host page has heard the
    panel's message; wait up to five seconds for it, as a keyboard user would."""
    for _ in range(100):
        if launcher_has_focus(page):
            return True
        page.wait_for_timeout(50)
    return False


def tab_to_launcher(page: Any) -> None:
    for _ in range(6):
        page.keyboard.press("Tab")
        if launcher_has_focus(page):
            return
    raise AssertionError("the launcher cannot be reached with the Tab key")


def open_with_keyboard(page: Any, url: str) -> Any:
    from playwright.sync_api import expect

    page.goto(url)
    tab_to_launcher(page)
    page.keyboard.press("Enter")
    frame = panel_frame(page)
    frame.locator("#message").wait_for()
    # the panel moves focus to the question box once its frame has loaded; keys typed
    # before then would go nowhere, for a person as for the test
    expect(frame.locator("#message")).to_be_focused()
    return frame


def test_keyboard_user_asks_follows_journey_and_escapes(page: Any, sites: Sites) -> None:
    from playwright.sync_api import expect

    frame = open_with_keyboard(page, sites.host + "/host.html")
    expect(launcher(page)).to_have_attribute("aria-expanded", "true")
    expect(frame.locator("#message")).to_be_focused()

    page.keyboard.type(QUESTION)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    citation = frame.locator(".turn--assistant .citation").first
    citation.locator("summary").click()
    expect(citation.locator(".passage")).to_be_visible()
    full = citation.locator("a.permalink")
    expect(full).to_have_attribute("target", "_blank")
    expect(full).to_have_attribute("href", re.compile(r"^/evidence/[0-9a-f]+$"))

    choice = frame.locator("button.journey-choice").first
    label = choice.inner_text()
    choice.focus()
    page.keyboard.press("Enter")
    step = frame.locator(".journey-step .step-title").last
    expect(step).to_be_focused()
    expect(frame.locator(".turn--user").last).to_contain_text(label)

    page.keyboard.press("Escape")
    expect(page.locator(f"{WIDGET} iframe")).to_be_hidden()
    expect(launcher(page)).to_have_attribute("aria-expanded", "false")
    assert focus_returns_to_launcher(page)


def test_conversation_survives_reopening_without_cookies(page: Any, sites: Sites) -> None:
    from playwright.sync_api import expect

    frame = open_with_keyboard(page, sites.host + "/host.html")
    frame.locator("#message").fill(QUESTION)
    frame.locator("#ask-form button[type=submit]").click()
    expect(frame.locator(".turn--assistant")).to_have_count(1)
    frame.locator("#embed-close").click()
    assert focus_returns_to_launcher(page)
    page.keyboard.press("Enter")
    expect(frame.locator("#message")).to_be_focused()
    expect(frame.locator(".turn--assistant")).to_have_count(1)
    assert page.context.cookies() == []


def test_host_not_on_allowlist_is_refused_framing(page: Any, sites: Sites) -> None:
    with page.expect_response(re.compile(r"/embed\?")) as embed:
        page.goto(sites.refused + "/host.html")
        launcher(page).click()
    assert "frame-ancestors 'self' " + sites.host in embed.value.headers["content-security-policy"]
    page.wait_for_timeout(1000)
    framed = [f for f in page.frames if f.url.startswith(sites.app)]
    assert framed == []
    assert page.frame_locator(f"{WIDGET} iframe").locator("#message").count() == 0
    # no grey box: the panel says why, and which setting to change
    notice = page.locator(f"{WIDGET} [role=alert]")
    notice.wait_for(timeout=15_000)
    text = notice.inner_text()
    assert "cannot be shown on this site" in text
    assert "PAIR_EMBED_ALLOWED_ORIGINS" in text and sites.refused in text
    assert page.locator(f"{WIDGET} iframe").is_hidden()


def test_enter_sends_and_shift_enter_adds_a_line(page: Any, sites: Sites) -> None:
    from playwright.sync_api import expect

    frame = open_with_keyboard(page, sites.host + "/host.html")
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second")
    assert frame.locator("#message").input_value() == "first line\nsecond"
    frame.locator("#message").fill(QUESTION)
    page.keyboard.press("Enter")
    expect(frame.locator(".turn--user")).to_have_count(1)
    expect(frame.locator(".turn--assistant")).to_have_count(1)
    expect(frame.locator("#message")).to_have_value("")


COMPUTED = """el => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();
  return [s.fontFamily, s.fontSize, s.color, s.backgroundColor, s.borderTopWidth, s.letterSpacing,
          s.transform, s.display, Math.round(r.width), Math.round(r.height)]; }"""


def widget_styles(page: Any, url: str) -> dict[str, Any]:
    frame = open_with_keyboard(page, url)
    styles = {"launcher": launcher(page).evaluate(COMPUTED)}
    styles["panel"] = page.locator(f"{WIDGET} iframe").evaluate(COMPUTED)
    for selector in ("body", "h1", "#message", "#ask-form button", "button.journey-choice"):
        styles[selector] = frame.locator(selector).first.evaluate(COMPUTED)
    return styles


def test_hostile_host_css_does_not_change_the_widget(page: Any, sites: Sites) -> None:
    plain = widget_styles(page, sites.host + "/host.html")
    hostile = widget_styles(page, sites.host + "/hostile.html")
    heading = page.locator("h1").evaluate("h => getComputedStyle(h).fontFamily")
    assert "Comic Sans" in heading  # the hostile sheet did apply to the host's own page
    assert hostile == plain


def test_small_screen_opens_full_screen(browser: Any, sites: Sites) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 640})
    try:
        page = context.new_page()
        frame = open_with_keyboard(page, sites.host + "/host.html")
        box = page.locator(f"{WIDGET} iframe").bounding_box()
        assert (round(box["width"]), round(box["height"])) == (360, 640)
        frame.locator("#embed-close").focus()
        page.keyboard.press("Enter")
        assert focus_returns_to_launcher(page)
    finally:
        context.close()
