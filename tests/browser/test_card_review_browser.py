"""A card under review, offered by its question, in Chromium: "People also ask" after an
answer and "Try one of these" after a refusal say "(under review)" beside it, on the chat
page and in the widget, as the pages without JavaScript do.

The real `pair-assistant serve` on the tiny corpus with two stamped cards, after the
passage one of them cites was edited and the index rebuilt.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from assistant.config import Settings, load_settings
from assistant.search.embedding import SentenceTransformerEmbedder
from assistant.search.index import build_index
from tests.browser.conftest import free_port, serve_app
from tests.conftest import FIXTURE_CORPUS
from tests.web.test_card_review import OFF_TOPIC, add_cards, estimate_from_camhs, run

pytestmark = pytest.mark.browser
ASKED = "Is there a specialised parent-infant team in most areas?"
FLAGGED = "Do CAMHS take referrals for babies under two?"


@pytest.fixture(scope="module")
def app(
    browser: Any, tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Iterator[str]:
    """The served app, its CAMHS card under review (its passage edited after stamping)."""
    folder = tmp_path_factory.mktemp("review")
    corpus = folder / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    add_cards(corpus)
    settings: Settings = load_settings(
        env={}, overrides={"corpus_dir": corpus, "index_dir": folder / "index"}
    )
    assert run(settings, "cards", "review", "--all", "--keep-date").exit_code == 0
    sample = corpus / "evidence" / "sample.md"
    text = sample.read_text(encoding="utf-8")
    sample.write_text(text.replace("therefore often left", "therefore left"), encoding="utf-8")
    estimate_from_camhs(corpus)
    build_index(corpus, settings.index_dir, embedder)
    port = free_port("127.0.0.1")
    with serve_app(settings, port, ""):
        yield f"http://127.0.0.1:{port}"


def _item(page: Any, within: str, question: str) -> str:
    """The text of the list item offering ``question`` in the box ``within``."""
    item = page.locator(f"{within} li", has_text=question)
    item.wait_for()
    return re.sub(r"\s+", " ", str(item.inner_text())).strip()


def _ask(page: Any, url: str, question: str) -> None:
    page.goto(url)
    page.locator("#message").fill(question)
    page.locator("#ask-form button[type=submit]").click()


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_people_also_ask_marks_a_card_under_review(page: Any, app: str, path: str) -> None:
    _ask(page, app + path, ASKED)
    assert _item(page, ".next-questions", FLAGGED) == f"{FLAGGED} (under review)"


@pytest.mark.parametrize("path", ["/", "/embed"])
def test_questions_to_try_mark_a_card_under_review(page: Any, app: str, path: str) -> None:
    _ask(page, app + path, OFF_TOPIC)
    assert _item(page, ".answer--abstained", FLAGGED) == f"{FLAGGED} (under review)"
    other = page.locator(".answer--abstained li").filter(has_not_text=FLAGGED)
    assert "under review" not in other.first.inner_text()
