"""A rebuild's nearest-passage lists carried over from the serving build."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.search.neighbours import nearest_passages, updated_neighbours
from assistant.search.reuse import Neighbours


def _vectors(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    found = rng.standard_normal((count, 16)).astype(np.float32)
    if count >= 60:  # ties: the same vector twice, and a tight cluster
        found[5] = found[9]
        found[40:60] = found[40] + 0.01 * rng.standard_normal((20, 16)).astype(np.float32)
    return found / np.linalg.norm(found, axis=1, keepdims=True)


@pytest.mark.parametrize(
    ("removed", "added"),
    [((), (3, 150)), ((7, 41, 77), ()), ((2, 45), (0, 30, 31, 199)), ((), ())],
)
def test_carried_over_lists_equal_a_full_comparison(
    removed: tuple[int, ...], added: tuple[int, ...]
) -> None:
    """``added`` are positions in the new corpus; ``removed`` positions in the old one."""
    new = _vectors(200, 14)
    ids = [f"p{n}" for n in range(200)]
    old_positions = [n for n in range(200) if n not in added]
    old_ids = [ids[n] for n in old_positions]
    old_vectors = new[old_positions]
    for n in removed:  # passages that are gone: put back into the old build
        old_ids.insert(n, f"gone{n}")
        old_vectors = np.insert(old_vectors, n, _vectors(1, n)[0], axis=0)
    previous = Neighbours(old_ids, nearest_passages(old_vectors, 8), exact=True)
    updated = updated_neighbours(new, ids, previous, 8)
    assert updated is not None
    assert np.array_equal(updated, nearest_passages(new, 8))


def test_a_reordered_corpus_is_compared_afresh() -> None:
    vectors = _vectors(60, 3)
    ids = [f"p{n}" for n in range(60)]
    previous = Neighbours(ids[::-1], nearest_passages(vectors[::-1], 8), exact=True)
    assert updated_neighbours(vectors, ids, previous, 8) is None


def test_passages_repeated_word_for_word_are_carried_over_in_order() -> None:
    """A corpus may hold the same passage twice: the lists still carry over (a rebuild
    after one new document once compared every passage with every other because of it)."""
    new = _vectors(120, 5)
    new[70] = new[20]
    ids = [f"p{n}" for n in range(120)]
    ids[70] = ids[20]
    old_positions = [n for n in range(120) if n not in (10, 90)]
    previous = Neighbours(
        [ids[n] for n in old_positions], nearest_passages(new[old_positions], 8), exact=True
    )
    updated = updated_neighbours(new, ids, previous, 8)
    assert updated is not None
    assert np.array_equal(updated, nearest_passages(new, 8))
