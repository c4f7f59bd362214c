"""Build, save, load and verify the index: the one module that imports faiss.

Layout of ``index/``::

    current -> builds/<build id>     symlink, swapped atomically after a verified build
    builds/<build id>/               faiss.index, passages.jsonl, sources.json,
                                     sentences.jsonl, sentences.npy, lexical/, manifest.json,
                                     encoder.onnx (the question encoder, when exported)
    encoders/                        exported question encoders, one per weights

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
import json
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from assistant.errors import CorpusError, IndexError_
from assistant.evidence import text as text_rules
from assistant.evidence.cards import Card, CardSentence
from assistant.evidence.corpus import (
    Corpus,
    ParsedFile,
    Passage,
    Source,
    content_fingerprint,
    file_stats,
    load_corpus,
)
from assistant.evidence.text import spelled_out
from assistant.search.checksums import file_sha256
from assistant.search.embedding import (
    Embedder,
    SentenceTransformerEmbedder,
    weight_files_stat,
)
from assistant.search.lexical import (
    COUNTS_FILES,
    LexicalIndex,
    Synonyms,
    TermCounts,
    read_counts,
    recount,
    tokenize,
    tokens_version,
)
from assistant.search.neighbours import (
    moved_positions,
    nearest_passages,
    searched_neighbours,
    updated_neighbours,
)
from assistant.search.onnxencoder import ENCODER_FILE
from assistant.search.phrasebuild import build_phrase_index
from assistant.search.phrases import FILES as PHRASE_INDEX_FILES
from assistant.search.phrases import PhraseIndex, joined_text
from assistant.search.reuse import (
    Neighbours,
    Placed,
    Reusing,
    passage_key,
    previous_build,
    previous_neighbours,
)
from assistant.search.sentences import SentenceRefs, SentencesOf, read_rows

FORMAT_VERSION = 2  # 2: related passages, step vectors and the ONNX encoder in the build
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
    "related.npy",
    "texts.jsonl",
    "texts.npy",
)
# Above the size setting (PAIR_HNSW_ABOVE) passages are searched with FAISS HNSW.
HNSW_LINKS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
# Passages searched as queries, exactly and by HNSW, for the recall@10 a build records;
# fewer when a rebuild grew the serving graph (exact search of each costs a pass over
# every vector: seconds at 200k passages)
RECALL_QUERIES = 1000
RECALL_QUERIES_GROWN = 250
# Nearest passages stored per passage for `/evidence/<id>` (its five related passages
# after leaving out itself and its two neighbours).
NEIGHBOURS = 8
# bm25s' files in lexical/ (checked, so a build missing one is damage)
LEXICAL_FILES = (
    "lexical/data.csc.index.npy",
    "lexical/indices.csc.index.npy",
    "lexical/indptr.csc.index.npy",
    "lexical/params.index.json",
    "lexical/vocab.index.json",
)
# The term counts beside them, which a rebuild reuses (builds before them lack them)
LEXICAL_COUNTS = tuple(f"lexical/{name}" for name in COUNTS_FILES)
# Where each word stands, for quoted phrases (builds before it lack it: phrases are then
# found by reading the passages)
PHRASE_FILES = tuple(f"phrases/{name}" for name in PHRASE_INDEX_FILES)
LOCK = ".build.lock"
log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class EvidenceIndex:
    """Everything a request needs, in memory."""

    manifest: dict[str, Any]
    passages: list[Passage]
    sources: dict[str, Source]
    vectors: np.ndarray
    faiss_index: Any
    lexical: LexicalIndex
    sentences: SentenceRefs
    sentence_vectors: np.ndarray
    retired: dict[str, Passage] = dataclasses.field(default_factory=dict)
    by_id: dict[str, int] = dataclasses.field(default_factory=dict)
    topics: dict[str, str] = dataclasses.field(default_factory=dict)
    # passage position -> the numbers of its sentences
    sentences_of: Mapping[int, list[int]] = dataclasses.field(default_factory=dict)
    cards: list[Card] = dataclasses.field(default_factory=list)
    # one row per card phrasing; ``phrasing_card[row]`` is the card's position in ``cards``
    phrasing_vectors: np.ndarray = dataclasses.field(
        default_factory=lambda: np.zeros((0, 1), dtype=np.float32)
    )
    phrasing_card: list[int] = dataclasses.field(default_factory=list)
    card_by_id: dict[str, int] = dataclasses.field(default_factory=dict)
    _sentence_terms: dict[int, frozenset[str]] = dataclasses.field(default_factory=dict, repr=False)
    # card id -> stems it is asked with and speaks to (filled in by answer.cards on use)
    card_terms: dict[str, tuple[frozenset[str], frozenset[str]]] = dataclasses.field(
        default_factory=dict, repr=False
    )
    # main source id -> first passage citing it, for "newer evidence exists" links
    first_of_source: dict[str, str] = dataclasses.field(default_factory=dict)
    # the build's exported question encoder, when it has one
    encoder_path: Path | None = None
    # each passage's nearest passages by vector, best first (None: older builds)
    related: np.ndarray | None = None
    # where each word stands in each passage, for quoted phrases (None: older builds)
    phrases: PhraseIndex | None = None
    # vectors stored with the build for short texts (the journey's steps), by text
    stored_texts: dict[str, int] = dataclasses.field(default_factory=dict)
    stored_vectors: np.ndarray = dataclasses.field(
        default_factory=lambda: np.zeros((0, 1), dtype=np.float32)
    )
    _memo: dict[Any, Any] = dataclasses.field(default_factory=dict, repr=False)
    _memo_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.by_id = {p.id: i for i, p in enumerate(self.passages)}
        self.card_by_id = {c.id: i for i, c in enumerate(self.cards)}
        for p in reversed(self.passages):
            self.first_of_source[p.source_id] = p.id
        self.topics = dict(self.manifest.get("topics", {}))
        self.sentences_of = SentencesOf(self.sentences, len(self.passages))

    def derived(self, key: Any, compute: Callable[[], T]) -> T:
        """``compute()`` once per process for this index: per-page figures that depend on
        the index alone (source counts, sections) are not recomputed per request."""
        with self._memo_lock:
            if key not in self._memo:
                self._memo[key] = compute()
            value: T = self._memo[key]
            return value

    def stored_vector(self, text: str) -> np.ndarray | None:
        """The vector the build stored for ``text``, if it stored one."""
        row = self.stored_texts.get(text)
        return None if row is None else self.stored_vectors[row]

    def newer_passage(self, source_id: str | None) -> str | None:
        """The first passage citing ``source_id`` (the evidence that supersedes a source)."""
        return None if source_id is None else self.first_of_source.get(source_id)

    def sentence_terms(self, n: int) -> frozenset[str]:
        """The stemmed terms of sentence ``n``, remembered once asked for.

        Sentence by sentence, not all at once: a large corpus has hundreds of thousands
        of sentences and answers read a few dozen of them."""
        found = self._sentence_terms.get(n)
        if found is None:
            ref = self.sentences[n]
            whole = self.passages[ref.passage].text
            text = whole[ref.start : ref.end]
            # "WWW is a dyadic psychotherapy" holds "watch", "wait" and "wonder" when its
            # passage spelled the name out as "Watch, Wait and Wonder (WWW)"
            spelled = [
                words
                for acronym, words in spelled_out(whole).items()
                if re.search(rf"(?<![\w-]){re.escape(acronym)}(?![\w-])", text)
            ]
            found = self._sentence_terms[n] = frozenset(
                t for tokens in tokenize([text, *spelled]) for t in tokens
            )
        return found

    def dense_within(
        self, query_vector: np.ndarray, positions: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``positions`` best first by cosine (ties in corpus order), and their cosines."""
        scores = self.vectors[positions] @ query_vector
        order = np.lexsort((positions, -scores))
        return np.asarray(positions)[order], scores[order]

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
    texts: Sequence[str] | None = None,
    approximate_above: int = 100_000,
    fail_after: Callable[[str], None] | None = None,
    verify: Callable[[EvidenceIndex], None] | None = None,
) -> BuildReport:
    """Embed the corpus and switch ``index_dir/current`` to the new build.

    ``texts`` are short texts whose vectors servers need at start-up (the journey's
    steps); they are embedded and stored with the build, so a server starts without
    running the model. None keeps those of the serving build. Above
    ``approximate_above`` passages (0: never) the vectors go into an HNSW index, whose
    recall@10 against exact search the manifest records. ``fail_after`` is called
    after each file is written (tests use it to crash a build half-way and check the
    serving index survives).
    ``verify`` is called with the loaded new build before it is switched in: content
    that is loaded beside the index (the journey, the estimator) is checked against it
    there, and an error leaves the serving index as it was.
    """
    started = time.perf_counter()
    stats = file_stats(corpus_dir)  # before reading: a file edited meanwhile shows as changed
    if not corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {corpus_dir} does not exist")
    index_dir.mkdir(parents=True, exist_ok=True)
    with _build_lock(index_dir):
        prune_stale(index_dir)
        served = _served_passages(index_dir)
        corpus = load_corpus(corpus_dir, parsed_files(index_dir, served))
        if not corpus.passages:
            raise IndexError_(f"the corpus in {corpus_dir} has no passages to index")
        builds = index_dir / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        previous = _previous_passages(index_dir, served)
        stored = list(dict.fromkeys(_previous_texts(index_dir) if texts is None else texts))
        serving = index_dir / "current"
        known, prior = previous_build(serving, embedder, passage_vectors, served, sentence_rules())
        neighbours = previous_neighbours(serving, served) if prior is not None else None
        reusing = Reusing(embedder, known, neighbours, prior)
        carried = _carried(serving, served)

        def finish(folder: Path, manifest: dict[str, Any]) -> None:
            _write_texts(folder, stored, reusing, manifest["dimension"])
            manifest["texts_embedded"] = reusing.embedded
            manifest["texts_reused"] = reusing.reused
            manifest["corpus_files"] = stats
            manifest["corpus_parsed"] = corpus.files
            manifest["weights_files"] = weights_stat(embedder)

        final, manifest = _build_folder(
            builds,
            corpus,
            reusing,
            previous,
            started,
            fail_after,
            verify,
            approximate_above,
            finish,
            carried,
        )
        _point_current(index_dir, final)
        _prune(builds, keep=final)
    ids = [p.id for p in corpus.passages]
    live = {i: row for i, row in previous.items() if not row.get("retired")}
    added = [p for p in corpus.passages if p.id not in live]
    current = set(ids)
    removed = [row for i, row in sorted(live.items()) if i not in current]
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
    approximate_above: int,
    finish: Callable[[Path, dict[str, Any]], None],
    carried: Carried | None = None,
) -> tuple[Path, dict[str, Any]]:
    """Write, verify and rename a new build folder; nothing is left behind on failure.

    ``finish`` writes what the build carries beside the passages (the stored texts'
    vectors) and completes the manifest before it is written. ``carried`` is what of the
    serving build's lexical and phrase indexes can be reused."""
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=builds))
    try:
        _write_retired(tmp / "retired.jsonl", previous, corpus.passages)
        manifest = _write_build(
            tmp, corpus, embedder, fail_after or (lambda _name: None), approximate_above, carried
        )
        finish(tmp, manifest)
        manifest["build_seconds"] = round(time.perf_counter() - started, 2)
        _write_manifest(tmp, manifest)
        # load it before it can be served; its checksums were just taken from these very
        # files, so sizes are checked, not every byte hashed a second time, and the
        # passages it was written from are used, not parsed back
        loaded = load_index(tmp, passages=corpus.passages)
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
    folder: Path,
    corpus: Corpus,
    embedder: Embedder,
    checkpoint: Callable[[str], None],
    approximate_above: int,
    carried: Carried | None = None,
) -> dict[str, Any]:
    passages = corpus.passages
    keys = [passage_key(p.id, p.heading) for p in passages]
    reusing = embedder if isinstance(embedder, Reusing) else None
    prior = reusing.prior if reusing is not None else None
    moved = moved_positions(prior.keys, keys) if prior is not None else None
    placed = Placed(passages, prior, moved)
    if reusing is not None and prior is not None:
        reusing.reused += placed.taken()
        reusing.borrow(placed.sentences)
        phrasings = [q for c in corpus.cards for q in c.questions]
        new = [*placed.texts, *placed.sentences, *phrasings]
        _embed_new(reusing, new, folder.parent.parent / "encoders")
    vectors = placed.passage_vectors(_encode(embedder, placed.texts, "Passages"))
    previous = reusing.neighbours if reusing is not None else None
    index, search = _vector_index(
        vectors, approximate_above, lambda: _grown(vectors, keys, previous, moved)
    )
    _faiss().write_index(index, str(folder / "faiss.index"))
    checkpoint("faiss.index")
    related = _related(vectors, keys, index, search, previous, moved)
    np.save(folder / "related.npy", related)
    _write_jsonl(folder / "passages.jsonl", (vars(p) for p in passages))  # asdict: 10x slower
    checkpoint("passages.jsonl")
    used = {s for p in passages for s in p.source_ids}
    sources = {sid: dataclasses.asdict(s) for sid, s in corpus.sources.items() if sid in used}
    (folder / "sources.json").write_text(json.dumps(sources, ensure_ascii=False, indent=1))
    sentence_vectors = placed.sentence_vectors(_encode(embedder, placed.sentences, "Sentences"))
    _write_rows(folder / "sentences.jsonl", placed.rows)
    np.save(folder / "sentences.npy", sentence_vectors, allow_pickle=False)
    checkpoint("sentences.npy")
    lexical, tokenised = _lexical_index(
        [_lexical_text(p, corpus.sources) for p in passages], carried.terms if carried else None
    )
    lexical.save(folder / "lexical")
    joined = [joined_text(p.text, p.heading, p.section) for p in passages]
    phrase_index, phrases_read = build_phrase_index(joined, carried.phrases if carried else None)
    phrase_index.save(folder / "phrases")
    (folder / "synonyms.json").write_text(json.dumps(corpus.synonyms, ensure_ascii=False))
    checkpoint("lexical")
    _write_cards(folder, corpus.cards, embedder, int(vectors.shape[1]))
    checkpoint("cards.npy")
    encoder = _write_encoder(folder, embedder)
    built = datetime.now(UTC)
    return {
        **encoder,
        "format_version": FORMAT_VERSION,
        "build_id": built.strftime("%Y%m%dT%H%M%S") + "-" + corpus.fingerprint[:8],
        "built_at": built.isoformat(timespec="seconds"),
        "model": embedder.name,
        "weights_sha256": embedder.fingerprint(),
        "dimension": int(vectors.shape[1]),
        "corpus_sha256": corpus.fingerprint,
        "passage_count": len(passages),
        "sentence_count": len(placed.rows),
        "sentence_rules": sentence_rules(),
        "source_count": len(sources),
        "card_count": len(corpus.cards),
        "cards_under_review": [c.id for c in corpus.cards if c.under_review],
        "topics": corpus.topics,
        "vector_search": search,
        "lexical_tokens": tokens_version(),
        "passages_tokenised": tokenised,
        "passages_phrase_read": phrases_read,
    }


def _lexical_index(
    texts: list[str], counted: tuple[TermCounts, list[str]] | None
) -> tuple[LexicalIndex, int]:
    """The BM25 index of ``texts`` and how many of them were tokenised: only those the
    serving build did not count (``counted``: its term counts and the texts they count)."""
    if counted is None:
        return LexicalIndex.build(texts), len(texts)
    counts, before = counted
    moved = moved_positions(before, texts)
    fresh = len(texts) - int(np.count_nonzero(moved >= 0))
    return LexicalIndex.from_counts(recount(counts, moved, texts)), fresh


@dataclass(frozen=True)
class Carried:
    """What a rebuild takes from the serving build instead of reading every passage
    again: its term counts and its phrase index, each with the texts it was made of."""

    terms: tuple[TermCounts, list[str]] | None = None
    phrases: tuple[PhraseIndex, list[str]] | None = None


def _previous_phrases(
    serving: Path, served: list[Passage], manifest: dict[str, Any]
) -> tuple[PhraseIndex, list[str]] | None:
    """The serving build's phrase index and the joined texts it holds, when it has one
    whose files match the checksums of its ``manifest`` (None: every passage is read)."""
    if not (serving / "phrases").is_dir():
        return None
    try:
        if any(file_sha256(serving / name) != manifest["files"][name] for name in PHRASE_FILES):
            raise ValueError("the phrase index does not match its checksums")
        found = PhraseIndex.load(serving / "phrases")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("reading every passage's phrases afresh (%s)", exc)
        return None
    return found, [joined_text(p.text, p.heading, p.section) for p in served]


def _carried(serving: Path, served: list[Passage]) -> Carried:
    """What of the serving build's term counts and phrase index a rebuild can reuse, its
    manifest (with the files' checksums) read once for both."""
    if not served:
        return Carried()
    try:
        manifest = json.loads((serving / "manifest.json").read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("the manifest is not a JSON object")
    except (OSError, ValueError) as exc:
        log.warning("reading every passage afresh (%s)", exc)
        return Carried()
    return Carried(
        _previous_terms(serving, served, manifest), _previous_phrases(serving, served, manifest)
    )


def _previous_terms(
    serving: Path, served: list[Passage], manifest: dict[str, Any]
) -> tuple[TermCounts, list[str]] | None:
    """The serving build's term counts and the texts they count (its passages', see
    :func:`_lexical_text`), when it stored them with this tokeniser and its files match
    the checksums of its ``manifest``; None otherwise (every passage is tokenised)."""
    try:
        if manifest.get("lexical_tokens") != tokens_version():
            return None
        read = (*LEXICAL_COUNTS, *LEXICAL_FILES[1:], "sources.json")
        if any(file_sha256(serving / name) != manifest["files"][name] for name in read):
            raise ValueError("the lexical index does not match its checksums")
        counts = read_counts(serving / "lexical")
        rows = json.loads((serving / "sources.json").read_text(encoding="utf-8"))
        sources = {sid: Source(**_tuples(row)) for sid, row in rows.items()}
        texts = [_lexical_text(p, sources) for p in served]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("counting every passage's terms afresh (%s)", exc)
        return None
    return (counts, texts) if len(texts) == len(counts.lengths) else None


def _related(
    vectors: np.ndarray,
    keys: list[tuple[str, str]],
    index: Any,
    search: dict[str, Any],
    previous: Neighbours | None,
    moved: np.ndarray | None,
) -> np.ndarray:
    """Each passage's nearest passages (see :mod:`.neighbours`): carried over from the
    serving build where it was searched the same way, else found afresh."""
    exact = search["kind"] == "flat"
    if previous is not None and previous.exact == exact:
        updated = updated_neighbours(vectors, keys, previous, NEIGHBOURS, moved)
        if updated is not None:
            return updated
    if exact:
        return nearest_passages(vectors, NEIGHBOURS)
    return searched_neighbours(index, vectors, NEIGHBOURS)


def sentence_rules() -> str:
    """Names the rules that split passages into sentences (a digest of the module that
    holds them): a rebuild takes an unchanged passage's sentences from the serving
    build only when they were split by the same rules."""
    return file_sha256(Path(text_rules.__file__))[:16]


def _write_rows(path: Path, rows: np.ndarray) -> None:
    """``sentences.jsonl``: one ``[passage, start, end]`` a line, as JSON writes them."""
    with path.open("w", encoding="utf-8") as handle:
        handle.writelines(f"[{n}, {a}, {b}]\n" for n, a, b in rows.tolist())


def _faiss() -> Any:
    """faiss, imported by the commands that load or build an index, not by the others."""
    import faiss

    return faiss


def passage_vectors(folder: Path) -> np.ndarray:
    """The passage vectors stored in a build's FAISS index."""
    index = _faiss().read_index(str(folder / "faiss.index"))
    vectors: np.ndarray = index.reconstruct_n(0, index.ntotal)
    return vectors


class _Held(np.ndarray):
    """An array over memory another object owns, holding that owner alive."""

    owner: Any = None


def _stored_vectors(index: Any) -> np.ndarray:
    """The index's vectors as a NumPy view of FAISS's own memory (one copy, not two).

    The view holds the FAISS index, so the memory stays valid however long the array
    (or any view of it) is kept."""
    faiss = _faiss()
    flat = faiss.downcast_index(index.storage) if hasattr(index, "storage") else index
    try:
        raw = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d)
        view = np.asarray(raw).view(np.float32).reshape(flat.ntotal, flat.d).view(_Held)
    except (AttributeError, TypeError, ValueError):
        copied: np.ndarray = index.reconstruct_n(0, index.ntotal)
        return copied
    view.owner = index
    return view


def _vector_index(
    vectors: np.ndarray, approximate_above: int, grown: Callable[[], Any] = lambda: None
) -> tuple[Any, dict[str, Any]]:
    """Exact inner-product search, or HNSW above ``approximate_above`` passages with its
    recall@10 against exact search on up to :data:`RECALL_QUERIES` of the passages as
    queries (:data:`RECALL_QUERIES_GROWN` for a grown graph). ``grown()``
    is the serving build's HNSW index with the new passages added, if it can be had."""
    faiss = _faiss()
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    if approximate_above <= 0 or len(vectors) <= approximate_above:
        return exact, {"kind": "flat"}
    index = grown()
    extended = index is not None
    if index is None:
        index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_LINKS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.add(vectors)
    index.hnsw.efSearch = HNSW_EF_SEARCH
    queries = min(RECALL_QUERIES_GROWN if extended else RECALL_QUERIES, len(vectors))
    sample = vectors[np.linspace(0, len(vectors) - 1, queries).astype(int)]
    k = min(10, len(vectors))
    _, truth = exact.search(sample, k)
    _, found = index.search(sample, k)
    hits = sum(len(set(t) & set(f)) for t, f in zip(truth, found, strict=True))
    recall = round(hits / truth.size, 4)
    search = {
        "kind": "hnsw",
        "links": HNSW_LINKS,
        "recall_at_10": recall,
        "recall_queries": queries,
    }
    return index, {**search, "grown": True} if extended else search


def _grown(
    vectors: np.ndarray,
    keys: list[tuple[str, str]],
    previous: Neighbours | None,
    moved: np.ndarray | None,
) -> Any:
    """The serving build's HNSW index with the passages that are new added to its graph,
    its entries put in the new passage order; None unless every passage it holds is still
    there, unchanged (an HNSW graph cannot drop a passage). ``moved``: each of its
    passages' new position (None without a previous build)."""
    if previous is None or previous.exact or previous.folder is None or moved is None:
        return None
    if not len(moved) or (moved < 0).any():
        return None
    try:
        index = _faiss().read_index(str(previous.folder / "faiss.index"))
        hnsw = index.hnsw
    except (OSError, RuntimeError, AttributeError) as exc:
        log.warning("building the vector index afresh (%s)", exc)
        return None
    if index.ntotal != len(moved) or index.d != vectors.shape[1]:
        return None
    fresh = np.setdiff1d(np.arange(len(vectors)), moved, assume_unique=True)
    hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    if len(fresh):
        index.add(np.ascontiguousarray(vectors[fresh]))
    # entry n of the grown index is passage ``held[n]``; put each at its own position
    held = np.concatenate([moved, fresh])
    index.permute_entries(np.argsort(held).astype(np.int64))
    return index


def _write_texts(folder: Path, texts: list[str], embedder: Embedder, dimension: int) -> None:
    _write_jsonl(folder / "texts.jsonl", texts)
    vectors = embedder.encode(texts) if texts else np.zeros((0, dimension), dtype=np.float32)
    np.save(folder / "texts.npy", vectors.astype(np.float32), allow_pickle=False)


def _previous_texts(index_dir: Path) -> list[str]:
    path = index_dir / "current" / "texts.jsonl"
    try:
        return [t for t in _read_jsonl(path) if isinstance(t, str)] if path.is_file() else []
    except (OSError, ValueError):
        return []


def _write_encoder(folder: Path, embedder: Embedder) -> dict[str, Any]:
    """The question encoder for servers (see :mod:`.onnxencoder`): manifest fields."""
    if isinstance(embedder, Reusing):
        embedder = embedder.inner
    if not isinstance(embedder, SentenceTransformerEmbedder):
        return {}
    target = folder / ENCODER_FILE
    if not embedder.export_onnx(folder.parent.parent / "encoders", target):
        return {}
    return {
        "query_encoder": {
            "file": ENCODER_FILE,
            "format": "onnx fp32, fused",
            "sha256": file_sha256(target),
        }
    }


PROGRESS_CHUNK = 256
# Up to this many new texts in a rebuild go one at a time through the exported ONNX graph
# (no PyTorch import, which alone takes seconds); more go through sentence-transformers in
# batches, as a first build's do.
FEW_TEXTS = 4096


def _embed_new(reusing: Reusing, texts: list[str], cache: Path) -> None:
    """Embed, at once, every text of a rebuild that the serving build did not embed."""
    missing = reusing.missing(texts)
    if not missing:
        return
    inner = reusing.inner
    vectors = None
    if len(missing) <= FEW_TEXTS and isinstance(inner, SentenceTransformerEmbedder):
        vectors = inner.encode_each(missing, cache)
    reusing.add(missing, _encode(inner, missing, "New texts") if vectors is None else vectors)


def _encode(embedder: Embedder, texts: list[str], label: str) -> np.ndarray:
    """``embedder.encode`` in chunks, with a progress bar when the output is a terminal
    (a build takes a minute or more; logs and tests get no bar)."""
    if len(texts) <= PROGRESS_CHUNK:
        return embedder.encode(texts)
    from tqdm import tqdm  # builds only: servers do not import it

    parts = []
    with tqdm(
        total=len(texts), desc=f"Embedding {label.lower()}", unit="text", disable=None
    ) as bar:
        for start in range(0, len(texts), PROGRESS_CHUNK):
            chunk = texts[start : start + PROGRESS_CHUNK]
            parts.append(embedder.encode(chunk))
            bar.update(len(chunk))
    return np.concatenate(parts)


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


_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps with options makes one per call


def _write_jsonl(path: Path, rows: Any) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(_JSON.encode(row) + "\n")


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    names = _artefacts(folder)
    manifest["files"] = {name: file_sha256(folder / name) for name in names}
    manifest["sizes"] = {name: (folder / name).stat().st_size for name in names}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False))


def _artefacts(folder: Path) -> list[str]:
    """Every file of the build format; a build missing one is damaged."""
    written = {p.relative_to(folder).as_posix() for p in (folder / "lexical").iterdir()}
    if written != {*LEXICAL_FILES, *LEXICAL_COUNTS}:
        raise IndexError_(f"the lexical index wrote unexpected files: {sorted(written)}")
    encoder = [ENCODER_FILE] if (folder / ENCODER_FILE).is_file() else []
    return [*_FILES, *LEXICAL_FILES, *LEXICAL_COUNTS, *PHRASE_FILES, *encoder]


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


def _served_passages(index_dir: Path) -> list[Passage]:
    """The serving build's passages, read once for everything a rebuild takes from it
    (history, parsed files, vectors, neighbours); none unless the file matches the
    checksum its manifest records."""
    path = index_dir / "current" / "passages.jsonl"
    if not path.is_file():
        return []
    try:
        manifest = json.loads((path.parent / "manifest.json").read_text(encoding="utf-8"))
        if file_sha256(path) != manifest["files"]["passages.jsonl"]:
            log.warning("not reusing %s: it does not match its checksum", path)
            return []
        return _read_passages(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return []


def parsed_files(index_dir: Path, served: list[Passage]) -> dict[str, ParsedFile]:
    """The Markdown files the serving build parsed (see :class:`ParsedFile`), from its
    manifest's per-file checksums and its passages; {} when it does not list them."""
    try:
        listed = json.loads((index_dir / "current" / "manifest.json").read_text("utf-8"))
        records = listed.get("corpus_parsed") or {}
    except (OSError, ValueError, AttributeError):
        return {}
    by_file: dict[str, list[Passage]] = {}
    for p in served:
        by_file.setdefault(p.file, []).append(p)
    found = {}
    for rel, record in records.items():
        if not (isinstance(record, list) and len(record) == 4):
            continue
        sha256, topic, title, count = record
        mine = by_file.get(rel, [])
        if len(mine) == count:
            first = mine[0].order if mine else 0
            found[rel] = ParsedFile(sha256, topic, title, tuple(mine), first)
    return found


def _previous_passages(index_dir: Path, served: list[Passage]) -> dict[str, dict[str, Any]]:
    """Rows of the serving build's passages, and of passages retired before it."""
    path = index_dir / "current" / "retired.jsonl"
    rows: dict[str, dict[str, Any]] = {}
    try:
        found = _read_jsonl(path) if path.is_file() else []
    except (OSError, ValueError) as exc:  # a damaged build: history starts afresh
        log.warning("ignoring unreadable %s: %s", path, exc)
        found = []
    for row in found:
        rows[row["id"]] = {**row, "retired": True}
    for p in served:
        rows[p.id] = {**vars(p), "retired": False}
    return rows


def _write_retired(
    path: Path, previous: dict[str, dict[str, Any]], passages: list[Passage]
) -> None:
    """Passages that were once served and no longer are: permalinks explain, not 404."""
    live = {p.id for p in passages}
    fields = {f.name for f in dataclasses.fields(Passage)}
    gone = sorted(pid for pid in previous if pid not in live)
    rows = [{k: v for k, v in previous[pid].items() if k in fields} for pid in gone]
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


def load_index(
    folder: Path, verify: bool = False, passages: list[Passage] | None = None
) -> EvidenceIndex:
    """Load a build folder, checking every file is there with its recorded size.

    ``verify`` also checks each file's SHA-256, as builds do before switching and
    ``pair-assistant index verify`` does on demand; a server start does not re-read them.
    ``passages`` are the ones a build just wrote into ``folder``, taken as they are
    instead of being parsed back.
    """
    manifest = read_manifest(folder)
    files = manifest.get("files")
    expected = {*_FILES, *LEXICAL_FILES}
    optional = {ENCODER_FILE, *LEXICAL_COUNTS, *PHRASE_FILES}
    if not isinstance(files, dict) or not expected <= set(files) <= expected | optional:
        raise unusable(f"index manifest {folder / 'manifest.json'} does not list the build's files")
    problems = damaged_files(folder, manifest, verify or "sizes" not in manifest)
    if problems:
        raise unusable(f"index file {folder / problems[0]} is missing or damaged")
    try:
        return _read_build(folder, manifest, passages)
    except (OSError, RuntimeError, ValueError, KeyError, TypeError) as exc:
        raise unusable(f"index at {folder} cannot be read ({exc})") from None


def damaged_files(folder: Path, manifest: dict[str, Any], checksums: bool = True) -> list[str]:
    """Files of the build missing, of another size, or (``checksums``) of other content."""
    sizes = manifest.get("sizes", {})
    problems = []
    for name, digest in manifest.get("files", {}).items():
        path = folder / name
        resized = path.is_file() and name in sizes and path.stat().st_size != sizes[name]
        if not path.is_file() or resized or (checksums and file_sha256(path) != digest):
            problems.append(name)
    return problems


def _read_build(
    folder: Path, manifest: dict[str, Any], written: list[Passage] | None = None
) -> EvidenceIndex:
    files = manifest["files"]
    passages = written if written is not None else _read_passages(folder / "passages.jsonl")
    sources = {
        sid: Source(**_tuples(row))
        for sid, row in json.loads((folder / "sources.json").read_text("utf-8")).items()
    }
    index = _faiss().read_index(str(folder / "faiss.index"))
    # memory-mapped: read-only pages the page cache shares between worker processes
    sentence_vectors = np.load(folder / "sentences.npy", mmap_mode="r", allow_pickle=False)
    refs = read_rows(folder / "sentences.jsonl")
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
        vectors=_stored_vectors(index),
        faiss_index=index,
        lexical=LexicalIndex.load(
            folder / "lexical",
            Synonyms(json.loads((folder / "synonyms.json").read_text(encoding="utf-8"))),
        ),
        sentences=refs,
        sentence_vectors=sentence_vectors,
        encoder_path=folder / ENCODER_FILE if "query_encoder" in manifest else None,
        related=_optional_npy(folder / "related.npy"),
        phrases=PhraseIndex.load(folder / "phrases") if "phrases/postings.npy" in files else None,
        **_stored_texts(folder),
    )


def _read_passages(path: Path) -> list[Passage]:
    with path.open(encoding="utf-8") as handle:
        # line by line into passages: never every parsed row at once (a large corpus's
        # rows would take more memory than its passages)
        return [Passage(**_interned(json.loads(line))) for line in handle if line.strip()]


def _optional_npy(path: Path) -> np.ndarray | None:
    return np.load(path, allow_pickle=False) if path.is_file() else None


def _stored_texts(folder: Path) -> dict[str, Any]:
    vectors = _optional_npy(folder / "texts.npy")
    if vectors is None:
        return {}
    texts = _read_jsonl(folder / "texts.jsonl")
    if len(texts) != len(vectors):
        raise ValueError("stored texts do not match their vectors")
    return {"stored_texts": {t: n for n, t in enumerate(texts)}, "stored_vectors": vectors}


def _read_jsonl(path: Path) -> list[Any]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _interned(row: dict[str, Any]) -> dict[str, Any]:
    """A passage row with its list as a tuple and the strings that repeat from passage to
    passage shared (a
    large corpus holds hundreds of thousands of passages but far fewer sections, files,
    grades and sources)."""
    intern = sys.intern
    row["heading"], row["section"] = intern(row["heading"]), intern(row["section"])
    row["topic"], row["file"] = intern(row["topic"]), intern(row["file"])
    if row.get("evidence"):
        row["evidence"] = intern(row["evidence"])
    row["source_ids"] = tuple(intern(s) for s in row["source_ids"])
    return row  # source_ids is a passage's one list field


def _tuples(row: dict[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in row.items()}


def staleness(manifest: dict[str, Any], corpus_dir: Path, embedder: Embedder) -> str | None:
    """Why an index no longer matches the corpus or model, or None when it does.

    File sizes and modification times are compared first; contents are hashed only when
    those differ (a start-up then reads no corpus file and no weights).
    """
    if manifest.get("corpus_files") != file_stats(corpus_dir) and manifest.get(
        "corpus_sha256"
    ) != content_fingerprint(corpus_dir):
        return "the corpus has changed since the index was built"
    if manifest.get("model") != embedder.name:
        return f"the index was built with model {manifest.get('model')!r}, not {embedder.name!r}"
    unchanged = manifest.get("weights_files") and manifest["weights_files"] == weights_stat(
        embedder
    )
    if not unchanged and manifest.get("weights_sha256") != embedder.fingerprint():
        return "the model's weights differ from those the index was built with"
    return None


def weights_stat(embedder: Embedder) -> dict[str, list[int]]:
    """Size and modification time of the model's weight files ({} if not a folder)."""
    if isinstance(embedder, Reusing):
        embedder = embedder.inner
    if not isinstance(embedder, SentenceTransformerEmbedder):
        return {}
    return weight_files_stat(embedder.location)
