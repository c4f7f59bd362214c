"""Cleaning extracted page text: running headers and footers, page numbers, hyphenation.

Pages come in as lists of lines. A line near the top or bottom of a page that recurs
(digits ignored) on at least half the pages is a running header or footer; a bare page
number ("7", "Page 7 of 40", "- 7 -", "vii") near an edge is dropped. Words broken with a
hyphen at a line end are joined, and a sentence cut by a page break is finished on the
page where it began, so each page's text reads whole and cites the page it starts on.
"""

from __future__ import annotations

import re
from collections import Counter

from assistant.evidence.text import normalise, sentence_spans

EDGE_LINES = 3
_PAGE_NUMBER_RE = re.compile(
    r"^[-–—(\[]?\s*(page|p\.)?\s*(\d{1,4}|[ivxlcdm]{1,7})(\s*(of|/)\s*\d{1,4})?\s*[-–—)\]]?$",
    re.I,
)
_HYPHEN_END_RE = re.compile(r"[^\W\d_]-$")
_SENTENCE_END_RE = re.compile(r"[.!?:;][\"'”’)\]]*$")


def clean_pages(pages: list[list[str]]) -> list[str]:
    """One clean string per page (empty when nothing is left on it)."""
    stripped = [[normalise(line) for line in page if normalise(line)] for page in pages]
    running = _running_lines(stripped)
    kept = [_drop_edges(page, running) for page in stripped]
    texts = [join_lines(page) for page in kept]
    return _carry_over(texts)


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", line.lower())


def _edges(page: list[str]) -> list[str]:
    return page[:EDGE_LINES] + page[-EDGE_LINES:]


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Keys of lines that recur near the edges of at least half the pages (and two)."""
    if len(pages) < 2:
        return set()
    counts = Counter(key for page in pages for key in {_key(line) for line in _edges(page)})
    needed = max(2, -(-len(pages) // 2))
    return {key for key, n in counts.items() if n >= needed}


def _drop_edges(page: list[str], running: set[str]) -> list[str]:
    """Drop running lines and page numbers from the page's top and bottom edges."""
    lines = list(page)
    for _ in range(EDGE_LINES):
        if lines and _is_furniture(lines[0], running):
            lines.pop(0)
        if lines and _is_furniture(lines[-1], running):
            lines.pop()
    return lines


def _is_furniture(line: str, running: set[str]) -> bool:
    return _key(line) in running or bool(_PAGE_NUMBER_RE.match(line))


def join_lines(lines: list[str]) -> str:
    """Lines into one paragraph string, joining words hyphenated across line ends."""
    text = ""
    for line in lines:
        text = join_hyphenated(text, line)
    return normalise(text)


def join_hyphenated(before: str, after: str) -> str:
    if not before:
        return after
    if _HYPHEN_END_RE.search(before) and after[:1].islower():
        return before[:-1] + after
    return f"{before} {after}"


def _continues(here: str, there: str) -> bool:
    """Whether ``there`` carries on a sentence ``here`` left unfinished."""
    if _SENTENCE_END_RE.search(here):
        return False
    return there[:1].islower() or bool(_HYPHEN_END_RE.search(here) and there[:1].isalpha())


def _carry_over(texts: list[str]) -> list[str]:
    """Move the end of a sentence cut by a page break back onto the page it began on."""
    out = list(texts)
    for n in range(len(out) - 1):
        here, there = out[n], out[n + 1]
        if not here or not _continues(here, there):
            continue
        spans = sentence_spans(there)
        end = spans[0][1] if spans else len(there)
        out[n] = join_hyphenated(here, there[:end])
        out[n + 1] = there[end:].strip()
    return out
