"""Split text into marked and unmarked segments from character offsets.

Templates render the segments with autoescaping, wrapping marked ones in ``<mark>``, so
no HTML from the corpus or the query is ever injected raw.
"""

from __future__ import annotations

from collections.abc import Iterable


def merge_spans(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Sorted, clipped, non-overlapping spans."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted((max(0, a), min(length, b)) for a, b in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def segments(text: str, spans: Iterable[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``[(segment, marked), ...]`` covering ``text`` exactly once."""
    out: list[tuple[str, bool]] = []
    cursor = 0
    for start, end in merge_spans(spans, len(text)):
        if start > cursor:
            out.append((text[cursor:start], False))
        out.append((text[start:end], True))
        cursor = end
    if cursor < len(text):
        out.append((text[cursor:], False))
    return out
