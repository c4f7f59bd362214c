"""A retrieved passage as the reader sees it: numbered, with its source and highlights.

Shared by answers, journey steps and lookups, so every page cites a passage the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from assistant.evidence.corpus import source_of
from assistant.search.index import EvidenceIndex
from assistant.search.retrieval import Hit


@dataclass(frozen=True)
class Citation:
    n: int
    id: str
    text: str
    title: str
    section: str
    url: str | None
    page: str | None
    score: float
    source_id: str
    year: int | None
    publisher: str | None
    authors: tuple[str, ...]
    evidence: str | None
    highlights: tuple[tuple[int, int], ...] = ()
    # a passage of the newer source when this one's source is superseded
    newer: str | None = None


_FIELDS = tuple(f.name for f in fields(Citation))


def citation_dict(citation: Citation) -> dict[str, Any]:
    """The citation as JSON-ready values (what ``asdict`` gives, without its deep copy of
    every field: a tenth of the time, on every answer)."""
    data = {name: getattr(citation, name) for name in _FIELDS}
    data["authors"] = list(citation.authors)
    data["highlights"] = [list(h) for h in citation.highlights]
    return data


def make_citation(
    n: int, hit: Hit, index: EvidenceIndex, highlights: tuple[tuple[int, int], ...] = ()
) -> Citation:
    passage = hit.passage
    source = source_of(passage, index.sources)
    return Citation(
        n=n,
        id=passage.id,
        text=passage.text,
        title=source.title,
        section=passage.section,
        url=page_url(source.url, passage.page),
        page=page_label(passage.page),
        score=hit.score,
        source_id=source.id,
        year=source.year,
        publisher=source.publisher,
        authors=source.authors,
        evidence=passage.evidence,
        highlights=highlights,
        newer=index.newer_passage(source.superseded_by),
    )


def page_label(page: str | None) -> str | None:
    """``p. 12`` for a page number (ingested PDFs); other locations as written."""
    return f"p. {page}" if page and page.isdigit() else page


def page_url(url: str | None, page: str | None) -> str | None:
    """Link to the page itself (``#page=12``, which PDF viewers follow) when it is a number."""
    if url and page and page.isdigit() and "#" not in url:
        return f"{url}#page={page}"
    return url
