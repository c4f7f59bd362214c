"""Synthetic corpora for ``make bench-scale``: the shipped corpus grown to N passages.

Each added passage is a real one with its figures, places and commissioners' words
varied, so BM25 terms and vectors spread as in a larger evidence base instead of
repeating. Embedding hundreds of thousands of new texts with the model takes hours on a
small machine (the build is the same code either way), so by default a variant's vector
is its original's model vector turned by a small random rotation seeded from the
variant's own text (:class:`SeededEmbedder`); every other text, such as the document
added to time an incremental rebuild, goes through the model. ``--embed model`` runs
the model on everything.
"""

from __future__ import annotations

import hashlib
import random
import re
import shutil
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from assistant.evidence.corpus import Passage, load_corpus
from assistant.evidence.text import sentence_spans
from assistant.search.embedding import SentenceTransformerEmbedder

PLACES = ("Leeds", "Cornwall", "Sunderland", "Norfolk", "Bristol", "Cumbria", "Croydon", "Wirral")
WORDS = {
    "commissioners": "planners",
    "families": "households",
    "babies": "infants",
    "services": "provision",
    "local authority": "council",
    "report": "study",
}
_NUMBER = re.compile(r"\d+")
PER_FILE = 500
# Noise per dimension of a seeded vector: about 0.93 cosine to its original (384 dims)
SPREAD = 0.02


def vary(text: str, rng: random.Random) -> str:
    text = _NUMBER.sub(lambda m: str(max(1, int(m.group()) + rng.randint(-9, 9))), text)
    for word, other in WORDS.items():
        if rng.random() < 0.5:
            text = text.replace(word, other)
    return f"{text} This was reported for {rng.choice(PLACES)}."


def passage_markdown(p: Passage, heading: str, text: str) -> str:
    lines = [f"### {heading}", f"source: {', '.join(p.source_ids)}"]
    if p.evidence:
        lines.append(f"evidence: {p.evidence}")
    return "\n".join(lines) + f"\n\n{text}\n"


def write_file(folder: Path, name: str, sections: list[str]) -> None:
    head = f"---\ntopic: {name}\ntitle: Synthetic evidence {name}\n---\n\n# {name}\n\n## Body\n\n"
    (folder / f"{name}.md").write_text(head + "\n".join(sections), encoding="utf-8")


class Origins:
    """Which real text each synthetic text varies: its passage's and its sentences'."""

    def __init__(self) -> None:
        self.of: dict[str, str] = {}

    def add(self, original: Passage, heading: str, text: str) -> None:
        self.of[f"{heading}. {text}"] = original.embedding_text()
        mine = [text[a:b] for a, b in sentence_spans(text)]
        theirs = [original.text[a:b] for a, b in sentence_spans(original.text)]
        for n, sentence in enumerate(mine):
            self.of.setdefault(sentence, theirs[min(n, len(theirs) - 1)])


def synthetic_corpus(source: Path, target: Path, size: int, seed: int = 14) -> Origins:
    """The corpus at ``source`` grown to ``size`` passages in ``target``."""
    shutil.copytree(source, target)
    real = load_corpus(target).passages
    rng = random.Random(seed)
    folder = target / "evidence" / "synthetic"
    folder.mkdir()
    origins = Origins()
    sections = []
    for n in range(max(0, size - len(real))):
        p = real[n % len(real)]
        heading, text = f"{p.heading} ({n})", vary(p.text, rng)
        origins.add(p, heading, text)
        sections.append(passage_markdown(p, heading, text))
        if len(sections) == PER_FILE:
            write_file(folder, f"synthetic-{n // PER_FILE:04d}", sections)
            sections = []
    if sections:
        write_file(folder, "synthetic-last", sections)
    return origins


def add_document(corpus: Path, pages: int = 100) -> None:
    """One new 100-page document (a passage per page), unlike any text seen before."""
    real = load_corpus(corpus).passages
    real = [p for p in real if "synthetic" not in p.file][: max(1, pages)]
    rng = random.Random(1001)
    sections = [
        passage_markdown(p, f"New document page {n + 1}", vary(p.text, rng) + f" Page {n + 1}.")
        for n, p in enumerate(real[n % len(real)] for n in range(pages))
    ]
    write_file(corpus / "evidence" / "synthetic", "new-document", sections)


class SeededEmbedder(SentenceTransformerEmbedder):
    """The model, except for synthetic variants: those take their original's vector turned
    by noise seeded from their own text (the same text always gets the same vector).

    ``known`` holds model vectors of real texts (a previous build's); others are encoded
    by the model once and remembered. Counts what went through the model.
    """

    def __init__(self, model: str, origins: Origins, known: dict[str, NDArray[np.float32]]) -> None:
        super().__init__(model)
        self.origins = origins
        self.known = known
        self.seeded = 0
        self.modelled = 0

    def encode(self, texts: list[str]) -> NDArray[np.float32]:
        bases = [self.origins.of.get(t, t) for t in texts]
        missing = list(dict.fromkeys(b for b in bases if b not in self.known))
        if missing:
            self.known.update(zip(missing, super().encode(missing), strict=True))
            self.modelled += len(missing)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        rows = np.vstack([self.known[b] for b in bases]).astype(np.float32)
        for n, (text, base) in enumerate(zip(texts, bases, strict=True)):
            if text != base:
                rows[n] = _turned(rows[n], text)
                self.seeded += 1
        return rows


def _turned(vector: NDArray[np.float32], text: str) -> NDArray[np.float32]:
    seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
    noisy = vector + SPREAD * np.random.default_rng(seed).standard_normal(len(vector))
    turned: NDArray[np.float32] = (noisy / np.linalg.norm(noisy)).astype(np.float32)
    return turned
