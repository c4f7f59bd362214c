"""A NumPy forward pass for BERT-style sentence-transformers models (all-MiniLM-L6-v2).

The server embeds one short question per request. Importing sentence-transformers and
PyTorch takes seconds and each call carries framework overhead, so questions are encoded
here instead: the same weights (read with safetensors), the same tokenizer
(``tokenizer.json`` through the ``tokenizers`` library), the same arithmetic: BERT
encoder, mean pooling, L2 normalisation. A test checks the vectors against
sentence-transformers'. Index builds still use sentence-transformers (batched).

:func:`load` returns None for any model this does not cover (another architecture,
pooling or activation), and the caller falls back to sentence-transformers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float32]
_MODULES = [
    "sentence_transformers.models.Transformer",
    "sentence_transformers.models.Pooling",
    "sentence_transformers.models.Normalize",
]


@dataclass(frozen=True)
class _Layer:
    qkv: Array  # (hidden, 3 * hidden): query, key and value projections side by side
    qkv_bias: Array
    out: Array
    out_bias: Array
    norm1: tuple[Array, Array]
    up: Array
    up_bias: Array
    down: Array
    down_bias: Array
    norm2: tuple[Array, Array]


class NumpyEncoder:
    """Encodes texts one at a time; thread-safe (no shared mutable state)."""

    def __init__(self, folder: Path, config: dict[str, Any], max_tokens: int) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        weights = load_file(str(folder / "model.safetensors"))
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.words = weights["embeddings.word_embeddings.weight"]
        self.positions = weights["embeddings.position_embeddings.weight"]
        self.token_type = weights["embeddings.token_type_embeddings.weight"][0]
        self.norm = _pair(weights, "embeddings.LayerNorm")
        self.layers = [_layer(weights, i) for i in range(int(config["num_hidden_layers"]))]
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_tokens)

    def encode(self, texts: list[str]) -> Array:
        rows = [self._embed(text) for text in texts]
        return np.vstack(rows).astype(np.float32) if rows else np.zeros((0, 0), np.float32)

    def _embed(self, text: str) -> Array:
        ids = self.tokenizer.encode(text).ids
        x = self.words[ids] + self.positions[: len(ids)] + self.token_type
        x = _layer_norm(x, self.norm, self.eps)
        for layer in self.layers:
            x = self._block(x, layer)
        pooled: Array = x.mean(axis=0)
        return pooled / np.float32(max(float(np.linalg.norm(pooled)), 1e-12))

    def _block(self, x: Array, layer: _Layer) -> Array:
        tokens, hidden = x.shape
        size = hidden // self.heads
        qkv = (x @ layer.qkv + layer.qkv_bias).reshape(tokens, 3, self.heads, size)
        q, k, v = (qkv[:, i].transpose(1, 0, 2) for i in range(3))
        scores = q @ k.transpose(0, 2, 1) / np.float32(np.sqrt(size))
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(1, 0, 2).reshape(tokens, hidden)
        x = _layer_norm(x + context @ layer.out + layer.out_bias, layer.norm1, self.eps)
        inner = _gelu(x @ layer.up + layer.up_bias)
        return _layer_norm(x + inner @ layer.down + layer.down_bias, layer.norm2, self.eps)


def load(folder: Path) -> NumpyEncoder | None:
    """The encoder for a sentence-transformers folder, or None when it is not covered."""
    found = covered(folder)
    return None if found is None else NumpyEncoder(folder, *found)


def covered(folder: Path) -> tuple[dict[str, Any], int] | None:
    """(model config, token limit) when this forward pass covers the model, else None.

    The ONNX export (mean pooling over a BERT encoder) covers the same models.
    """
    try:
        config = json.loads((folder / "config.json").read_text())
        modules = json.loads((folder / "modules.json").read_text())
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
        st_config = json.loads((folder / "sentence_bert_config.json").read_text())
    except (OSError, ValueError):
        return None
    ok = (
        config.get("model_type") == "bert"
        and config.get("hidden_act") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
        and [m.get("type") for m in modules] == _MODULES
        and pooling.get("pooling_mode_mean_tokens") is True
        and not any(
            v
            for k, v in pooling.items()
            if k.startswith("pooling_mode_") and "mean_tokens" not in k
        )
        and (folder / "model.safetensors").is_file()
        and (folder / "tokenizer.json").is_file()
    )
    return (config, int(st_config.get("max_seq_length", 256))) if ok else None


def _pair(weights: dict[str, Array], prefix: str) -> tuple[Array, Array]:
    return weights[f"{prefix}.weight"], weights[f"{prefix}.bias"]


def _layer(weights: dict[str, Array], i: int) -> _Layer:
    p = f"encoder.layer.{i}."
    projections = [f"{p}attention.self.{name}" for name in ("query", "key", "value")]
    return _Layer(
        qkv=np.ascontiguousarray(np.hstack([weights[f"{n}.weight"].T for n in projections])),
        qkv_bias=np.concatenate([weights[f"{n}.bias"] for n in projections]),
        out=np.ascontiguousarray(weights[f"{p}attention.output.dense.weight"].T),
        out_bias=weights[f"{p}attention.output.dense.bias"],
        norm1=_pair(weights, f"{p}attention.output.LayerNorm"),
        up=np.ascontiguousarray(weights[f"{p}intermediate.dense.weight"].T),
        up_bias=weights[f"{p}intermediate.dense.bias"],
        down=np.ascontiguousarray(weights[f"{p}output.dense.weight"].T),
        down_bias=weights[f"{p}output.dense.bias"],
        norm2=_pair(weights, f"{p}output.LayerNorm"),
    )


def _layer_norm(x: Array, params: tuple[Array, Array], eps: float) -> Array:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    normed: Array = (x - mean) / np.sqrt(var + eps) * params[0] + params[1]
    return normed


def _gelu(x: Array) -> Array:
    """BERT's exact GELU: x * Phi(x), with the error function."""
    from scipy.special import erf

    result: Array = 0.5 * x * (1.0 + erf(x / np.float32(np.sqrt(2.0))))
    return result
