"""The question encoder the server runs: the model's weights as an ONNX Runtime graph.

An index build exports the same all-MiniLM-L6-v2 weights (BERT encoder, mean pooling, L2
normalisation in one graph) with PyTorch, which builds already load, and fuses attention,
GELU and layer norms with onnxruntime's transformer optimizer. The file lands in the build
folder as ``encoder.onnx`` with its SHA-256 in the manifest. A server then encodes each
question with onnxruntime in fp32: about twice as fast as the NumPy forward pass
(:mod:`assistant.search.minilm`), which stays the fallback when onnxruntime or the file
is missing. No int8: quantisation reordered the top ten for most eval questions.

The export depends only on the weights and the library versions, so it is cached under
``index/encoders/`` and linked into each build instead of being redone.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import io
import json
import logging
import os
import shutil
import tempfile
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from assistant.errors import ModelError

ENCODER_FILE = "encoder.onnx"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_OPSET = 17
log = logging.getLogger(__name__)
_export_lock = threading.Lock()
# cache key -> an exported file, so builds into other index folders (tests) reuse it
_exported: dict[str, Path] = {}


class OnnxEncoder:
    """Encodes texts one at a time (no padding); thread-safe (onnxruntime runs are)."""

    def __init__(self, path: Path, model_folder: Path, threads: int, max_tokens: int) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        # One thread per run: the server runs many short questions at once. 0 keeps
        # onnxruntime's default (all cores), for one-off commands.
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3
        self.path = path
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(model_folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_tokens)

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        if len(texts) == 1:  # a question: the graph's own output, not a copy of it
            return self._embed(texts[0])
        rows = [self._embed(text) for text in texts]
        return np.concatenate(rows) if rows else np.zeros((0, 0), np.float32)

    def _embed(self, text: str) -> NDArray[np.float32]:
        """One text's vector as a (1, dimensions) float32 row."""
        ids = np.array([self.tokenizer.encode(text).ids], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.ones_like(ids)}
        feeds["token_type_ids"] = np.zeros_like(ids)
        row = self._session.run(None, feeds)[0]
        return np.asarray(row, dtype=np.float32)  # float32 already: no copy


def load(path: Path, model_folder: Path, threads: int, max_tokens: int) -> OnnxEncoder | None:
    """The encoder for an exported file, or None when onnxruntime cannot run it."""
    try:
        return OnnxEncoder(path, model_folder, threads, max_tokens)
    except ImportError:
        log.warning("onnxruntime is not installed: questions use the NumPy encoder")
    except Exception as exc:  # onnxruntime raises its own exception types
        log.warning("cannot load %s (%s): questions use the NumPy encoder", path, exc)
    return None


def export_cached(model_folder: Path, weights_sha256: str, cache: Path, target: Path) -> bool:
    """Put the exported encoder at ``target``, exporting once per weights and versions.

    False (with a log line) when the export cannot be done here; the build goes on and
    servers use the NumPy encoder.
    """
    with _export_lock:
        try:
            key = _cache_key(weights_sha256)
            cached = cache / f"{key}.onnx"
            if not cached.is_file():
                cache.mkdir(parents=True, exist_ok=True)
                earlier = _exported.get(key)
                if earlier is not None and earlier.is_file():
                    _link_or_copy(earlier, cached)
                else:
                    _export_atomically(model_folder, cached)
            _exported[key] = cached
            _link_or_copy(cached, target)
            return True
        except ImportError as exc:
            log.warning("no ONNX query encoder in this build (%s is not installed)", exc.name)
        except (ModelError, OSError) as exc:
            log.warning("no ONNX query encoder in this build: %s", exc)
        return False


def cached_export(cache: Path, weights_sha256: str) -> Path | None:
    """The encoder exported for these weights and library versions into ``cache``, if
    one has been (builds use it for a few new texts without loading PyTorch)."""
    try:
        cached = cache / f"{_cache_key(weights_sha256)}.onnx"
    except ImportError:
        return None
    return cached if cached.is_file() else None


def _cache_key(weights_sha256: str) -> str:
    """Weights and library versions, read from the installed packages' metadata (an
    import of torch takes seconds)."""
    try:
        torch, onnxruntime = (importlib.metadata.version(n) for n in ("torch", "onnxruntime"))
    except importlib.metadata.PackageNotFoundError as exc:
        raise ImportError(f"{exc.name} is not installed", name=exc.name) from None
    versions = f"{torch}-{onnxruntime}-{_OPSET}"
    return f"{weights_sha256[:16]}-{hashlib.sha256(versions.encode()).hexdigest()[:8]}"


def _export_atomically(model_folder: Path, target: Path) -> None:
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        raw, fused = Path(tmp) / "raw.onnx", Path(tmp) / "fused.onnx"
        try:
            _export(model_folder, raw)
            _fuse(raw, fused, json.loads((model_folder / "config.json").read_text()))
        except ImportError:
            raise
        except Exception as exc:  # torch.onnx and the optimizer raise many kinds
            raise ModelError(f"exporting {model_folder.name} to ONNX failed ({exc})") from exc
        os.replace(fused, target)


def _export(model_folder: Path, target: Path) -> None:
    """The BERT encoder with mean pooling and normalisation, traced by torch.onnx."""
    import torch
    from transformers import AutoModel

    # Eager attention exports as plain MatMul/Softmax, which the optimizer fuses.
    bert = AutoModel.from_pretrained(str(model_folder), attn_implementation="eager").eval()
    module = _Pooled(bert, torch)
    ids = torch.ones((1, 8), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS}
    with torch.no_grad(), warnings.catch_warnings(), _quiet():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (ids, torch.ones_like(ids), torch.zeros_like(ids)),
            str(target),
            input_names=list(_INPUTS),
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=_OPSET,
            dynamo=False,
        )


def _fuse(source: Path, target: Path, config: dict[str, Any]) -> None:
    """onnxruntime's BERT fusions (attention, skip layer norm, bias GELU), kept in fp32."""
    from onnxruntime.transformers import optimizer

    with warnings.catch_warnings(), _quiet():
        warnings.simplefilter("ignore")
        model = optimizer.optimize_model(
            str(source),
            model_type="bert",
            num_heads=int(config["num_attention_heads"]),
            hidden_size=int(config["hidden_size"]),
            opt_level=0,
            use_gpu=False,
        )
        if not model.get_fused_operator_statistics().get("Attention"):
            log.warning("the ONNX optimizer fused no attention layers; using the plain graph")
            shutil.copyfile(source, target)
            return
        model.save_model_to_file(str(target))


class _Pooled:
    """Built lazily so this module imports without torch (servers never load it)."""

    def __new__(cls, bert: Any, torch: Any) -> Any:
        class Pooled(torch.nn.Module):  # type: ignore[misc,name-defined]
            def __init__(self) -> None:
                super().__init__()
                self.bert = bert

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                out = self.bert(
                    input_ids=input_ids,
                    attention_mask=attention_mask,
                    token_type_ids=token_type_ids,
                ).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(out.dtype)
                pooled = (out * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                return torch.nn.functional.normalize(pooled, p=2, dim=1)

        return Pooled()


@contextlib.contextmanager
def _quiet() -> Any:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        yield


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
