"""Building the :class:`~assistant.search.phrases.PhraseIndex` of a corpus.

A first build reads every passage. A rebuild takes each passage whose joined text the
serving build held (the same words in the same places) from the serving build's
postings, and reads only the new ones; the result is the index a first build makes of
the same passages, file for file (tokens are numbered in sorted order, and tokens no
passage holds any more are dropped).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assistant.search.neighbours import moved_positions
from assistant.search.phrases import PhraseIndex, is_word, tokens, word_key


def build_phrase_index(
    joined: Sequence[str], previous: tuple[PhraseIndex, Sequence[str]] | None = None
) -> tuple[PhraseIndex, int]:
    """The index of the passages' joined texts (see
    :func:`~assistant.search.phrases.joined_text`) and how many of them were read: with
    ``previous`` (the serving build's index and the joined texts it holds) a passage it
    held is taken from there unread."""
    source = np.full(len(joined), -1, dtype=np.int64)
    if previous is not None and previous[0].size == len(previous[1]):
        moved = moved_positions(previous[1], joined)
        kept = moved >= 0
        source[moved[kept]] = np.flatnonzero(kept)
    fresh = np.flatnonzero(source < 0)
    read = _read([joined[int(n)] for n in fresh])
    words = sorted({word_key(t) for t in read.seen if is_word(t)})
    marks = sorted({t for t in read.seen if not is_word(t)})
    old = previous[0] if previous is not None and len(fresh) < len(joined) else None
    old_words = _old_words(old) if old is not None else []
    if old is not None:  # (code point order is UTF-8's byte order, which lookups use)
        words = sorted({*words, *old_words})
        marks = sorted({*marks, *old.marks})
    lengths = np.zeros(len(joined), dtype=np.int64)
    lengths[fresh] = read.sizes
    if old is not None:
        taken = np.flatnonzero(source >= 0)
        lengths[taken] = np.diff(old.bounds)[source[taken]] - 1
    bounds = np.zeros(len(joined) + 1, dtype=np.int64)
    np.cumsum(lengths + 1, out=bounds[1:])
    stream = np.full(int(bounds[-1]), -1, dtype=np.int32)
    # each token's number: the words in order, then the marks (the two never share a token)
    number = {token: n for n, token in enumerate((*words, *marks))}
    _fill_fresh(stream, bounds, fresh, read, number)
    if old is not None:
        renumber = np.asarray([number[t] for t in (*old_words, *old.marks)], dtype=np.int32)
        _fill_kept(stream, bounds, source, old, renumber)
    return _indexed(stream, bounds, words, marks), len(fresh)


def _old_words(old: PhraseIndex) -> list[str]:
    raw = bytes(old.words)
    ends = old.word_ends.tolist()
    starts = [0, *ends[:-1]] if ends else []
    return [raw[a:b].decode("utf-8") for a, b in zip(starts, ends, strict=True)]


class _Numbering(dict[str, int]):
    """Numbers each token the first time it is looked up."""

    def __missing__(self, token: str) -> int:
        number = self[token] = len(self)
        return number


@dataclass(frozen=True)
class _Read:
    """The tokens of some texts: each numbered in order of first appearance (``seen``
    lists them so), all texts' numbers one after another, and how many each text has."""

    flat: np.ndarray
    sizes: np.ndarray
    seen: list[str]


def _read(texts: list[str]) -> _Read:
    numbering = _Numbering()
    flat = array("q")
    sizes = array("q")
    for text in texts:
        found = tokens(text)
        flat.extend(map(numbering.__getitem__, found))
        sizes.append(len(found))
    return _Read(np.frombuffer(flat, np.int64), np.frombuffer(sizes, np.int64), list(numbering))


def _fill_fresh(
    stream: np.ndarray,
    bounds: np.ndarray,
    fresh: np.ndarray,
    read: _Read,
    number: dict[str, int],
) -> None:
    final = np.asarray([number[word_key(t) if is_word(t) else t] for t in read.seen], np.int32)
    places = np.repeat(bounds[fresh], read.sizes) + _ranks(read.sizes)
    stream[places] = final[read.flat]


def _fill_kept(
    stream: np.ndarray,
    bounds: np.ndarray,
    source: np.ndarray,
    old: PhraseIndex,
    renumber: np.ndarray,
) -> None:
    """Copies each kept passage's tokens from ``old``, renumbered (``renumber`` holds each
    old token's new number)."""
    old_stream = np.full(int(old.bounds[-1]), -1, dtype=np.int32)
    counts = np.diff(np.asarray(old.indptr))
    old_stream[np.asarray(old.postings)] = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    taken = np.flatnonzero(source >= 0)
    sizes = np.diff(bounds)[taken] - 1
    new_places = np.repeat(bounds[taken], sizes) + _ranks(sizes)
    old_places = np.repeat(np.asarray(old.bounds)[source[taken]], sizes) + _ranks(sizes)
    stream[new_places] = renumber[old_stream[old_places]]


def _ranks(sizes: np.ndarray) -> np.ndarray:
    """0, 1, ... size - 1 for each of ``sizes``, one after another."""
    total = int(sizes.sum())
    starts = np.repeat(np.cumsum(sizes) - sizes, sizes)
    ranks: np.ndarray = np.arange(total, dtype=np.int64) - starts
    return ranks


def _indexed(
    stream: np.ndarray, bounds: np.ndarray, words: list[str], marks: list[str]
) -> PhraseIndex:
    """The postings of ``stream`` (token numbers by place, -1 between passages), without
    the tokens no place holds (the others renumbered in the same order)."""
    places = np.flatnonzero(stream >= 0)
    ids = stream[places]
    counts = np.bincount(ids, minlength=len(words) + len(marks))
    held = counts > 0
    if not held.all():
        ids = (np.cumsum(held) - 1).astype(np.int32)[ids]
        kept = held.tolist()
        marks = [m for m, h in zip(marks, kept[len(words) :], strict=True) if h]
        words = [w for w, h in zip(words, kept[: len(words)], strict=True) if h]
        counts = counts[held]
    dtype = np.int32 if len(stream) < 2**31 else np.int64
    postings = places[_stable_order(ids)].astype(dtype)
    indptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    encoded = [w.encode("utf-8") for w in words]
    word_ends = np.cumsum([len(e) for e in encoded], dtype=np.int64)
    raw = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    return PhraseIndex(raw, word_ends, marks, postings, indptr, bounds)


def _stable_order(ids: np.ndarray) -> np.ndarray:
    """``np.argsort(ids, kind="stable")`` for non-negative int32 ``ids``, sixteen bits at a
    time: NumPy sorts 16-bit keys by radix, a third faster than merging 32-bit ones."""
    low = np.argsort((ids & 0xFFFF).astype(np.uint16), kind="stable")
    high = np.argsort((ids >> 16).astype(np.uint16)[low], kind="stable")
    order: np.ndarray = low[high]
    return order
