"""Cross-site scripting, tried for real: hostile text in questions, queries, step ids and
ingested documents (titles, text, addresses), rendered by the real server in Chromium,
with the site's CSP on and with CSP bypassed (so escaping alone must hold).

A payload that ran would set ``window.__xss`` (or call ``alert``); an injected element
would match :data:`INJECTED`. Both are checked after every page and every answer.
"""

from __future__ import annotations

import html
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from assistant.config import load_settings
from assistant.evidence.corpus import parse_corpus
from assistant.ingest.collection import Collection, Options
from assistant.ingest.readers import read_document
from assistant.search.embedding import SentenceTransformerEmbedder
from assistant.search.index import build_index
from tests.browser.conftest import free_port, serve_app
from tests.conftest import FIXTURE_CORPUS

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '"><img src=x onerror="window.__xss=1">',
    "'><svg onload=window.__xss=1>",
    "</textarea><script>window.__xss=1</script>",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    "javascript:window.__xss=1",
    "<a href=javascript:window.__xss=1>x</a>",
    "{{constructor.constructor('window.__xss=1')()}}",
]
INJECTED = (
    "script:not([src]), img[src='x'], svg[onload], iframe[srcdoc], [onerror], [onload], "
    "[onmouseover], a[href^='javascript' i], a[href^=' javascript' i]"
)
HOSTILE_URL = 'https://example.org/"><img/src=x/onerror=window.__xss=1>'
ROOT = Path(__file__).resolve().parents[2]
MARKDOWN = """---
title: {p0}
---
# {p1}

## {p2}

Parent-infant teams {p3} support families with babies. Hostile text {p4} sits in this
passage about parent-infant relationship teams and infant mental health.
"""
HTML = """<!doctype html><html><head><title>{p0}</title></head><body>
<h1>{p1}</h1><h2>{p2}</h2>
<p>Health visitors {p3} see every family with a new baby; {p4} in an ingested web page
about health visiting and perinatal mental health.</p>
<script>window.__xss=1</script><img src=x onerror="window.__xss=1">
</body></html>"""


def _hostile_corpus(root: Path) -> Path:
    """The test corpus plus the real journey and estimator, and two hostile documents."""
    corpus = root / "corpus"
    shutil.copytree(FIXTURE_CORPUS, corpus)
    shutil.copy(ROOT / "corpus" / "journey.yaml", corpus / "journey.yaml")
    passage = next(p for p in parse_corpus(corpus).passages if "42%" in p.text)
    (corpus / "estimator.yaml").write_text(
        "levels:\n  - id: all\n    label: All births\nrates:\n  - id: births\n"
        "    label: Births\n    level: all\n    rate: 42\n    per: 100\n"
        f"    population: births\n    passage: {passage.id}\n",
        encoding="utf-8",
    )
    fields = {f"p{n}": p for n, p in enumerate(PAYLOADS[:5])}
    docs = root / "docs"
    docs.mkdir()
    (docs / "hostile.md").write_text(MARKDOWN.format(**fields), encoding="utf-8")
    escaped = {k: html.escape(v) for k, v in fields.items()}  # text that reads as markup
    (docs / "hostile-page.html").write_text(HTML.format(**escaped), encoding="utf-8")
    collection = Collection(corpus)
    for name, url in (("hostile.md", HOSTILE_URL), ("hostile-page.html", None)):
        path = docs / name
        options = Options(title=f"Title {PAYLOADS[1]}", publisher=PAYLOADS[0], url=url)
        collection.add(path, read_document(path, 1_000_000), options)
    return corpus


@pytest.fixture(scope="module")
def hostile_site(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder, browser: Any
) -> Iterator[str]:
    root = tmp_path_factory.mktemp("xss")
    corpus = _hostile_corpus(root)
    build_index(corpus, root / "index", embedder)
    settings = load_settings(env={}, overrides={"corpus_dir": corpus, "index_dir": root / "index"})
    port = free_port("127.0.0.1")
    with serve_app(settings, port, ""):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(params=["csp", "no-csp"])
def xss_page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(bypass_csp=request.param == "no-csp")
    context.add_init_script(
        "window.__xss = 0;"
        "window.alert = window.confirm = window.prompt = function () { window.__xss = 1; };"
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def assert_clean(page: Any) -> None:
    page.wait_for_timeout(150)  # let onerror/onload handlers fire if anything was injected
    assert page.evaluate("window.__xss") == 0, page.url
    injected = page.evaluate(
        f"Array.from(document.querySelectorAll({INJECTED!r})).map(e => e.outerHTML)"
    )
    assert injected == [], injected


def _pages(site: str) -> list[str]:
    q = [quote(p) for p in PAYLOADS]
    pages = [f"{site}/search?q={v}" for v in q]
    pages += [f"{site}/journey/{v}" for v in q[:3]]
    pages += [f"{site}/?node={v}&trail={v}" for v in q[:3]]
    pages += [f"{site}/journey/needs-estimate?births={v}&done={v}" for v in q[:3]]
    pages += [f"{site}/embed?title={v}&host={v}&theme={v}" for v in q[:3]]
    pages += [f"{site}/evidence/{v}" for v in q[:2]]
    pages += [f"{site}/sources", f"{site}/about", f"{site}/search?q=health+visitors"]
    pages += [f"{site}/search?q=parent-infant+teams+hostile"]
    pages += [f"{site}/journey/export/brief.html?trail=needs,needs-estimate&births=3000"]
    return pages


def test_no_payload_runs_or_injects_on_any_page(xss_page: Any, hostile_site: str) -> None:
    for url in _pages(hostile_site):
        xss_page.goto(url)
        assert_clean(xss_page)
    xss_page.goto(f"{hostile_site}/sources")
    links = xss_page.evaluate(
        "Array.from(document.querySelectorAll(\"a[href^='/sources/']\"))"
        ".map(a => a.getAttribute('href'))"
    )
    assert len(links) >= 4  # the ingested sources among them
    for link in links:
        xss_page.goto(hostile_site + link)
        assert_clean(xss_page)


def test_hostile_addresses_are_escaped_where_they_are_links(
    xss_page: Any, hostile_site: str
) -> None:
    xss_page.goto(f"{hostile_site}/search?q=parent-infant+teams+hostile")
    hrefs = xss_page.evaluate("Array.from(document.links).map(a => a.getAttribute('href'))")
    assert HOSTILE_URL in hrefs  # the https address is a link, kept whole inside its attribute
    assert not [h for h in hrefs if h and h.strip().lower().startswith("javascript")]
    assert_clean(xss_page)


def test_questions_with_payloads_are_shown_as_text(xss_page: Any, hostile_site: str) -> None:
    for payload in PAYLOADS[:4]:
        xss_page.goto(f"{hostile_site}/")
        xss_page.fill("#message", f"parent-infant teams {payload}")
        xss_page.click("#ask-form button[type=submit]")
        xss_page.locator(".turn--assistant").last.wait_for()
        xss_page.wait_for_load_state("networkidle")
        assert_clean(xss_page)


def test_search_as_you_type_renders_payloads_as_text(xss_page: Any, hostile_site: str) -> None:
    xss_page.goto(f"{hostile_site}/search")
    for payload in ("parent-infant teams hostile", *PAYLOADS[:3]):
        xss_page.fill("#q", payload)
        xss_page.wait_for_timeout(400)
        xss_page.wait_for_load_state("networkidle")
        assert_clean(xss_page)


def test_the_no_javascript_forms_render_payloads_as_text(browser: Any, hostile_site: str) -> None:
    context = browser.new_context(java_script_enabled=False, bypass_csp=True)
    page = context.new_page()
    try:
        for path in ("/", "/embed"):
            for payload in PAYLOADS[:4]:
                page.goto(hostile_site + path)
                page.fill("textarea[name=message]", f"health visitors {payload}")
                page.locator("form[method=post] button[type=submit]").first.click()
                page.wait_for_load_state()
                assert page.locator(INJECTED).count() == 0
                assert page.locator(".answer, .error-message").count() >= 1
    finally:
        context.close()
