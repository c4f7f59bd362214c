"""A passage in context, sources and their passages: what the permalink pages show.

Neighbours are the passages just before and after in corpus order that share the
passage's file and parent section (so the chunks of one heading and the sibling headings
under one section). Related passages are the nearest by the stored passage vectors,
listed per passage by the index build, so a page costs no model call and no scan; only a
retired passage, which has no stored vector, is embedded. Groups, per-source counts and
sections are worked out once per process for the loaded index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from assistant.evidence.corpus import Passage, Source, source_of
from assistant.search.index import EvidenceIndex

if TYPE_CHECKING:
    from assistant.search.engine import Engine

RELATED = 5


@dataclass(frozen=True)
class InContext:
    passage: Passage
    source: Source
    previous: Passage | None
    next: Passage | None
    related: tuple[Passage, ...]


@dataclass(frozen=True)
class Section:
    name: str
    passages: tuple[Passage, ...]


def in_context(index: EvidenceIndex, position: int, related: int = RELATED) -> InContext:
    passage = index.passages[position]
    group = _groups(index)[_group(passage)]
    at = group.index(passage)
    before = group[at - 1] if at > 0 else None
    after = group[at + 1] if at + 1 < len(group) else None
    skip = {p.id for p in (passage, before, after) if p is not None}
    return InContext(
        passage,
        source_of(passage, index.sources),
        before,
        after,
        _nearest(index, position, skip, related),
    )


def _group(passage: Passage) -> tuple[str, str]:
    parent = passage.section.rsplit(" > ", 1)[0]
    return passage.file, parent


def _groups(index: EvidenceIndex) -> dict[tuple[str, str], list[Passage]]:
    def compute() -> dict[tuple[str, str], list[Passage]]:
        groups: dict[tuple[str, str], list[Passage]] = {}
        for p in index.passages:
            groups.setdefault(_group(p), []).append(p)
        return groups

    return index.derived("groups", compute)


def _nearest(index: EvidenceIndex, position: int, skip: set[str], n: int) -> tuple[Passage, ...]:
    stored = index.related
    if stored is not None and stored.shape[1] >= n + len(skip):
        order: np.ndarray = stored[position]
    else:  # an older build without the list
        order = np.argsort(-(index.vectors @ index.vectors[position]), kind="stable")
    found = (index.passages[int(i)] for i in order)
    return tuple(p for p in found if p.id not in skip)[:n]


def closest_current(engine: Engine, passage: Passage) -> Passage | None:
    """The serving passage nearest a retired one (by embedding), if any."""
    best = engine.index.dense(engine.embed(passage.embedding_text()), 1)
    return engine.index.passages[best[0][0]] if best else None


def sources_by_title(index: EvidenceIndex) -> list[Source]:
    return index.derived(
        "sources_by_title", lambda: sorted(index.sources.values(), key=lambda s: s.title.casefold())
    )


def passage_counts(index: EvidenceIndex) -> dict[str, int]:
    """Passages citing each source (every source, zero included)."""

    def compute() -> dict[str, int]:
        counts = dict.fromkeys(index.sources, 0)
        for passage in index.passages:
            for sid in dict.fromkeys(passage.source_ids):
                counts[sid] = counts.get(sid, 0) + 1
        return counts

    return dict(index.derived("passage_counts", compute))


def source_sections(index: EvidenceIndex, source_id: str) -> tuple[Section, ...]:
    """The source's passages grouped by section, in document (corpus) order."""
    sections: dict[str, list[Passage]] = {}
    for passage in _by_source(index).get(source_id, ()):
        sections.setdefault(passage.section, []).append(passage)
    return tuple(Section(name, tuple(ps)) for name, ps in sections.items())


def _by_source(index: EvidenceIndex) -> dict[str, list[Passage]]:
    """Each source's passages in corpus order, worked out once."""

    def compute() -> dict[str, list[Passage]]:
        found: dict[str, list[Passage]] = {}
        for passage in sorted(index.passages, key=lambda p: p.order):
            for sid in dict.fromkeys(passage.source_ids):
                found.setdefault(sid, []).append(passage)
        return found

    return index.derived("by_source", compute)
