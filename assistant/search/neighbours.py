"""Each passage's nearest passages by vector, stored with a build for `/evidence/<id>`.

A first build compares every passage with every other (exact search) or asks the HNSW
index (large corpora). A rebuild starts from the serving build's lists: a passage kept
from it can only have gained neighbours among the passages that are new, so its list is
its old one merged with the new passages, best first; only new passages, and passages
whose old list named one that is gone, are compared with everything. For exact search
the result is the one a full comparison gives, ties included (they keep corpus order).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np

from assistant.search.reuse import Neighbours

BLOCK = 1024
# More new passages than this and a rebuild compares everything again
FRESH_LIMIT = 4096


def nearest_passages(vectors: np.ndarray, width: int, rows: np.ndarray | None = None) -> np.ndarray:
    """The ``width`` nearest passages of each passage in ``rows`` (default: all), itself
    included, best first; ties keep corpus order, as a stable sort of one passage's
    scores would."""
    width = min(width, len(vectors))
    rows = np.arange(len(vectors)) if rows is None else rows
    found = []
    for start in range(0, len(rows), BLOCK):
        scores = vectors[rows[start : start + BLOCK]] @ vectors.T
        top = np.argpartition(-scores, width - 1, axis=1)[:, :width]
        found.append(_best(top, np.take_along_axis(scores, top, axis=1)))
    return np.vstack(found).astype(np.int32) if found else np.zeros((0, width), np.int32)


def searched_neighbours(index: Any, vectors: np.ndarray, width: int) -> np.ndarray:
    """Each passage's nearest passages by the (approximate) index, for large corpora."""
    rows = [index.search(vectors[i : i + 4096], width)[1] for i in range(0, len(vectors), 4096)]
    return np.vstack(rows).astype(np.int32)


def updated_neighbours(
    vectors: np.ndarray,
    ids: Sequence[Hashable],
    previous: Neighbours,
    width: int,
    moved: np.ndarray | None = None,
) -> np.ndarray | None:
    """The lists of a rebuild from ``previous`` (None when they cannot be carried over:
    another width, kept passages in another order, or so many new passages that
    comparing everything costs about the same).

    ``ids`` say which passage is which, as ``previous.ids`` do: keys that fix a passage's
    vector (builds use its id and heading). Passages with the same key pair up in order.
    ``moved`` is :func:`moved_positions` of the two, when already worked out."""
    width = min(width, len(vectors))
    if previous.related.shape[1] != width or len(vectors) - len(previous.ids) > FRESH_LIMIT:
        return None
    moved = moved_positions(previous.ids, ids) if moved is None else moved
    kept_old = np.flatnonzero(moved >= 0)
    if np.any(np.diff(moved[kept_old]) <= 0):
        return None  # reordered: ties would no longer fall in corpus order
    kept = moved[kept_old]
    lists = moved[previous.related[kept_old]]  # old lists in new positions; -1: gone
    whole = (lists >= 0).all(axis=1)
    fresh = np.setdiff1d(np.arange(len(ids)), kept, assume_unique=True)
    if len(fresh) > FRESH_LIMIT:
        return None
    related = np.zeros((len(ids), width), dtype=np.int32)
    merged = kept[whole]
    related[merged] = _merged(vectors, merged, lists[whole], fresh, width)
    redo = np.concatenate([fresh, kept[~whole]])
    if len(redo):
        related[redo] = nearest_passages(vectors, width, redo)
    return related


def moved_positions(old: Sequence[Hashable], new: Sequence[Hashable]) -> np.ndarray:
    """Each old passage's position in ``new`` (-1: gone). A corpus may repeat a passage
    word for word: the n-th old passage with a key is the n-th new passage with it."""
    where = {key: n for n, key in enumerate(new)}
    if len(where) == len(new) and len(set(old)) == len(old):  # no repeats: one look-up each
        return np.fromiter((where.get(key, -1) for key in old), dtype=np.int64, count=len(old))
    places: dict[Hashable, list[int]] = {}
    for n, key in enumerate(new):
        places.setdefault(key, []).append(n)
    used: dict[Hashable, int] = {}
    moved = np.full(len(old), -1, dtype=np.int64)
    for n, key in enumerate(old):
        found = places.get(key)
        taken = used.get(key, 0)
        if found is not None and taken < len(found):
            moved[n] = found[taken]
            used[key] = taken + 1
    return moved


def _merged(
    vectors: np.ndarray, rows: np.ndarray, lists: np.ndarray, fresh: np.ndarray, width: int
) -> np.ndarray:
    """For each of ``rows``: the best ``width`` of its old list and the ``fresh`` passages.

    Only rows where a fresh passage scores at least as high as the last of the old list
    (a tie may win on corpus order) are merged; the others keep their old list."""
    found = []
    for start in range(0, len(rows), BLOCK):
        mine = vectors[rows[start : start + BLOCK]]
        old = lists[start : start + BLOCK]
        old_scores = np.einsum("nd,nwd->nw", mine, vectors[old])
        fresh_scores = mine @ vectors[fresh].T
        best = _best(old, old_scores)[:, :width]
        gains = np.flatnonzero((fresh_scores >= old_scores.min(axis=1)[:, None]).any(axis=1))
        if len(gains):
            candidates = np.hstack([old[gains], np.broadcast_to(fresh, (len(gains), len(fresh)))])
            scores = np.hstack([old_scores[gains], fresh_scores[gains]])
            best[gains] = _best(candidates, scores)[:, :width]
        found.append(best)
    return np.vstack(found) if found else np.zeros((0, width), np.int64)


def _best(positions: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Each row's positions by score, best first, ties in corpus order."""
    order = np.lexsort((positions, -scores), axis=1)
    return np.take_along_axis(positions, order, axis=1)
