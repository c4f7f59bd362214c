"""Where evidence comes from and how it ages: grades that follow the source, one address per
source, newer evidence named, review dates, and prose that is our own.

Checks used by ``pair-assistant check`` (and its ``--notes`` and ``--stale`` options).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from assistant.evidence.corpus import EVIDENCE_GRADES, Corpus, Passage
from assistant.evidence.yamlsrc import Problem

# Grades a passage may not take from its main source's type: a news item or an MP's page
# is not guidance or official statistics, a charity report is not a trial, and so on.
FORBIDDEN_GRADES: dict[str, frozenset[str]] = {
    "news": frozenset({"guidance or policy", "official statistics", "systematic review", "trial"}),
    "local case study": frozenset(
        {"guidance or policy", "official statistics", "systematic review", "trial"}
    ),
    "charity or expert report": frozenset(
        {"guidance or policy", "official statistics", "systematic review", "trial"}
    ),
    "peer-reviewed study": frozenset({"guidance or policy", "official statistics"}),
    "systematic review": frozenset({"guidance or policy", "official statistics", "local example"}),
    "official statistics": frozenset({"trial", "systematic review", "qualitative"}),
    "policy": frozenset({"trial", "systematic review", "qualitative"}),
    "statutory guidance": frozenset({"trial", "systematic review", "qualitative"}),
}
DEFINITIONS_TOPIC = "glossary"
NOTES_RUN = 15
_WORD = re.compile(r"[A-Za-z0-9£%]+(?:['’.][A-Za-z0-9]+)*")


def grade_problems(corpus: Corpus) -> list[Problem]:
    """Passages whose grade does not follow from their main source's type."""
    problems = []
    for p in corpus.passages:
        source = corpus.sources.get(p.source_id)
        if source is None or source.type is None or p.evidence is None:
            continue
        if p.evidence in FORBIDDEN_GRADES.get(source.type, frozenset()):
            problems.append(
                Problem(
                    p.file,
                    p.line,
                    f"passage {p.heading!r} is graded {p.evidence!r} but its source "
                    f"{source.id!r} is a {source.type}; grade what the source is",
                )
            )
        if p.topic == DEFINITIONS_TOPIC and p.evidence == "systematic review":
            problems.append(
                Problem(p.file, p.line, f"definition {p.heading!r} cannot be a systematic review")
            )
    return problems


def grade_consistency_problems(corpus: Corpus) -> list[Problem]:
    """One source, one grade: a passage graded unlike most passages of its main source
    must say why in ``grade_note:`` (a definition drawn from a review, say)."""
    by_source: dict[str, list[Passage]] = {}
    for p in corpus.passages:
        if p.evidence in EVIDENCE_GRADES:  # an unknown grade is reported on its own
            by_source.setdefault(p.source_id, []).append(p)
    problems = []
    for source_id, passages in by_source.items():
        grades = [p.evidence for p in passages]
        usual = max(dict.fromkeys(grades), key=grades.count)
        for p in passages:
            if p.evidence != usual and not p.grade_note:
                problems.append(
                    Problem(
                        p.file,
                        p.line,
                        f"passage {p.heading!r} is graded {p.evidence!r} but other passages of "
                        f"{source_id!r} are {usual!r}; grade it the same or say why in "
                        "'grade_note:'",
                    )
                )
    return problems


def address_problems(corpus: Corpus) -> list[Problem]:
    """Two sources with one address, and ``superseded_by`` naming no source."""
    problems = []
    seen: dict[str, str] = {}
    for source in corpus.sources.values():
        if source.url:
            key = source.url.rstrip("/").lower()
            other = seen.setdefault(key, source.id)
            if other != source.id:
                problems.append(
                    Problem(
                        source.file,
                        source.line,
                        f"source {source.id!r} has the same url as {other!r}; merge them",
                    )
                )
        newer = source.superseded_by
        if newer is not None and (newer not in corpus.sources or newer == source.id):
            problems.append(
                Problem(
                    source.file,
                    source.line,
                    f"source {source.id!r} is superseded_by {newer!r}, which is not another source",
                )
            )
    return problems


def review_problems(corpus: Corpus) -> list[Problem]:
    """``reviewed:`` dates that are not dates."""
    problems = []
    for p in corpus.passages:
        if p.reviewed is not None and _date(p.reviewed) is None:
            problems.append(
                Problem(
                    p.file, p.line, f"reviewed {p.reviewed!r} should be a date such as 2026-12-02"
                )
            )
    return problems


def stale(passages: Iterable[Passage], days: int, today: dt.date | None = None) -> list[Passage]:
    """Passages not reviewed within ``days`` (or never), oldest first."""
    limit = (today or dt.date.today()) - dt.timedelta(days=days)
    old = [p for p in passages if (d := _date(p.reviewed)) is None or d < limit]
    return sorted(old, key=lambda p: (p.reviewed or "", p.file, p.line))


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class SharedRun:
    passage: Passage
    words: int
    text: str
    is_title: bool


def shared_runs(
    passages: Iterable[Passage], notes: Iterable[str], min_words: int = NOTES_RUN
) -> list[SharedRun]:
    """The longest run of at least ``min_words`` consecutive words (case and punctuation
    folded) each passage shares with the notes. A run that is mostly capitalised words
    (a title, or a list of names) is marked ``is_title``."""
    note_words: list[str] = []
    for text in notes:
        note_words += [w.lower() for w in _WORD.findall(text)] + ["\0"]
    starts: dict[tuple[str, ...], list[int]] = {}
    for i in range(len(note_words) - min_words + 1):
        starts.setdefault(tuple(note_words[i : i + min_words]), []).append(i)
    found = []
    for p in passages:
        run = _longest(_WORD.findall(p.text), note_words, starts, min_words)
        if run:
            found.append(SharedRun(p, len(run), " ".join(run), _titled(run)))
    return found


def _longest(
    words: list[str], notes: list[str], starts: dict[tuple[str, ...], list[int]], n: int
) -> list[str]:
    folded = [w.lower() for w in words]
    best: list[str] = []
    for i in range(len(folded) - n + 1):
        for j in starts.get(tuple(folded[i : i + n]), ()):
            k = n
            while i + k < len(folded) and j + k < len(notes) and folded[i + k] == notes[j + k]:
                k += 1
            if k > len(best):
                best = words[i : i + k]
    return best


def _titled(run: list[str]) -> bool:
    capitalised = sum(1 for w in run if w[:1].isupper() or w[:1].isdigit())
    return capitalised >= 0.6 * len(run)
