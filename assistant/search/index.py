"""Build, save, load and verify the index: the one module that imports faiss.

Layout of ``index/``::

    current -> builds/<build id>     symlink, swapped atomically after a verified build
    builds/<build id>/               faiss.index, passages.jsonl, sources.json,
                                     sentences.jsonl, sentences.npy, lexical/, manifest.json

A build holds ``index/.build.lock`` (one build at a time), writes into ``builds/.tmp-*``,
loads it back to verify it, renames it and then replaces the ``current`` symlink, so a
crash at any point leaves the serving index whole. A ``.tmp-*`` folder found while holding
the lock belongs to a build that died, and is removed. The manifest lists a SHA-256 for
every file of the format and is checked on every load: a missing list or entry is damage,
as is a wrong digest. No pickle.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from assistant.errors import IndexError_
from assistant.evidence.cards import Card, CardSentence
from assistant.evidence.corpus import Corpus, Passage, Source, load_corpus
from assistant.evidence.text import sentence_spans
from assistant.search.embedding import Embedder
from assistant.search.lexical import LexicalIndex, Synonyms, tokenize

FORMAT_VERSION = 1
KEEP_BUILDS = 2
_FILES = (
    "faiss.index",
    "passages.jsonl",
    "sources.json",
    "sentences.jsonl",
    "sentences.npy",
    "retired.jsonl",
    "cards.jsonl",
    "cards.npy",
    "synonyms.json",
)
# What bm25s writes into lexical/ (checked, so a build missing one is damage)
LEXICAL_FILES = (
    "lexical/data.csc.index.npy",
    "lexical/indices.csc.index.npy",
    "lexical/indptr.csc.index.npy",
    "lexical/params.index.json",
    "lexical/vocab.index.json",
)
LOCK = ".build.lock"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentenceRef:
    passage: int
    start: int
    end: int


@dataclass
class EvidenceIndex:
    """Everything a request needs, in memory."""

    manifest: dict[str, Any]
    passages: list[Passage]
    sources: dict[str, Source]
    vectors: np.ndarray
    faiss_index: Any
    lexical: LexicalIndex
    sentences: list[SentenceRef]
    sentence_vectors: np.ndarray
    retired: dict[str, Passage] = dataclasses.field(default_factory=dict)
    by_id: dict[str, int] = dataclasses.field(default_factory=dict)
    topics: dict[str, str] = dataclasses.field(default_factory=dict)
    sentences_of: dict[int, list[int]] = dataclasses.field(default_factory=dict)
    cards: list[Card] = dataclasses.field(default_factory=list)
    # one row per card phrasing; ``phrasing_card[row]`` is the card's position in ``cards``
    phrasing_vectors: np.ndarray = dataclasses.field(
        default_factory=lambda: np.zeros((0, 1), dtype=np.float32)
    )
    phrasing_card: list[int] = dataclasses.field(default_factory=list)
    card_by_id: dict[str, int] = dataclasses.field(default_factory=dict)
    _sentence_terms: list[frozenset[str]] | None = dataclasses.field(default=None, repr=False)
    # card id -> stems it is asked with and speaks to (filled in by answer.cards on use)
    card_terms: dict[str, tuple[frozenset[str], frozenset[str]]] = dataclasses.field(
        default_factory=dict, repr=False
    )
    # main source id -> first passage citing it, for "newer evidence exists" links
    first_of_source: dict[str, str] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {p.id: i for i, p in enumerate(self.passages)}
        self.card_by_id = {c.id: i for i, c in enumerate(self.cards)}
        for p in reversed(self.passages):
            self.first_of_source[p.source_id] = p.id
        self.topics = dict(self.manifest.get("topics", {}))
        for n, ref in enumerate(self.sentences):
            self.sentences_of.setdefault(ref.passage, []).append(n)

    def newer_passage(self, source_id: str | None) -> str | None:
        """The first passage citing ``source_id`` (the evidence that supersedes a source)."""
        return None if source_id is None else self.first_of_source.get(source_id)

    def sentence_terms(self, n: int) -> frozenset[str]:
        """The stemmed terms of sentence ``n`` (tokenised once per process, on first use)."""
        if self._sentence_terms is None:
            texts = [self.passages[r.passage].text[r.start : r.end] for r in self.sentences]
            self._sentence_terms = [frozenset(t) for t in tokenize(texts)] if texts else []
        return self._sentence_terms[n]

    def dense(self, query_vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        k = min(k, len(self.passages))
        scores, ids = self.faiss_index.search(query_vector.reshape(1, -1), k)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i >= 0]


@dataclass(frozen=True)
class BuildReport:
    """What a build changed. ``added`` and ``removed`` are ids that appeared or went;
    ``changed`` pairs those that are the same place (file and section) edited."""

    path: Path
    manifest: dict[str, Any]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    changed: tuple[tuple[str, str], ...] = ()

    def summary(self) -> str:
        edited = len(self.changed)
        return (
            f"Passages: {len(self.added) - edited} new, {edited} changed, "
            f"{len(self.removed) - edited} removed, {self.unchanged} unchanged."
        )


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    embedder: Embedder,
    *,
    fail_after: Callable[[str], None] | None = None,
    verify: Callable[[EvidenceIndex], None] | None = None,
) -> BuildReport:
    """Embed the corpus and switch ``index_dir/current`` to the new build.

    ``verify`` is called with the loaded new build before it is switched in: content
    that is loaded beside the index (the journey, the estimator) is checked against it
    there, and an error leaves the serving index as it was. ``fail_after`` is called after
    each file is written (tests use it to crash a build half-way).
    """
    started = time.perf_counter()
    corpus = load_corpus(corpus_dir)
    if not corpus.passages:
        raise IndexError_(f"the corpus in {corpus_dir} has no passages to index")
    builds = index_dir / "builds"
    builds.mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir):
        prune_stale(index_dir)
        previous = _previous_passages(index_dir)
        final, manifest = _build_folder(
            builds, corpus, embedder, previous, started, fail_after, verify
        )
        _point_current(index_dir, final)
        _prune(builds, keep=final)
    ids = [p.id for p in corpus.passages]
    live = {i: row for i, row in previous.items() if not row.get("retired")}
    added = [p for p in corpus.passages if p.id not in live]
    removed = [row for i, row in sorted(live.items()) if i not in set(ids)]
    return BuildReport(
        path=final,
        manifest=manifest,
        added=tuple(p.id for p in added),
        removed=tuple(row["id"] for row in removed),
        unchanged=sum(1 for i in ids if i in live),
        changed=_pair_edits(added, removed),
    )


def _build_folder(
    builds: Path,
    corpus: Corpus,
    embedder: Embedder,
    previous: dict[str, dict[str, Any]],
    started: float,
    fail_after: Callable[[str], None] | None,
    verify: Callable[[EvidenceIndex], None] | None,
) -> tuple[Path, dict[str, Any]]:
    """Write, verify and rename a new build folder; nothing is left behind on failure."""
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
    try:
        _write_retired(tmp / "retired.jsonl", previous, corpus.passages)
        manifest = _write_build(tmp, corpus, embedder, fail_after or (lambda _name: None))
        manifest["build_seconds"] = round(time.perf_counter() - started, 2)
        _write_manifest(tmp, manifest)
        loaded = load_index(tmp)  # verify before it can be served
        if verify is not None:
            verify(loaded)
        final = builds / manifest["build_id"]
        if final.exists():
            shutil.rmtree(final)
        tmp.rename(final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final, manifest


@contextlib.contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    """One build at a time per index folder (a second waits for the first to finish)."""
    with (index_dir / LOCK).open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prune_stale(index_dir: Path) -> list[str]:
    """Remove what killed builds left behind; call only while holding the build lock.

    With the lock held no other build is running, so every ``builds/.tmp-*`` folder and
    ``.current-*`` link is an orphan. Returns the names removed.
    """
    removed = []
    builds = index_dir / "builds"
    orphans = [*builds.glob(".tmp-*"), *index_dir.glob(".current-*")] if builds.is_dir() else []
    for path in orphans:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path.name)
    if removed:
        log.warning("removed %d left-over temporary build file(s)", len(removed))
    return removed


def _pair_edits(added: list[Passage], removed: list[dict[str, Any]]) -> tuple[tuple[str, str], ...]:
    """(old id, new id) for passages that left and arrived at the same file and section."""
    gone: dict[tuple[str, str], list[str]] = {}
    for row in sorted(removed, key=lambda r: r.get("order", 0)):
        gone.setdefault((row.get("file", ""), row.get("section", "")), []).append(row["id"])
    pairs = []
    for passage in added:
        olds = gone.get((passage.file, passage.section))
        if olds:
            pairs.append((olds.pop(0), passage.id))
    return tuple(pairs)


def _write_build(
    folder: Path, corpus: Corpus, embedder: Embedder, checkpoint: Callable[[str], None]
) -> dict[str, Any]:
    passages = corpus.passages
    vectors = embedder.encode([p.embedding_text() for p in passages])
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    faiss.write_index(index, str(folder / "faiss.index"))
    checkpoint("faiss.index")
    _write_jsonl(folder / "passages.jsonl", (dataclasses.asdict(p) for p in passages))
    checkpoint("passages.jsonl")
    used = {s for p in passages for s in p.source_ids}
    sources = {sid: dataclasses.asdict(s) for sid, s in corpus.sources.items() if sid in used}
    (folder / "sources.json").write_text(json.dumps(sources, ensure_ascii=False, indent=1))
    refs = [(n, a, b) for n, p in enumerate(passages) for a, b in sentence_spans(p.text)]
    sentence_vectors = embedder.encode([passages[n].text[a:b] for n, a, b in refs])
    _write_jsonl(folder / "sentences.jsonl", ([n, a, b] for n, a, b in refs))
    np.save(folder / "sentences.npy", sentence_vectors, allow_pickle=False)
    checkpoint("sentences.npy")
    LexicalIndex.build([_lexical_text(p, corpus.sources) for p in passages]).save(
        folder / "lexical"
    )
    (folder / "synonyms.json").write_text(json.dumps(corpus.synonyms, ensure_ascii=False))
    checkpoint("lexical")
    _write_cards(folder, corpus.cards, embedder, int(vectors.shape[1]))
    checkpoint("cards.npy")
    built = datetime.now(UTC)
    return {
        "format_version": FORMAT_VERSION,
        "build_id": built.strftime("%Y%m%dT%H%M%S") + "-" + corpus.fingerprint[:8],
        "built_at": built.isoformat(timespec="seconds"),
        "model": embedder.name,
        "weights_sha256": embedder.fingerprint(),
        "dimension": int(vectors.shape[1]),
        "corpus_sha256": corpus.fingerprint,
        "passage_count": len(passages),
        "sentence_count": len(refs),
        "source_count": len(sources),
        "card_count": len(corpus.cards),
        "topics": corpus.topics,
    }


def _write_cards(folder: Path, cards: list[Card], embedder: Embedder, dimension: int) -> None:
    """Cards with their resolved citations, and one vector per phrasing."""
    _write_jsonl(folder / "cards.jsonl", (_card_row(c) for c in cards))
    phrasings = [q for c in cards for q in c.questions]
    vectors = (
        embedder.encode(phrasings) if phrasings else np.zeros((0, dimension), dtype=np.float32)
    )
    np.save(folder / "cards.npy", vectors.astype(np.float32), allow_pickle=False)


def _card_row(card: Card) -> dict[str, Any]:
    row = dataclasses.asdict(card)
    row["resolved"] = {k: list(v) for k, v in card.resolved.items()}
    return row


def _card_from(row: dict[str, Any]) -> Card:
    sentences = tuple(
        CardSentence(s["text"], tuple(s["cites"]), s["line"]) for s in row["sentences"]
    )
    resolved = {k: tuple(v) for k, v in row.pop("resolved").items()}
    card = Card(**{**_tuples(row), "sentences": sentences})
    card.resolved.update(resolved)
    return card


def _lexical_text(passage: Passage, sources: dict[str, Source]) -> str:
    titles = " ".join(sources[s].title for s in passage.source_ids if s in sources)
    return f"{passage.section}. {passage.text} {titles}"


def _write_jsonl(path: Path, rows: Any) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    manifest["files"] = {name: _sha256(folder / name) for name in _artefacts(folder)}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))


def _artefacts(folder: Path) -> list[str]:
    """Every file of the build format; a build missing one is damaged."""
    written = {p.relative_to(folder).as_posix() for p in (folder / "lexical").iterdir()}
    if written != set(LEXICAL_FILES):
        raise IndexError_(f"the lexical index wrote unexpected files: {sorted(written)}")
    return [*_FILES, *LEXICAL_FILES]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _point_current(index_dir: Path, target: Path) -> None:
    link = index_dir / "current"
    tmp_link = index_dir / f".current-{os.getpid()}"
    if tmp_link.is_symlink() or tmp_link.exists():
        tmp_link.unlink()
    tmp_link.symlink_to(target.relative_to(index_dir))
    os.replace(tmp_link, link)


def _prune(builds: Path, keep: Path) -> None:
    finished = sorted(
        (p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.name,
    )
    for old in finished[:-KEEP_BUILDS]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def _previous_passages(index_dir: Path) -> dict[str, dict[str, Any]]:
    """Rows of the serving build's passages, and of passages retired before it."""
    folder = index_dir / "current"
    rows: dict[str, dict[str, Any]] = {}
    for name, retired in (("retired.jsonl", True), ("passages.jsonl", False)):
        try:
            found = _read_jsonl(folder / name) if (folder / name).is_file() else []
        except (OSError, ValueError) as exc:  # a damaged build: history starts afresh
            log.warning("ignoring unreadable %s: %s", folder / name, exc)
            found = []
        for row in found:
            rows[row["id"]] = {**row, "retired": retired}
    return rows


def _write_retired(
    path: Path, previous: dict[str, dict[str, Any]], passages: list[Passage]
) -> None:
    """Passages that were once served and no longer are: permalinks explain, not 404."""
    live = {p.id for p in passages}
    fields = {f.name for f in dataclasses.fields(Passage)}
    rows = [
        {k: v for k, v in row.items() if k in fields}
        for pid, row in sorted(previous.items())
        if pid not in live
    ]
    _write_jsonl(path, rows)


def unusable(reason: str) -> IndexError_:
    """The error for an index that cannot be served, with the command that fixes it."""
    return IndexError_(f"{reason}; run `pair-assistant index build`", reason=reason)


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a build folder (or of ``index/current``)."""
    path = folder / "manifest.json"
    if not path.is_file():
        raise unusable(f"no index at {folder}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise unusable(f"index manifest {path} is damaged ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format_version") != FORMAT_VERSION:
        raise unusable(f"index at {folder} has an unknown format version")
    return manifest


def current_folder(index_dir: Path) -> Path:
    return (index_dir / "current").resolve()


def load_index(folder: Path) -> EvidenceIndex:
    """Load a build folder, verifying every file against the manifest."""
    manifest = read_manifest(folder)
    files = manifest.get("files")
    expected = {*_FILES, *LEXICAL_FILES}
    if not isinstance(files, dict) or set(files) != expected:
        raise unusable(f"index manifest {folder / 'manifest.json'} does not list the build's files")
    for name in sorted(expected):
        path = folder / name
        if not path.is_file() or _sha256(path) != files[name]:
            raise unusable(f"index file {path} is missing or damaged")
    try:
        return _read_build(folder, manifest)
    except (OSError, RuntimeError, ValueError, KeyError, TypeError) as exc:
        raise unusable(f"index at {folder} cannot be read ({exc})") from None


def _read_build(folder: Path, manifest: dict[str, Any]) -> EvidenceIndex:
    passages = [Passage(**_tuples(row)) for row in _read_jsonl(folder / "passages.jsonl")]
    sources = {
        sid: Source(**_tuples(row))
        for sid, row in json.loads((folder / "sources.json").read_text("utf-8")).items()
    }
    index = faiss.read_index(str(folder / "faiss.index"))
    sentence_vectors = np.load(folder / "sentences.npy", allow_pickle=False)
    refs = [SentenceRef(*row) for row in _read_jsonl(folder / "sentences.jsonl")]
    if not index.ntotal == len(passages) == manifest["passage_count"]:
        raise ValueError("passage count does not match the manifest")
    if len(refs) != sentence_vectors.shape[0]:
        raise ValueError("sentence count does not match the sentence vectors")
    retired = {row["id"]: Passage(**_tuples(row)) for row in _read_jsonl(folder / "retired.jsonl")}
    cards = [_card_from(row) for row in _read_jsonl(folder / "cards.jsonl")]
    phrasing_vectors = np.load(folder / "cards.npy", allow_pickle=False)
    phrasing_card = [n for n, c in enumerate(cards) for _ in c.questions]
    if len(phrasing_card) != phrasing_vectors.shape[0]:
        raise ValueError("card phrasings do not match the card vectors")
    return EvidenceIndex(
        cards=cards,
        phrasing_vectors=phrasing_vectors,
        phrasing_card=phrasing_card,
        retired=retired,
        manifest=manifest,
        passages=passages,
        sources=sources,
        vectors=index.reconstruct_n(0, index.ntotal),
        faiss_index=index,
        lexical=LexicalIndex.load(
            folder / "lexical",
            Synonyms(json.loads((folder / "synonyms.json").read_text(encoding="utf-8"))),
        ),
        sentences=refs,
        sentence_vectors=sentence_vectors,
    )


def _read_jsonl(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _tuples(row: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in row.items()}


def staleness(manifest: dict[str, Any], corpus_sha256: str, embedder: Embedder) -> str | None:
    """Why an index no longer matches the corpus or model, or None when it does."""
    if manifest.get("corpus_sha256") != corpus_sha256:
        return "the corpus has changed since the index was built"
    if manifest.get("model") != embedder.name:
        return f"the index was built with model {manifest.get('model')!r}, not {embedder.name!r}"
    if manifest.get("weights_sha256") != embedder.fingerprint():
        return "the model's weights differ from those the index was built with"
    return None
