"""Lookup on the shipped corpus: filters, facets, exact phrases and highlight offsets."""

from __future__ import annotations

import re

import pytest

from assistant.errors import ValidationError
from assistant.evidence.text import sentence_spans
from assistant.lookup.finder import (
    check_page,
    lookup,
    marked,
    page_numbers,
    parse_query,
    phrase_spans,
    query_stems,
    term_spans,
)
from assistant.search.engine import Engine


def test_query_terms_are_highlighted_by_stem() -> None:
    text = "Commissioners commission services; a commissioned team."
    spans = term_spans(text, query_stems("commissioning"))
    assert [text[a:b] for a, b in spans] == ["commission", "commissioned"]


def test_stop_words_are_not_highlighted() -> None:
    assert query_stems("the teams and the funding") == query_stems("teams funding")


@pytest.mark.parametrize(
    "query",
    [
        "(a+b)* [CAMHS] ^$|\\d{2}",
        "<script>alert('CAMHS')</script>",
        '<mark onclick="x">CAMHS</mark>',
    ],
)
def test_regex_metacharacters_and_html_in_a_query_only_mark_words(query: str) -> None:
    text = "In 42% of areas CAMHS (child services) did not accept referrals: [sic]."
    spans = term_spans(text, query_stems(query))
    assert [text[a:b] for a, b in spans] == ["CAMHS"]


def test_phrase_spans_treat_the_phrase_as_text_not_a_pattern() -> None:
    text = "Costs rose (a lot) by 42% (CAMHS) and by 42%.* elsewhere"
    assert [text[a:b] for a, b in phrase_spans(text, ("42% (camhs)", ".*"))] == [
        "42% (CAMHS)",
        ".*",
    ]


def test_parse_query_finds_straight_and_curly_quoted_phrases() -> None:
    query = parse_query('teams "Rare Jewels" and “pooled  budgets”', topic="", source="x")
    assert query.phrases == ("Rare Jewels", "pooled budgets")
    assert query.retrieval_text == "teams Rare Jewels and pooled budgets"
    assert (query.topic, query.source) == (None, "x")


def test_a_query_of_empty_quotes_is_refused(engine: Engine) -> None:
    with pytest.raises(ValidationError, match="no words"):
        lookup(engine, parse_query('""'), 5)


def test_exact_phrase_mode_only_returns_passages_containing_it(engine: Engine) -> None:
    found = lookup(engine, parse_query('funding "section 75"'), 50)
    assert found.matches
    for m in found.matches:
        p = m.passage
        assert "section 75" in f"{p.text} {p.heading} {p.section}".casefold()
        if "section 75" in p.text.casefold():
            assert any(p.text[a:b].casefold() == "section 75" for a, b in m.terms)
    assert lookup(engine, parse_query('"75 section"'), 50).matches == ()


def test_filters_keep_only_the_chosen_topic_and_source(engine: Engine) -> None:
    found = lookup(engine, parse_query("CAMHS referrals for babies"), 10)
    topic, source = found.topics[0].value, found.sources[0].value
    by_topic = lookup(engine, parse_query("CAMHS referrals for babies", topic=topic), 50)
    assert by_topic.matches and all(m.passage.topic == topic for m in by_topic.matches)
    by_source = lookup(engine, parse_query("CAMHS referrals for babies", source=source), 50)
    assert by_source.matches and all(source in m.passage.source_ids for m in by_source.matches)


def test_each_facet_count_is_the_number_of_results_it_leads_to(engine: Engine) -> None:
    query = "funding for parent-infant teams"
    found = lookup(engine, parse_query(query), 10)
    assert sum(f.count for f in found.topics) == found.total
    for facet in found.topics[:3]:
        assert lookup(engine, parse_query(query, topic=facet.value), 50).total == facet.count
    chosen = found.topics[0].value
    narrowed = lookup(engine, parse_query(query, topic=chosen), 10)
    for facet in narrowed.sources[:3]:
        both = lookup(engine, parse_query(query, topic=chosen, source=facet.value), 50)
        assert both.total == facet.count
    assert [f.count for f in found.topics] == sorted((f.count for f in found.topics), reverse=True)


def test_a_query_matching_no_word_or_meaning_finds_nothing(engine: Engine) -> None:
    found = lookup(engine, parse_query("zxqv blorft"), 10)
    assert (found.total, found.topics, found.sources) == (0, (), ())


def test_best_sentence_is_one_of_the_passage_sentences(engine: Engine) -> None:
    found = lookup(engine, parse_query("how many births were there in England and Wales"), 5)
    assert found.matches
    for m in found.matches:
        assert m.sentence in sentence_spans(m.passage.text)
        assert all(0 <= a < b <= len(m.passage.text) for a, b in m.terms)


def test_marked_runs_cover_the_text_exactly_once() -> None:
    text = "One two. Three four five. Six."
    runs = marked(text, ((4, 7), (9, 14), (26, 29)), (9, 25))
    assert "".join(p.text for r in runs for p in r.pieces) == text
    assert [r.sentence for r in runs] == [False, True, False]
    terms = [p.text for r in runs for p in r.pieces if p.term]
    assert terms == ["two", "Three", "Six"]


@pytest.mark.parametrize(
    "phrases",
    [
        ("Rare Jewels",),
        ("jewel",),
        ("parent-infant relationship teams",),
        ("the number of live births each year",),
        ("Section 75", "pooled budget"),
        ("words that appear in no passage at all",),
    ],
)
def test_phrase_positions_are_the_passages_holding_every_phrase(
    engine: Engine, phrases: tuple[str, ...]
) -> None:
    from assistant.lookup.finder import phrase_pattern, phrase_positions

    expected = [
        i
        for i, p in enumerate(engine.index.passages)
        if all(phrase_pattern(f).search(f"{p.text}\n{p.heading}\n{p.section}") for f in phrases)
    ]
    assert phrase_positions(engine.index, phrases).tolist() == expected


def test_phrase_positions_agree_with_reading_every_passage(engine: Engine) -> None:
    """Phrases of one to four words cut from the passages, edges of punctuation included."""
    import random

    from assistant.lookup.finder import phrase_pattern, phrase_positions

    rng = random.Random(14)
    phrases = ["75%", "co-production", "(PAIR)", "NHS England's", "0-2", "i.e.", "Jewel"]
    phrases += ["£300", "£", "–", "2019–20", "£1.5 million"]
    for passage in rng.sample(engine.index.passages, 60):
        words = passage.text.split()
        for size in (1, 2, 4):
            start = rng.randrange(max(1, len(words) - size))
            phrases.append(" ".join(words[start : start + size]).upper())
    for phrase in phrases:
        expected = [
            i
            for i, p in enumerate(engine.index.passages)
            if phrase_pattern(phrase).search(f"{p.text}\n{p.heading}\n{p.section}")
        ]
        assert phrase_positions(engine.index, (phrase,)).tolist() == expected, phrase


def test_a_phrase_matches_whole_words_only() -> None:
    text = "Under Section 75, not Section 71, sections 65Z5 or section 750; also section\n75."
    spans = phrase_spans(text, ("Section 75",))
    assert [text[a:b] for a, b in spans] == ["Section 75", "section\n75"]


@pytest.mark.parametrize("query", ['"Section 75"', 'pooled "Section 75"'])
def test_a_quoted_phrase_highlights_only_its_whole_matches(engine: Engine, query: str) -> None:
    found = lookup(engine, parse_query(query), 50)
    assert found.total > 1
    for m in found.matches:
        marked_words = [m.passage.text[a:b] for a, b in m.terms]
        assert all(re.fullmatch(r"section\s+75|pool\w*", w, re.I) for w in marked_words)


def test_a_quoted_phrase_also_finds_headings(engine: Engine) -> None:
    found = lookup(engine, parse_query('"pooled budgets"'), 50)
    outside = [m.passage for m in found.matches if "pooled budgets" not in m.passage.text.lower()]
    assert outside, "passages whose heading or section has the phrase are found too"
    assert all("pooled budgets" in f"{p.heading} {p.section}".lower() for p in outside)
    titled = [m for m in found.matches if "pooled budgets" in m.passage.heading.lower()]
    assert titled
    for m in titled:
        heading = m.passage.heading
        assert [heading[a:b].lower() for a, b in m.heading_terms] == ["pooled budgets"]


def test_pages_reach_every_result_once(engine: Engine) -> None:
    query = parse_query("perinatal mental health")
    first = lookup(engine, query, 10)
    assert first.total > 10 and first.pages == -(-first.total // 10)
    ids = [
        m.passage.id
        for n in range(1, first.pages + 1)
        for m in lookup(engine, query, 10, n).matches
    ]
    assert len(ids) == first.total == len(set(ids))
    last = lookup(engine, query, 10, first.pages)
    assert (last.first, last.last) == ((first.pages - 1) * 10 + 1, first.total)
    with pytest.raises(ValidationError, match=f"only {first.pages} pages of results"):
        lookup(engine, query, 10, first.pages + 1)


def test_a_phrase_search_considers_every_passage(engine: Engine) -> None:
    found = lookup(engine, parse_query('"the"'), 10, candidates=5)
    having = [p for p in engine.index.passages if re.search(r"\bthe\b", p.text, re.I)]
    assert found.total >= len(having) > 50


@pytest.mark.parametrize(
    ("page", "pages", "shown"),
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (5, 9, [1, None, 4, 5, 6, None, 9]),
        (2, 9, [1, 2, 3, None, 9]),
        (9, 9, [1, None, 8, 9]),
    ],
)
def test_page_links_show_the_ends_and_the_neighbours(
    page: int, pages: int, shown: list[int | None]
) -> None:
    assert page_numbers(page, pages) == shown


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5", "١", "9999999"])
def test_a_bad_page_number_is_refused(value: str) -> None:
    with pytest.raises(ValidationError, match="'page' must be a whole number from 1"):
        check_page(value)
