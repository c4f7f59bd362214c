"""The build's sentences as one array of (passage, start, end) rows.

A large corpus has hundreds of thousands of sentences; as one NumPy array they load in
one parse and take 24 bytes each instead of a Python object apiece. Sentences are stored
in passage order, so a passage's sentences are one run of numbers.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import overload

import numpy as np


@dataclass(frozen=True, slots=True)
class SentenceRef:
    passage: int
    start: int
    end: int


class SentenceRefs(Sequence[SentenceRef]):
    """Sentence number -> :class:`SentenceRef`, made on access from the rows."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
        if len(self.rows) and np.any(np.diff(self.rows[:, 0]) < 0):
            raise ValueError("sentences are not in passage order")

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, n: int) -> SentenceRef: ...

    @overload
    def __getitem__(self, n: slice) -> list[SentenceRef]: ...

    def __getitem__(self, n: int | slice) -> SentenceRef | list[SentenceRef]:
        if isinstance(n, slice):
            return [SentenceRef(*map(int, row)) for row in self.rows[n]]
        passage, start, end = self.rows[n]
        return SentenceRef(int(passage), int(start), int(end))


class SentencesOf(Mapping[int, list[int]]):
    """Passage position -> the numbers of its sentences (passages with none are absent)."""

    def __init__(self, refs: SentenceRefs, passages: int) -> None:
        self._bounds = np.searchsorted(refs.rows[:, 0], np.arange(passages + 1))

    def __getitem__(self, position: int) -> list[int]:
        if not 0 <= position < len(self._bounds) - 1:
            raise KeyError(position)
        start, end = int(self._bounds[position]), int(self._bounds[position + 1])
        if start == end:
            raise KeyError(position)
        return list(range(start, end))

    def __iter__(self) -> Iterator[int]:
        return (int(p) for p in np.flatnonzero(np.diff(self._bounds)))

    def __len__(self) -> int:
        return int(np.count_nonzero(np.diff(self._bounds)))


_PUNCTUATION = str.maketrans("[],", "   ")


def read_rows(path: Path) -> SentenceRefs:
    """``sentences.jsonl`` (one ``[passage, start, end]`` a line) in one NumPy parse:
    a fiftieth of the time of a JSON parse per line for a large corpus."""
    text = path.read_text(encoding="utf-8")
    rows = text.count("[")
    damaged = ValueError(f"{path.name} is not one [passage, start, end] a line")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # NumPy warns, and stops, at text it cannot read
            numbers = np.fromstring(text.translate(_PUNCTUATION), dtype=np.int64, sep=" ")
    except (ValueError, DeprecationWarning) as exc:
        raise damaged from exc
    lines = text.split("\n")
    if len(numbers) != 3 * rows or rows != len(lines) - lines.count(""):  # one row a line
        raise damaged
    return SentenceRefs(numbers.reshape(-1, 3))
