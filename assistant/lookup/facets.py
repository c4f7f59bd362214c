"""Facet counts and filters of a lookup over arrays of passage positions.

A quoted phrase held by thousands of passages makes thousands of candidate results, and
every one counts towards the topic and source facets; counting them one passage object at
a time cost more than the search itself. :class:`FacetTable` numbers each passage's topic
and sources once per index, so filters and counts are a few NumPy operations per lookup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.evidence.corpus import Passage


@dataclass(frozen=True)
class Counted:
    """A facet value with its count, ``first`` the rank of the first result holding it."""

    value: str
    count: int
    first: int


class FacetTable:
    """Each passage's topic as a number, and its distinct sources as numbers (CSR rows)."""

    def __init__(self, passages: Sequence[Passage]) -> None:
        self.topics: list[str] = []
        self.sources: list[str] = []
        topic_of: dict[str, int] = {}
        source_of: dict[str, int] = {}
        self.topic = np.empty(len(passages), dtype=np.int32)
        codes: list[int] = []
        self.starts = np.zeros(len(passages) + 1, dtype=np.int64)
        for n, passage in enumerate(passages):
            self.topic[n] = _number(topic_of, self.topics, passage.topic)
            codes.extend(
                _number(source_of, self.sources, s) for s in dict.fromkeys(passage.source_ids)
            )
            self.starts[n + 1] = len(codes)
        self.source = np.asarray(codes, dtype=np.int32)
        self._topic_of = topic_of
        self._source_of = source_of

    def keep(self, positions: np.ndarray, topic: str | None, source: str | None) -> np.ndarray:
        """Which of ``positions`` are of ``topic`` and cite ``source`` (None: any)."""
        mask = np.ones(len(positions), dtype=bool)
        if topic is not None:
            mask &= self.topic[positions] == self._topic_of.get(topic, -1)
        if source is not None:
            mask &= self._citing(positions, self._source_of.get(source, -1))
        return mask

    def topic_counts(self, positions: np.ndarray) -> list[Counted]:
        return _counted(self.topic[positions], self.topics)

    def source_counts(self, positions: np.ndarray) -> list[Counted]:
        return _counted(self.source[self._rows(positions)], self.sources)

    def _rows(self, positions: np.ndarray) -> np.ndarray:
        """Indices into ``source`` of the sources of ``positions``, passage by passage."""
        starts, ends = self.starts[positions], self.starts[positions + 1]
        lengths = ends - starts
        offsets = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
        rows: np.ndarray = offsets + np.arange(int(lengths.sum()))
        return rows

    def _citing(self, positions: np.ndarray, code: int) -> np.ndarray:
        lengths = self.starts[positions + 1] - self.starts[positions]
        owners = np.repeat(np.arange(len(positions)), lengths)
        mask = np.zeros(len(positions), dtype=bool)
        mask[owners[self.source[self._rows(positions)] == code]] = True
        return mask


def _number(numbers: dict[str, int], names: list[str], name: str) -> int:
    found = numbers.get(name)
    if found is None:
        found = numbers[name] = len(names)
        names.append(name)
    return found


def _counted(codes: np.ndarray, names: list[str]) -> list[Counted]:
    """Each code's count and first place in ``codes``, in order of first appearance."""
    if not len(codes):
        return []
    found, first, counts = np.unique(codes, return_index=True, return_counts=True)
    order = np.argsort(first, kind="stable")
    return [Counted(names[int(found[i])], int(counts[i]), int(first[i])) for i in order.tolist()]
