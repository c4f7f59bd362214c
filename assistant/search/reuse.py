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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from assistant.evidence.corpus import Passage
from assistant.evidence.text import sentence_spans
from assistant.search.checksums import file_sha256
from assistant.search.embedding import Embedder
from assistant.search.sentences import read_rows

log = logging.getLogger(__name__)


class Reusing:
    """An embedder that looks each text up in a previous build's vectors first.

    ``known`` holds vectors by text; ``prior`` the previous build's passage and sentence
    vectors, which a build takes by position (see :class:`Placed`)."""

    def __init__(
        self,
        inner: Embedder,
        known: dict[str, NDArray[np.float32]],
        neighbours: Neighbours | None = None,
        prior: Prior | None = None,
    ) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.known = known
        self.neighbours = neighbours
        self.prior = prior
        self.reused = 0
        self.embedded = 0
        self._added: set[str] = set()  # embedded ahead by :meth:`add`, not reused

    def fingerprint(self) -> str:
        return self.inner.fingerprint()

    def missing(self, texts: list[str]) -> list[str]:
        """The distinct texts of ``texts`` that have no vector yet."""
        return list(dict.fromkeys(t for t in texts if t not in self.known))

    def add(self, texts: list[str], vectors: NDArray[np.float32]) -> None:
        """Vectors of new texts embedded ahead (a build embeds all its new text at once)."""
        self.known.update(zip(texts, vectors, strict=True))
        self._added.update(texts)
        self.embedded += len(texts)

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        missing = self.missing(texts)
        if missing:
            for text, vector in zip(missing, self.inner.encode(missing), strict=True):
                self.known[text] = vector
        self.embedded += len(missing)
        added = sum(1 for t in texts if t in self._added) if self._added else 0
        self.reused += len(texts) - len(missing) - added
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([self.known[t] for t in texts]).astype(np.float32)

    def borrow(self, texts: list[str]) -> None:
        """Take the vectors of ``texts`` that the previous build holds as sentences of
        other passages (a new document repeats sentences the corpus has)."""
        prior = self.prior
        wanted = set(self.missing(texts))
        if prior is None or not wanted:
            return
        passages = prior.passages
        for n, (p, a, b) in enumerate(prior.rows.tolist()):
            text = passages[p].text[a:b]
            if text in wanted:
                self.known[text] = prior.sentence_vectors[n]
                wanted.discard(text)


@dataclass
class Prior:
    """The previous build's passages (``keys`` as :func:`passage_key` makes them), their
    vectors, and its sentences: ``rows`` of (passage, start, end), in passage order, and
    their vectors (memory-mapped). ``same_spans``: its sentences were split by the rules
    in use now, so an unchanged passage's sentences are its old ones."""

    keys: list[tuple[str, str]]
    passages: list[Passage]
    vectors: NDArray[np.float32]
    rows: NDArray[np.int64]
    sentence_vectors: NDArray[np.float32]
    same_spans: bool


class Placed:
    """A build's passages and sentences, laid out from the previous build's.

    A passage the previous build held (``moved``: each old passage's new position, -1
    where gone) keeps its vector and, when sentences are split as before, its sentences
    and their vectors, taken by position without reading their text. Only the others
    (``fresh``) are split into sentences and have their texts looked up or embedded.
    Without a previous build every passage is fresh."""

    def __init__(
        self, passages: list[Passage], prior: Prior | None, moved: NDArray[np.int64] | None
    ) -> None:
        size = len(passages)
        self.prior = prior
        self.source = np.full(size, -1, dtype=np.int64)  # old position of each passage
        if prior is not None and moved is not None:
            kept = np.flatnonzero(moved >= 0)
            self.source[moved[kept]] = kept
        self.fresh = np.flatnonzero(self.source < 0)
        self.texts = [passages[int(n)].embedding_text() for n in self.fresh]
        split = self.source >= 0 if prior is not None and prior.same_spans else None
        counts = np.zeros(size, dtype=np.int64)
        taken = np.flatnonzero(split) if split is not None else np.zeros(0, dtype=np.int64)
        starts = np.zeros(0, dtype=np.int64)
        if prior is not None and len(taken):
            bounds = np.searchsorted(prior.rows[:, 0], np.arange(len(prior.keys) + 1))
            starts = bounds[self.source[taken]]
            counts[taken] = bounds[self.source[taken] + 1] - starts
        spans = {
            int(n): sentence_spans(passages[int(n)].text)
            for n in (np.flatnonzero(~split) if split is not None else range(size))
        }
        for n, found in spans.items():
            counts[n] = len(found)
        offsets = np.zeros(size + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        self.rows = np.zeros((int(offsets[-1]), 3), dtype=np.int64)
        # sentences taken from the previous build: ``into`` here, ``out_of`` there
        self.into = _ranges(offsets[taken], counts[taken])
        self.out_of = _ranges(starts, counts[taken])
        if prior is not None and len(self.into):
            self.rows[self.into, 0] = np.repeat(taken, counts[taken])
            self.rows[self.into, 1:] = prior.rows[self.out_of, 1:]
        split_here = np.fromiter(spans, dtype=np.int64, count=len(spans))
        self.new_at = _ranges(offsets[split_here], counts[split_here])
        new_rows = [(n, a, b) for n, found in spans.items() for a, b in found]
        if new_rows:
            self.rows[self.new_at] = new_rows
        self.sentences = [passages[n].text[a:b] for n, a, b in new_rows]

    def taken(self) -> int:
        """How many passage and sentence vectors come from the previous build by position."""
        return int(np.count_nonzero(self.source >= 0)) + len(self.into)

    def passage_vectors(self, fresh: NDArray[np.float32]) -> NDArray[np.float32]:
        """Every passage's vector, given the fresh passages' (in the order of ``texts``)."""
        return self._fill(len(self.source), self.source >= 0, self.source, fresh, self.fresh)

    def sentence_vectors(self, fresh: NDArray[np.float32]) -> NDArray[np.float32]:
        """Every sentence's vector, given the new sentences' (in the order of
        ``sentences``)."""
        if self.prior is None or not len(self.into):
            return fresh
        rows = np.zeros(len(self.rows), dtype=bool)
        rows[self.into] = True
        source = np.full(len(self.rows), -1, dtype=np.int64)
        source[self.into] = self.out_of
        return self._fill(len(self.rows), rows, source, fresh, self.new_at, sentences=True)

    def _fill(
        self,
        size: int,
        taken: NDArray[np.bool_],
        source: NDArray[np.int64],
        fresh: NDArray[np.float32],
        fresh_at: NDArray[np.int64],
        sentences: bool = False,
    ) -> NDArray[np.float32]:
        prior = self.prior
        if prior is None or not taken.any():
            return fresh
        old = prior.sentence_vectors if sentences else prior.vectors
        out = np.empty((size, old.shape[1]), dtype=np.float32)
        out[taken] = old[source[taken]]
        if len(fresh_at):
            out[fresh_at] = fresh
        return out


def _ranges(starts: NDArray[np.int64], counts: NDArray[np.int64]) -> NDArray[np.int64]:
    """``starts[i], starts[i] + 1, ... starts[i] + counts[i] - 1`` for each i, joined."""
    ends = np.cumsum(counts)
    if not len(ends) or not ends[-1]:
        return np.zeros(0, dtype=np.int64)
    return np.repeat(starts - (ends - counts), counts) + np.arange(ends[-1], dtype=np.int64)


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


def previous_neighbours(folder: Path, passages: list[Passage]) -> Neighbours | None:
    """The nearest-passage lists of the build in ``folder``, if it has whole ones.

    Call after :func:`previous_build` found the build reusable (it checks the files);
    ``passages`` are the build's."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        exact = manifest["vector_search"]["kind"] == "flat"
        ids = [passage_key(p.id, p.heading) for p in passages]
        related = np.load(folder / "related.npy", allow_pickle=False)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("finding every passage's neighbours afresh (%s)", exc)
        return None
    if related.ndim != 2 or len(related) != len(ids):
        return None
    return Neighbours(ids, related, exact, folder)


def previous_build(
    folder: Path,
    embedder: Embedder,
    passage_vectors: Callable[[Path], NDArray[np.float32]],
    passages: list[Passage],
    spans: str,
) -> tuple[dict[str, NDArray[np.float32]], Prior | None]:
    """What a rebuild reuses of the build in ``folder`` (``passages`` are its, already
    checked against their checksum): its card phrasings' and stored texts' vectors by
    text, and its passages' and sentences' as a :class:`Prior`. Nothing when it was made
    with another model or weights, or a file it reads does not match its checksum.
    ``spans`` names the sentence rules in use (see ``manifest["sentence_rules"]``)."""
    if not passages or not (folder / "manifest.json").is_file():
        return {}, None
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        if (manifest.get("model"), manifest.get("weights_sha256")) != (
            embedder.name,
            embedder.fingerprint(),
        ):
            return {}, None
        _verify(folder, manifest, skip=("passages.jsonl",))
        vectors = passage_vectors(folder)
        rows = read_rows(folder / "sentences.jsonl").rows
        sentence_vectors = np.load(folder / "sentences.npy", mmap_mode="r", allow_pickle=False)
        if len(vectors) != len(passages) or len(rows) != len(sentence_vectors):
            raise ValueError("the vectors do not match the passages and sentences")
        known = _short_texts(folder)
    except (OSError, ValueError, KeyError, TypeError, IndexError, RuntimeError) as exc:
        log.warning("embedding everything: the previous build cannot be reused (%s)", exc)
        return {}, None
    keys = [passage_key(p.id, p.heading) for p in passages]
    same = manifest.get("sentence_rules") == spans
    return known, Prior(keys, passages, vectors, rows, sentence_vectors, same)


def previous_vectors(
    folder: Path,
    embedder: Embedder,
    passage_vectors: Callable[[Path], NDArray[np.float32]],
) -> dict[str, NDArray[np.float32]]:
    """Text -> vector for everything the build in ``folder`` embedded (empty if unusable).

    ``passage_vectors`` reads the build's passage vectors (from its FAISS index)."""
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
        return _read_vectors(folder, passage_vectors)
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


def _verify(folder: Path, manifest: dict[str, Any], skip: tuple[str, ...] = ()) -> None:
    """Only vectors from files matching their recorded SHA-256 are reused."""
    files = manifest["files"]
    for name in _READ:
        if name in files and name not in skip and file_sha256(folder / name) != files[name]:
            raise ValueError(f"{name} does not match its checksum")


def _read_vectors(
    folder: Path,
    passage_vectors: Callable[[Path], NDArray[np.float32]],
) -> dict[str, NDArray[np.float32]]:
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
    known.update(_short_texts(folder))
    return known


def _short_texts(folder: Path) -> dict[str, NDArray[np.float32]]:
    """The vectors of the build's card phrasings and stored texts, by text."""
    known: dict[str, NDArray[np.float32]] = {}
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
