"""Per-process singletons: the model, the index and the engine built on them.

Everything a request needs is loaded here once; a request never touches disk. When the
index is missing, stale or damaged and ``auto_rebuild`` is on, it is rebuilt first
(with a log line); otherwise loading fails with the fix in the message. When the rebuild
fails because the corpus has problems, the last good build keeps serving and the problems
are kept on the engine (``corpus_errors``) for the health check and curators to see.
"""

from __future__ import annotations

import gc
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass, field
from typing import TypeVar, cast

import numpy as np

from assistant.config import Settings
from assistant.errors import CorpusError, IndexError_
from assistant.evidence.corpus import Passage
from assistant.search.embedding import Embedder, SentenceTransformerEmbedder
from assistant.search.index import (
    EvidenceIndex,
    build_index,
    current_folder,
    load_index,
    read_manifest,
    staleness,
    unusable,
)
from assistant.search.lexical import load_english_words
from assistant.search.retrieval import Mode, RetrievalSettings, Retriever, SearchResult

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class Engine:
    """The loaded index plus the model: searches, thread-safe."""

    settings: Settings
    embedder: Embedder
    index: EvidenceIndex
    corpus_errors: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        self.retriever = Retriever(
            self.index,
            self.embedder,
            RetrievalSettings(self.settings.rrf_k, self.settings.abstain_threshold),
        )
        self._cache: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, text: str) -> np.ndarray:
        """Query vector, from the LRU cache so repeated queries skip the model."""
        vector: np.ndarray = self.cached(("vector", text), lambda: self.embedder.encode([text])[0])
        return vector

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, remembered under ``key`` in a small LRU for this index.

        The index never changes under an engine (a reload makes a new engine), so
        anything derived from a query alone can be reused.
        """
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return cast(T, self._cache[key])
        value = compute()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > self.settings.query_cache_size:
                self._cache.popitem(last=False)
        return value

    def search(
        self,
        query: str,
        k: int | None = None,
        mode: Mode = "hybrid",
        where: Callable[[Passage], bool] | None = None,
        query_vector: np.ndarray | None = None,
        boost: Collection[str] = (),
        within: np.ndarray | None = None,
    ) -> SearchResult:
        """Hybrid search; ``boost`` names passages (by id) to favour in near-ties;
        ``within`` (passage positions) limits the search to those passages."""
        if self.settings.log_queries:
            log.info("query: %s", query)
        vector = self.embed(query) if query_vector is None else query_vector
        positions = {self.index.by_id[i] for i in boost if i in self.index.by_id}
        return self.retriever.search(
            query,
            k or self.settings.top_k,
            mode,
            where,
            query_vector=vector,
            boost=positions,
            within=within,
        )

    def passage(self, passage_id: str) -> Passage | None:
        position = self.index.by_id.get(passage_id)
        return None if position is None else self.index.passages[position]


_engines: dict[tuple[str, str, str], Engine] = {}
_engines_lock = threading.Lock()


def engine_key(settings: Settings) -> tuple[str, str, str]:
    """Engines are shared per corpus, index folder and model."""
    return (str(settings.corpus_dir), str(settings.index_dir), settings.model)


def get_engine(settings: Settings) -> Engine:
    """The process's engine for these settings, loading (or rebuilding) it once."""
    key = engine_key(settings)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = load_engine(settings)
        engine = _engines[key]
    _watch_index(settings, key)
    return engine


BuildCheck = Callable[[Settings, EvidenceIndex], None]
# Checks a new build must pass before it is switched in (the journey's, registered by the
# web app: this stage cannot import the journey).
build_checks: list[BuildCheck] = []


def load_engine(settings: Settings, embedder: Embedder | None = None) -> Engine:
    embedder = embedder or SentenceTransformerEmbedder(settings.model)
    problem = index_problem(settings, embedder)
    index = None
    if problem is None:
        try:
            index = load_index(current_folder(settings.index_dir))
        except IndexError_ as exc:
            problem = exc.reason
    errors: tuple[str, ...] = ()
    if index is None:
        if not settings.auto_rebuild:
            raise unusable(problem or "the index cannot be served")
        log.warning("rebuilding the index: %s", problem)
        try:
            build_index(
                settings.corpus_dir,
                settings.index_dir,
                embedder,
                texts=build_texts(settings),
                verify=_checks(settings),
            )
        except CorpusError as exc:
            index, errors = _last_good(settings, embedder, exc), tuple(exc.message.splitlines())
        else:
            index = load_index(current_folder(settings.index_dir))
    use_query_encoder(settings, embedder, index)
    log.info("index loaded: %d passages, model %s", index.manifest["passage_count"], embedder.name)
    engine = Engine(settings, embedder, index, errors)
    collect_after_load()
    return engine


def collect_after_load() -> None:
    """One full garbage collection now, as a load ends, and not inside a request.

    A loaded index is hundreds of thousands of objects (a passage each); the objects made
    while loading count towards Python's next full collection, which walks every one of
    them: at 200k passages that is a pause of a third of a second or more, and it fell
    on whichever request came soon after start-up (or a reload). Collected here, the
    next full collection waits until new objects a quarter as many as the index's have
    outlived the younger generations, which serving rarely makes."""
    gc.collect()


def _checks(settings: Settings) -> Callable[[EvidenceIndex], None]:
    def verify(index: EvidenceIndex) -> None:
        for check in build_checks:
            check(settings, index)

    return verify


def _last_good(settings: Settings, embedder: Embedder, error: CorpusError) -> EvidenceIndex:
    """The serving build, stale but whole, when the corpus cannot be rebuilt; else raise."""
    try:
        index = load_index(current_folder(settings.index_dir))
        _check_model(index, embedder)
    except IndexError_:
        raise error from None
    log.error(
        "serving the last good index %s: the corpus cannot be built until it is fixed: %s",
        index.manifest["build_id"],
        error.message.replace("\n", "; "),
    )
    return index


def use_query_encoder(settings: Settings, embedder: Embedder, index: EvidenceIndex) -> None:
    """Questions take the build's ONNX graph unless the settings ask for NumPy; the English
    word list that keeps real words from being "corrected" is read now, not on a question."""
    load_english_words()
    if (
        settings.query_encoder == "onnx"
        and index.encoder_path is not None
        and isinstance(embedder, SentenceTransformerEmbedder)
    ):
        embedder.use_onnx(index.encoder_path, settings.model_threads)


# Texts whose vectors a build stores for start-up (the journey's steps). Later stages
# register a provider, as search cannot import them: imports flow one way.
_text_providers: list[Callable[[Settings], list[str]]] = []


def add_build_texts(provider: Callable[[Settings], list[str]]) -> None:
    """Have every index build store vectors for ``provider(settings)``'s texts."""
    if provider not in _text_providers:
        _text_providers.append(provider)


def build_texts(settings: Settings) -> list[str] | None:
    """The registered texts (None when nothing registered: keep the serving build's)."""
    if not _text_providers:
        return None
    return [t for provider in _text_providers for t in provider(settings)]


def index_problem(settings: Settings, embedder: Embedder) -> str | None:
    """Why the current index cannot be served as it is, or None."""
    try:
        manifest = read_manifest(current_folder(settings.index_dir))
    except IndexError_ as exc:
        return exc.reason
    if not settings.corpus_dir.is_dir():
        raise CorpusError(f"corpus folder {settings.corpus_dir} does not exist")
    return staleness(manifest, settings.corpus_dir, embedder)


# Reloading: a running server follows `index/current` to a newer build without dropping
# requests. At most once every `reload_check_seconds` a request reads the symlink (one
# readlink); when it names another build, a background thread loads and verifies it and
# then swaps the engine reference. Requests already running keep the engine they hold.
_checked: dict[tuple[str, str, str], float] = {}
_failed: dict[tuple[str, str, str], str] = {}
_loading: set[tuple[str, str, str]] = set()


def _watch_index(settings: Settings, key: tuple[str, str, str]) -> None:
    interval = settings.reload_check_seconds
    now = time.monotonic()
    with _engines_lock:
        if interval <= 0 or now - _checked.get(key, 0.0) < interval or key in _loading:
            return
        _checked[key] = now
        if not _index_moved(settings, _engines[key]):
            return
        _loading.add(key)
    threading.Thread(target=_reload_in_background, args=(settings,), daemon=True).start()


def _serving_target(settings: Settings) -> str:
    try:
        return os.path.basename(os.readlink(settings.index_dir / "current"))
    except OSError:
        return ""


def _index_moved(settings: Settings, engine: Engine) -> bool:
    target = _serving_target(settings)
    key = engine_key(settings)
    return bool(target) and target not in (engine.index.manifest["build_id"], _failed.get(key))


def _reload_in_background(settings: Settings) -> None:
    try:
        reload_engine(settings)
    finally:
        with _engines_lock:
            _loading.discard(engine_key(settings))


def reload_engine(settings: Settings) -> bool:
    """Swap in the build `index/current` names if it is new; False when nothing changed.

    A build that cannot be loaded, or was made with another model, is logged and
    remembered, and the serving engine stays as it is.
    """
    key = engine_key(settings)
    with _engines_lock:
        old = _engines.get(key)
    target = _serving_target(settings)
    if old is None or not _index_moved(settings, old):
        return False
    try:
        index = load_index(settings.index_dir / "builds" / target)
        _check_model(index, old.embedder)
    except IndexError_ as exc:
        log.error("keeping the serving index: build %s cannot be served (%s)", target, exc)
        _failed[key] = target
        return False
    use_query_encoder(settings, old.embedder, index)
    fresh = Engine(settings, old.embedder, index)
    with _engines_lock:
        if _engines.get(key) is old:
            _engines[key] = fresh
    log.info("index reloaded: build %s, %d passages", target, len(index.passages))
    del old
    collect_after_load()  # the old index too, unless a request still holds it
    return True


def _check_model(index: EvidenceIndex, embedder: Embedder) -> None:
    manifest = index.manifest
    if (manifest.get("model"), manifest.get("weights_sha256")) != (
        embedder.name,
        embedder.fingerprint(),
    ):
        raise IndexError_(f"it was built with model {manifest.get('model')!r}")
