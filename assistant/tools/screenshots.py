"""README screenshots of a running deployment: the chat with an answer, a journey step,
search, and the intranet widget open with an answer.

    python -m assistant.tools.screenshots http://127.0.0.1:8000 docs/screenshots after

Needs Playwright (a dev dependency) and Chromium at /usr/bin/chromium. Writes
``<prefix>-chat.png``, ``<prefix>-journey.png``, ``<prefix>-search.png`` and
``<prefix>-widget.png`` into the folder.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
QUESTION = "How can a parent-infant team be funded and commissioned?"
WIDTH, HEIGHT = 1100, 1300


def _chat(page: Any, base: str, out: Path) -> None:
    page.goto(base + "/")
    page.evaluate("sessionStorage.clear()")
    page.goto(base + "/")
    page.locator("#message").fill(QUESTION)
    page.locator("#ask-form button[type=submit]").click()
    page.locator(".turn--user ~ .turn--assistant .citation").first.wait_for()
    page.locator(".turn--user").last.scroll_into_view_if_needed()
    page.screenshot(path=str(out), full_page=False)


def _journey(page: Any, base: str, out: Path) -> None:
    page.goto(base + "/")
    page.evaluate("sessionStorage.clear()")
    page.goto(base + "/")
    page.locator("a[data-node=needs]").first.click()
    page.locator(".step-heading", has_text="Analyse local needs").wait_for()
    page.locator(".turn--step").last.evaluate("e => e.scrollIntoView()")
    page.screenshot(path=str(out), full_page=False)


def _search(page: Any, base: str, out: Path) -> None:
    page.goto(base + "/search?q=Section+75+pooled+budgets")
    page.screenshot(path=str(out), full_page=False)


def _widget(page: Any, base: str, out: Path) -> None:
    page.goto(base + "/embed/setup")
    page.locator("[data-pair-assistant] button").click()
    frame = page.frame_locator("[data-pair-assistant] iframe")
    frame.locator("#message").fill(QUESTION)
    frame.locator("#ask-form button[type=submit]").click()
    frame.locator(".turn--assistant .citation").first.wait_for()
    page.wait_for_timeout(500)
    page.screenshot(path=str(out), full_page=False)


def take(base: str, folder: Path, prefix: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    folder.mkdir(parents=True, exist_ok=True)
    shots = {"chat": _chat, "journey": _journey, "search": _search, "widget": _widget}
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        for name, shoot in shots.items():
            context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT})
            page = context.new_page()
            page.set_default_timeout(60_000)
            path = folder / f"{prefix}-{name}.png"
            shoot(page, base.rstrip("/"), path)
            written.append(path)
            context.close()
        browser.close()
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[3].strip(), file=sys.stderr)
        return 2
    for path in take(argv[0], Path(argv[1]), argv[2]):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
