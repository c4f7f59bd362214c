"""Near-duplicate checks from the stored nearest passages agree with comparing all."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
import pytest

from assistant.search import retrieval
from assistant.search.engine import Engine
from assistant.search.neighbours import nearest_passages
from assistant.search.retrieval import _distinct, _distinct_by_lists


def _orders(count: int) -> list[np.ndarray]:
    rng = random.Random(14)
    shuffled = list(range(count))
    rng.shuffle(shuffled)
    return [np.arange(count), np.asarray(shuffled)]


def test_listed_near_duplicates_keep_what_comparing_all_keeps(engine: Engine) -> None:
    index = engine.index
    for positions in _orders(len(index.passages)):
        for k in (5, 50, len(positions)):
            expected = _distinct(index.vectors[positions], k)
            assert _distinct_by_lists(index, positions, k) == expected


def test_clusters_of_near_duplicates_are_dropped_alike_or_left_to_the_full_check() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((300, 16)).astype(np.float32)
    vectors[10:14] = vectors[10] + 0.01 * rng.standard_normal((4, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = cast(Any, SimpleNamespace(vectors=vectors, related=nearest_passages(vectors, 8)))
    for positions in _orders(300):
        assert _distinct_by_lists(index, positions, 300) == _distinct(vectors[positions], 300)
    assert len(_distinct(vectors, 300)) == 297  # three of the four are dropped
    vectors[20:30] = vectors[20]  # more near-duplicates than a list holds
    index = cast(Any, SimpleNamespace(vectors=vectors, related=nearest_passages(vectors, 8)))
    assert _distinct_by_lists(index, np.arange(300), 300) is None


def test_a_long_search_gives_the_same_hits_either_way(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "parent-infant relationship team funding"
    everything = len(engine.index.passages)
    within = np.arange(everything)  # as a quoted phrase held by every passage would ask
    full = engine.retriever.search(query, k=everything, within=within)
    monkeypatch.setattr(retrieval, "LISTED_DUPLICATES_ABOVE", 0)
    listed = engine.retriever.search(query, k=everything, within=within)
    assert [h.position for h in listed.hits] == [h.position for h in full.hits]
    assert len(full.hits) > everything * 0.9
