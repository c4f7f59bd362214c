"""Incremental builds: vectors of texts the serving build already embedded are reused.

Passage ids are content hashes, so after an ingest most passages, sentences and card
phrasings are the very texts the serving build embedded. :class:`Reusing` wraps the
embedder of a build: texts the previous build holds take its stored vector, and only new
text goes through the model. The previous build counts only when it was made with the
same model and weights; a damaged or unreadable one means embedding everything.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Hashable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from assistant.evidence.corpus import Passage
from assistant.search.checksums import file_sha256
from assistant.search.embedding import Embedder
from assistant.search.sentences import read_rows

log = logging.getLogger(__name__)


class Reusing:
    """An embedder that looks each text up in a previous build's vectors first."""

    def __init__(
        self,
        inner: Embedder,
        known: dict[str, NDArray[np.float32]],
        neighbours: Neighbours | None = None,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.known = known
        self.neighbours = neighbours
        self.reused = 0
        self.embedded = 0

    def fingerprint(self) -> str:
        return self.inner.fingerprint()

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        missing = list(dict.fromkeys(t for t in texts if t not in self.known))
        if missing:
            for text, vector in zip(missing, self.inner.encode(missing), strict=True):
                self.known[text] = vector
        self.embedded += len(missing)
        self.reused += len(texts) - len(missing)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([self.known[t] for t in texts]).astype(np.float32)


def passage_key(passage_id: str, heading: str) -> tuple[str, str]:
    """What fixes a passage's vector: its id (sources and text) and its heading."""
    return (passage_id, heading)


class Neighbours:
    """A previous build's nearest passages: ``related[n]`` lists passage ``ids[n]``'s
    (keys of :func:`passage_key`); ``exact`` when they were found by exact search, not by
    the HNSW index."""

    def __init__(
        self,
        ids: Sequence[Hashable],
        related: NDArray[np.int32],
        exact: bool,
        folder: Path | None = None,
    ) -> None:
        self.ids = ids
        self.related = related
        self.exact = exact
        self.folder = folder  # the build's folder, whose vector index a rebuild may grow


def previous_neighbours(folder: Path, passages: list[Passage] | None = None) -> Neighbours | None:
    """The nearest-passage lists of the build in ``folder``, if it has whole ones.

    Call after :func:`previous_vectors` found the build reusable (it checks the files);
    ``passages`` are the build's, if already read."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        exact = manifest["vector_search"]["kind"] == "flat"
        if passages is None:
            passages = [Passage(**_tuples(row)) for row in _jsonl(folder / "passages.jsonl")]
        ids = [passage_key(p.id, p.heading) for p in passages]
        related = np.load(folder / "related.npy", allow_pickle=False)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("finding every passage's neighbours afresh (%s)", exc)
        return None
    if related.ndim != 2 or len(related) != len(ids):
        return None
    return Neighbours(ids, related, exact, folder)


def previous_vectors(
    folder: Path,
    embedder: Embedder,
    passage_vectors: Callable[[Path], NDArray[np.float32]],
    passages: list[Passage] | None = None,
) -> dict[str, NDArray[np.float32]]:
    """Text -> vector for everything the build in ``folder`` embedded (empty if unusable).

    ``passage_vectors`` reads the build's passage vectors (from its FAISS index);
    ``passages`` are the build's, if already read (its ``passages.jsonl`` is still
    checked against its checksum)."""
    if not (folder / "manifest.json").is_file():
        return {}  # the first build
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if (manifest.get("model"), manifest.get("weights_sha256")) != (
            embedder.name,
            embedder.fingerprint(),
        ):
            return {}
        _verify(folder, manifest)
        return _read_vectors(folder, passage_vectors, passages)
    except (OSError, ValueError, KeyError, TypeError, IndexError, RuntimeError) as exc:
        log.warning("embedding everything: the previous build cannot be reused (%s)", exc)
        return {}


_READ = (
    "faiss.index",
    "passages.jsonl",
    "related.npy",
    "sentences.jsonl",
    "sentences.npy",
    "cards.jsonl",
    "cards.npy",
    "texts.jsonl",
    "texts.npy",
)


def _verify(folder: Path, manifest: dict[str, Any]) -> None:
    """Only vectors from files matching their recorded SHA-256 are reused."""
    files = manifest["files"]
    for name in _READ:
        if name in files and file_sha256(folder / name) != files[name]:
            raise ValueError(f"{name} does not match its checksum")


def _read_vectors(
    folder: Path,
    passage_vectors: Callable[[Path], NDArray[np.float32]],
    passages: list[Passage] | None,
) -> dict[str, NDArray[np.float32]]:
    if passages is None:
        passages = [Passage(**_tuples(row)) for row in _jsonl(folder / "passages.jsonl")]
    vectors = passage_vectors(folder)
    known: dict[str, NDArray[np.float32]] = {}
    if len(vectors) == len(passages):
        known.update((p.embedding_text(), v) for p, v in zip(passages, vectors, strict=True))
    refs = read_rows(folder / "sentences.jsonl").rows.tolist()
    sentence_vectors = np.load(folder / "sentences.npy", allow_pickle=False)
    if len(refs) == len(sentence_vectors):
        texts = (passages[n].text[a:b] for n, a, b in refs)
        known.update(zip(texts, sentence_vectors, strict=True))
    cards = _jsonl(folder / "cards.jsonl")
    phrasings = [q for card in cards for q in card["questions"]]
    card_vectors = np.load(folder / "cards.npy", allow_pickle=False)
    if len(phrasings) == len(card_vectors):
        known.update(zip(phrasings, card_vectors, strict=True))
    if (folder / "texts.npy").is_file():
        short = _jsonl(folder / "texts.jsonl")
        stored = np.load(folder / "texts.npy", allow_pickle=False)
        if len(short) == len(stored):
            known.update(zip(short, stored, strict=True))
    return known


def _jsonl(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _tuples(row: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in row.items()}
