"""Formatted references for sources with and without authors, year and page."""

from __future__ import annotations

import pytest

from assistant.errors import ValidationError
from assistant.evidence.corpus import Passage, Source
from assistant.lookup.cite import (
    STYLES,
    check_style,
    location,
    parse_author,
    passage_reference,
    permalink,
    reference,
)

FULL = Source(
    id="paper",
    title="Who's got the infants in mind?",
    url="https://doi.org/10.1186/x",
    authors=("McSweeney L", "Bateson K", "Hamilton W"),
    publisher="BMC Health Services Research",
    year=2025,
)
CORPORATE = Source(
    id="report",
    title="Rare Jewels",
    url="https://example.org/rare-jewels",
    publisher="Parent-Infant Foundation",
    year=2019,
)
BARE = Source(id="bare", title="An undated note")


@pytest.mark.parametrize(
    ("style", "page", "expected"),
    [
        (
            "harvard",
            None,
            "McSweeney, L., Bateson, K. and Hamilton, W. (2025) Who's got the infants in mind? "
            "BMC Health Services Research. Available at: https://doi.org/10.1186/x",
        ),
        (
            "apa",
            "12",
            "McSweeney, L., Bateson, K., & Hamilton, W. (2025). Who's got the infants in mind? "
            "(p. 12). BMC Health Services Research. https://doi.org/10.1186/x",
        ),
        (
            "vancouver",
            "pp. 3-5",
            "McSweeney L, Bateson K, Hamilton W. Who's got the infants in mind? "
            "BMC Health Services Research; 2025. pp. 3–5. Available from: https://doi.org/10.1186/x",
        ),
    ],
)
def test_source_with_authors_year_and_page(style: str, page: str | None, expected: str) -> None:
    assert reference(FULL, page, style) == expected


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        (
            "harvard",
            "Parent-Infant Foundation (2019) Rare Jewels. Summary. "
            "Available at: https://example.org/rare-jewels",
        ),
        (
            "apa",
            "Parent-Infant Foundation. (2019). Rare Jewels (Summary). https://example.org/rare-jewels",
        ),
        (
            "vancouver",
            "Rare Jewels. Parent-Infant Foundation; 2019. Summary. "
            "Available from: https://example.org/rare-jewels",
        ),
    ],
)
def test_source_without_authors_is_credited_to_its_publisher(style: str, expected: str) -> None:
    assert reference(CORPORATE, "Summary", style) == expected


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("harvard", "An undated note (no date)."),
        ("apa", "An undated note. (n.d.)."),
        ("vancouver", "An undated note. [date unknown]."),
    ],
)
def test_source_without_authors_year_publisher_or_url(style: str, expected: str) -> None:
    assert reference(BARE, None, style) == expected


def test_single_author_has_no_conjunction() -> None:
    solo = Source(id="s", title="Solo", authors=("Smith J",), year=2020)
    assert reference(solo, None, "harvard") == "Smith, J. (2020) Solo."
    assert reference(solo, None, "apa") == "Smith, J. (2020). Solo."


def test_vancouver_lists_six_authors_then_et_al() -> None:
    many = Source(id="m", title="Many", authors=tuple(f"Author{i} A" for i in range(8)), year=2021)
    text = reference(many, None, "vancouver")
    assert text.startswith(
        "Author0 A, Author1 A, Author2 A, Author3 A, Author4 A, Author5 A, et al."
    )


def test_organisation_as_author_is_written_unchanged() -> None:
    assert (
        parse_author("Office for National Statistics").dotted() == "Office for National Statistics"
    )
    assert parse_author("Hogg SJ").dotted() == "Hogg, S.J."


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("12", "p. 12"),
        ("p. 7", "p. 7"),
        ("12-14", "pp. 12–14"),
        ("Abstract", "Abstract"),
        (None, None),
    ],
)
def test_page_locations(page: str | None, expected: str | None) -> None:
    assert location(page) == expected


def test_style_defaults_to_harvard_and_rejects_others() -> None:
    assert check_style(None) == "harvard"
    assert check_style(" APA ") == "apa"
    with pytest.raises(ValidationError, match="must be one of harvard, apa, vancouver"):
        check_style("mla")
    assert set(STYLES) == {"harvard", "apa", "vancouver"}


def test_passage_reference_uses_the_passage_page_and_permalink_has_an_anchor() -> None:
    passage = Passage("abc123", "Text.", "H", "S > H", "t", ("report",), page="Summary")
    assert passage_reference(passage, {"report": CORPORATE}).startswith(
        "Parent-Infant Foundation (2019) Rare Jewels. Summary."
    )
    assert permalink("https://pair.example/", "abc123") == (
        "https://pair.example/evidence/abc123#passage-abc123"
    )
