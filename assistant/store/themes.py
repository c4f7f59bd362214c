"""Group stored questions into themes by the similarity of their embeddings.

Leader clustering, in one pass over the questions (newest first): a question joins the
theme whose running centroid it is closest to, if the cosine similarity is at least
``threshold``, else it starts a new theme. Deterministic, no parameters to train, and
fast enough for an inbox of thousands. A theme is named by its most central question.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
from numpy.typing import NDArray

T = TypeVar("T")
THRESHOLD = 0.42  # all-MiniLM-L6-v2 cosine: paraphrases score 0.4 to 0.8, unrelated below 0.35


@dataclass(frozen=True)
class Theme(Generic[T]):
    """Items about one thing; ``title`` is the text of the most central one."""

    title: str
    items: tuple[T, ...]


def group(
    texts: Sequence[str], vectors: NDArray[np.float32], threshold: float = THRESHOLD
) -> list[list[int]]:
    """Positions of ``texts`` grouped into themes, largest theme first."""
    if len(texts) == 0:
        return []
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sums: list[NDArray[np.float32]] = []
    members: list[list[int]] = []
    for i, v in enumerate(unit):
        if sums:
            centroids = np.stack(sums)
            centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
            scores = centroids @ v
            best = int(np.argmax(scores))
            if scores[best] >= threshold:
                sums[best] = sums[best] + v
                members[best].append(i)
                continue
        sums.append(v.copy())
        members.append([i])
    order = sorted(range(len(members)), key=lambda k: (-len(members[k]), members[k][0]))
    return [members[k] for k in order]


def central(positions: Sequence[int], vectors: NDArray[np.float32]) -> int:
    """The member closest to the theme's centroid."""
    chosen = vectors[list(positions)]
    centre = chosen.mean(axis=0)
    return int(positions[int(np.argmax(chosen @ centre))])


def themes(
    items: Sequence[T], texts: Sequence[str], vectors: NDArray[np.float32]
) -> list[Theme[T]]:
    """``items`` (one per text and vector) as themes, largest first."""
    return [
        Theme(texts[central(g, vectors)], tuple(items[i] for i in g)) for g in group(texts, vectors)
    ]
