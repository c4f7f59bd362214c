"""The staff lookup through the test client: no-JavaScript search, permalinks, citations."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient

from assistant.config import Settings
from assistant.search import engine as services
from assistant.search.embedding import SentenceTransformerEmbedder
from assistant.search.engine import Engine
from assistant.search.index import build_index
from assistant.web import create_app

QUERY = "CAMHS referrals for babies"


def _first_result(client: FlaskClient, q: str = QUERY) -> dict[str, object]:
    result: dict[str, object] = client.get("/api/search", query_string={"q": q}).get_json()[
        "results"
    ][0]
    return result


def test_the_search_form_is_a_plain_get_form(client: FlaskClient) -> None:
    page = client.get("/search").get_data(as_text=True)
    form = re.search(r'<form id="search-form"[^>]*>', page)
    assert form and 'method="get"' in form.group() and 'action="/search"' in form.group()
    for field in ('name="q"', 'name="topic"', 'name="source"', 'type="submit"'):
        assert field in page
    assert 'aria-current="page"' in page


def test_no_javascript_search_shows_highlighted_results_and_references(
    client: FlaskClient,
) -> None:
    response = client.get("/search", query_string={"q": QUERY})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<mark class="term">CAMHS</mark>' in page
    assert '<mark class="best-sentence">' in page
    assert 'class="reference-text"' in page and "Available at:" in page
    assert re.search(r'href="http://localhost/evidence/(\w+)#passage-\1"', page)
    assert "passages found" in page


def test_facet_links_are_plain_links_that_filter(client: FlaskClient) -> None:
    page = client.get("/search", query_string={"q": QUERY}).get_data(as_text=True)
    link = re.search(r'href="(/search\?q=[^"]*topic=([\w-]+)[^"]*)">[^<]+\((\d+)\)', page)
    assert link
    url, topic, count = link.group(1).replace("&amp;", "&"), link.group(2), int(link.group(3))
    filtered = client.get(url).get_data(as_text=True)
    assert f'<option value="{topic}" selected>' in filtered
    assert filtered.count('class="evidence-card"') == min(count, 10)


@pytest.mark.parametrize(
    "query", ['<script>alert("CAMHS")</script> babies', "CAMHS (referrals)+ [babies]* .?|^$"]
)
def test_html_and_regex_metacharacters_in_a_query_are_harmless(
    client: FlaskClient, query: str
) -> None:
    response = client.get("/search", query_string={"q": query})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert" not in page
    assert '<mark class="term">CAMHS</mark>' in page
    if "<script>" in query:
        assert "&lt;script&gt;alert(&#34;CAMHS&#34;)&lt;/script&gt; babies" in page
    api = client.get("/api/search", query_string={"q": query})
    assert api.status_code == 200
    for row in api.get_json()["results"]:
        assert all(row["text"][a:b].casefold() != "" for a, b in row["highlights"])


def test_bad_search_input_gets_a_helpful_page(client: FlaskClient) -> None:
    too_long = client.get("/search", query_string={"q": "x" * 1001})
    assert too_long.status_code == 422
    assert "the limit is 1000" in too_long.get_data(as_text=True)
    bad_topic = client.get("/search", query_string={"q": "teams", "topic": "<b>nope</b>"})
    assert bad_topic.status_code == 422
    assert "&lt;b&gt;nope&lt;/b&gt;" in bad_topic.get_data(as_text=True)


def test_api_search_keeps_its_keys_and_adds_filters_facets_and_highlights(
    client: FlaskClient,
) -> None:
    data = client.get("/api/search", query_string={"q": QUERY, "k": 5}).get_json()
    assert {"query", "results", "facets", "total", "topic", "source"} <= set(data)
    topic = data["facets"]["topics"][0]
    filtered = client.get(
        "/api/search", query_string={"q": QUERY, "topic": topic["value"], "k": 50}
    ).get_json()
    assert filtered["topic"] == topic["value"]
    assert len(filtered["results"]) == topic["count"] == filtered["total"]
    for row in filtered["results"]:
        assert {"id", "text", "title", "section", "url", "page", "score"} <= set(row)
        assert row["topic"] == topic["value"]
        words = [row["text"][a:b].casefold() for a, b in row["highlights"]]
        assert words and all(w.startswith(("camh", "referr", "bab")) for w in words)
        start, end = row["sentence"]
        assert 0 <= start < end <= len(row["text"])


def test_api_search_phrase_mode_and_unknown_source(client: FlaskClient) -> None:
    data = client.get("/api/search", query_string={"q": '"Section 75"', "k": 50}).get_json()
    assert data["phrases"] == ["Section 75"]
    assert data["results"]
    for r in data["results"]:
        assert "section 75" in f"{r['text']} {r['heading']} {r['section']}".lower()
    bad = client.get("/api/search", query_string={"q": "teams", "source": "nope"})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["code"] == "invalid_input"


def test_permalink_shows_the_passage_in_context(client: FlaskClient, engine: Engine) -> None:
    index = engine.index
    passage = next(
        p
        for i, p in enumerate(index.passages[1:-1], start=1)
        if index.passages[i - 1].file == p.file and index.passages[i + 1].file == p.file
    )
    page = client.get(f"/evidence/{passage.id}").get_data(as_text=True)
    assert f'id="passage-{passage.id}"' in page
    assert "Related passages" in page
    assert "Other reference styles" in page and "Available from:" in page
    assert f"http://localhost/evidence/{passage.id}#passage-{passage.id}" in page
    assert "Before this passage" in page or "After this passage" in page


def test_unknown_permalink_is_a_404_page_with_a_search_form(client: FlaskClient) -> None:
    response = client.get("/evidence/<b>000000")
    page = response.get_data(as_text=True)
    assert response.status_code == 404
    assert 'action="/search"' in page and "&lt;b&gt;000000" in page


@pytest.mark.parametrize("style", ["harvard", "apa", "vancouver"])
def test_cite_api_formats_each_style(client: FlaskClient, style: str) -> None:
    first = _first_result(client)
    data = client.get(f"/api/passages/{first['id']}/cite", query_string={"style": style})
    body = data.get_json()
    assert data.status_code == 200
    assert body["style"] == style and str(first["title"]).rstrip(".?!") in body["reference"]
    assert body["permalink"].endswith(f"/evidence/{first['id']}#passage-{first['id']}")


def test_cite_api_errors(client: FlaskClient) -> None:
    first = _first_result(client)
    bad = client.get(f"/api/passages/{first['id']}/cite", query_string={"style": "mla"})
    assert bad.status_code == 422
    assert bad.get_json()["error"]["code"] == "invalid_input"
    missing = client.get("/api/passages/000000000000/cite")
    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"


def test_sources_list_every_source_with_its_passage_count(
    client: FlaskClient, engine: Engine
) -> None:
    page = client.get("/sources").get_data(as_text=True)
    for source_id in engine.index.sources:
        assert f'href="/sources/{source_id}"' in page
    source_id = engine.index.passages[0].source_id
    detail = client.get(f"/sources/{source_id}").get_data(as_text=True)
    ids = re.findall(r'<article class="evidence-card" id="passage-(\w+)"', detail)
    orders = [engine.index.passages[engine.index.by_id[i]].order for i in ids]
    assert ids and orders == sorted(orders)
    assert client.get("/sources/nope").status_code == 404


def test_pages_have_no_inline_script(client: FlaskClient) -> None:
    for url in ("/search?q=teams", "/sources"):
        page = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page)


@pytest.fixture()
def changed_corpus(
    fixture_settings: Settings, embedder: SentenceTransformerEmbedder
) -> Iterator[tuple[FlaskClient, str, str]]:
    """Build the tiny corpus, edit one passage, rebuild: (client, old id, new id)."""
    build_index(fixture_settings.corpus_dir, fixture_settings.index_dir, embedder)
    sample = fixture_settings.corpus_dir / "evidence" / "sample.md"
    before = build_index(fixture_settings.corpus_dir, fixture_settings.index_dir, embedder)
    text = sample.read_text(encoding="utf-8")
    sample.write_text(text.replace("counted 27", "counted twenty-seven"), encoding="utf-8")
    after = build_index(fixture_settings.corpus_dir, fixture_settings.index_dir, embedder)
    assert before.unchanged and len(after.removed) == len(after.added) == 1
    key = services.engine_key(fixture_settings)
    services._engines[key] = services.load_engine(fixture_settings, embedder)
    try:
        app = create_app({"TESTING": True}, settings=fixture_settings)
        yield app.test_client(), after.removed[0], after.added[0]
    finally:
        services._engines.pop(key, None)


def test_a_changed_passage_gives_410_pointing_to_the_closest_current_one(
    changed_corpus: tuple[FlaskClient, str, str],
) -> None:
    client, old_id, new_id = changed_corpus
    response = client.get(f"/evidence/{old_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "counted 27" in page
    assert f'class="closest-link" href="/evidence/{new_id}"' in page
    assert client.get(f"/evidence/{new_id}").status_code == 200


@pytest.mark.parametrize("path", ["/api/passages/{id}", "/api/passages/{id}/cite"])
def test_the_api_answers_410_for_a_changed_passage_naming_the_closest(
    changed_corpus: tuple[FlaskClient, str, str], path: str
) -> None:
    client, old_id, new_id = changed_corpus
    response = client.get(path.format(id=old_id))
    assert response.status_code == 410
    error = response.get_json()["error"]
    assert error["code"] == "gone"
    assert f"closest current passage is {new_id!r}" in error["message"]
    assert client.get(path.format(id=new_id)).status_code == 200


def test_no_javascript_search_pages_through_every_result(client: FlaskClient) -> None:
    query = {"q": "perinatal mental health"}
    first = client.get("/api/search", query_string={**query, "k": 10}).get_json()
    assert first["pages"] > 1 and first["page_numbers"][0] == 1
    seen: list[str] = []
    for n in range(1, first["pages"] + 1):
        html = client.get("/search", query_string={**query, "page": n}).get_data(as_text=True)
        seen += re.findall(r'<article class="evidence-card" id="passage-(\w+)"', html)
        assert f'aria-current="page"><span class="visually-hidden">Page </span>{n}</a>' in html
        assert ('rel="next"' in html) is (n < first["pages"])
        assert ('rel="prev"' in html) is (n > 1)
    assert len(seen) == len(set(seen)) == first["total"]


def test_api_search_pages(client: FlaskClient) -> None:
    query = {"q": "perinatal mental health", "k": 5}
    one = client.get("/api/search", query_string=query).get_json()
    two = client.get("/api/search", query_string={**query, "page": 2}).get_json()
    assert (one["page"], two["page"], two["first"], two["last"]) == (1, 2, 6, 10)
    assert not {r["id"] for r in one["results"]} & {r["id"] for r in two["results"]}
    past = client.get("/api/search", query_string={**query, "page": one["pages"] + 1})
    assert past.status_code == 422 and "pages of results" in past.get_json()["error"]["message"]
    bad = client.get("/api/search", query_string={**query, "page": "two"})
    assert bad.status_code == 422 and bad.get_json()["error"]["code"] == "invalid_input"


def test_a_page_past_the_last_is_a_helpful_page(client: FlaskClient) -> None:
    response = client.get("/search", query_string={"q": '"Section 75"', "page": 99})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r"pages? of results; &#39;page&#39; must be from 1 to \d+</p>", html)


def test_a_quoted_phrase_in_a_heading_is_found_and_marked(client: FlaskClient) -> None:
    html = client.get("/search", query_string={"q": '"pooled budgets"'}).get_data(as_text=True)
    assert '<mark class="term">pooled budgets</mark></a></h3>' in html
    marks = re.findall(r'<mark class="term">([^<]*)</mark>', html)
    assert marks and {m.lower() for m in marks} == {"pooled budgets"}


def test_section_75_highlights_only_section_75(client: FlaskClient) -> None:
    data = client.get("/api/search", query_string={"q": '"Section 75"', "k": 50}).get_json()
    assert data["results"]
    for r in data["results"]:
        for a, b in r["highlights"]:
            assert re.fullmatch(r"section\s+75", r["text"][a:b], re.I)


def test_passage_ids_are_case_insensitive(client: FlaskClient, engine: Engine) -> None:
    passage_id = engine.index.passages[0].id
    shouted = passage_id.upper()
    assert shouted != passage_id
    page = client.get(f"/evidence/{shouted}")
    assert page.status_code == 301 and page.headers["Location"].endswith(f"/evidence/{passage_id}")
    assert client.get(f"/evidence/{shouted}", follow_redirects=True).status_code == 200
    assert client.get(f"/api/passages/{shouted}").get_json()["id"] == passage_id
    cite = client.get(f"/api/passages/{shouted}/cite").get_json()
    assert cite["id"] == passage_id
