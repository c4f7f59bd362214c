"""Per-process singletons: the model, the index and the engine built on them.

Everything a request needs is loaded here once; a request never touches disk. When the
index is missing, stale or damaged and ``auto_rebuild`` is on, it is rebuilt first
(with a log line); otherwise loading fails with the fix in the message.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from assistant.compose import Answer, compose
from assistant.config import Settings
from assistant.corpus import Passage, parse_corpus
from assistant.embedding import Embedder, SentenceTransformerEmbedder
from assistant.errors import IndexError_
from assistant.index import (
    EvidenceIndex,
    build_index,
    current_folder,
    load_index,
    read_manifest,
    staleness,
)
from assistant.retrieval import Mode, RetrievalSettings, Retriever, SearchResult

log = logging.getLogger(__name__)
QUERY_CACHE_SIZE = 1024


@dataclass
class Engine:
    """The loaded index plus the model: answers and searches, thread-safe."""

    settings: Settings
    embedder: Embedder
    index: EvidenceIndex

    def __post_init__(self) -> None:
        self.retriever = Retriever(
            self.index,
            self.embedder,
            RetrievalSettings(self.settings.rrf_k, self.settings.abstain_threshold),
        )
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, text: str) -> np.ndarray:
        """Query vector, from a small LRU cache so repeated queries skip the model."""
        with self._lock:
            if text in self._vectors:
                self._vectors.move_to_end(text)
                return self._vectors[text]
        vector: np.ndarray = self.embedder.encode([text])[0]
        with self._lock:
            self._vectors[text] = vector
            if len(self._vectors) > QUERY_CACHE_SIZE:
                self._vectors.popitem(last=False)
        return vector

    def search(
        self,
        query: str,
        k: int | None = None,
        mode: Mode = "hybrid",
        where: Callable[[Passage], bool] | None = None,
    ) -> SearchResult:
        return self.retriever.search(
            query, k or self.settings.top_k, mode, where, query_vector=self.embed(query)
        )

    def ask(self, question: str) -> Answer:
        result = self.search(question)
        return compose(result, self.index, self.settings.max_answer_sentences)

    def passage(self, passage_id: str) -> Passage | None:
        position = self.index.by_id.get(passage_id)
        return None if position is None else self.index.passages[position]


_engines: dict[tuple[str, str, str], Engine] = {}
_engines_lock = threading.Lock()


def get_engine(settings: Settings) -> Engine:
    """The process's engine for these settings, loading (or rebuilding) it once."""
    key = (str(settings.corpus_dir), str(settings.index_dir), settings.model)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = load_engine(settings)
        return _engines[key]


def load_engine(settings: Settings, embedder: Embedder | None = None) -> Engine:
    embedder = embedder or SentenceTransformerEmbedder(settings.model)
    problem = index_problem(settings, embedder)
    index = None
    if problem is None:
        try:
            index = load_index(current_folder(settings.index_dir))
        except IndexError_ as exc:
            problem = exc.message.split("; run")[0]
    if index is None:
        if not settings.auto_rebuild:
            raise IndexError_(f"{problem}; run `pair-assistant index build`")
        log.warning("rebuilding the index: %s", problem)
        build_index(settings.corpus_dir, settings.index_dir, embedder)
        index = load_index(current_folder(settings.index_dir))
    log.info("index loaded: %d passages, model %s", index.manifest["passage_count"], embedder.name)
    return Engine(settings, embedder, index)


def index_problem(settings: Settings, embedder: Embedder) -> str | None:
    """Why the current index cannot be served as it is, or None."""
    try:
        manifest = read_manifest(current_folder(settings.index_dir))
    except IndexError_ as exc:
        return exc.message.split("; run")[0]
    return staleness(manifest, parse_corpus(settings.corpus_dir).fingerprint, embedder)


def reset() -> None:
    """Forget loaded engines (tests, and reloading after a rebuild)."""
    with _engines_lock:
        _engines.clear()
