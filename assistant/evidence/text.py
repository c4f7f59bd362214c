"""Plain-text helpers shared by the corpus, the composer and document ingestion."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

# Abbreviations after which a full stop does not end a sentence.
_ABBREVIATIONS = (
    "e.g",
    "i.e",
    "et al",
    "etc",
    "vs",
    "cf",
    "approx",
    "Dr",
    "Prof",
    "Mr",
    "Mrs",
    "Ms",
    "St",
    "No",
    "p",
    "pp",
    "para",
    "ch",
    "Vol",
    "vol",
    "Fig",
    "fig",
    "eds",
    "ed",
    "ref",
    "refs",
    "nos",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Sept",
    "Oct",
    "Nov",
    "Dec",
)
_ABBREV_RE = re.compile(
    r"(?:\b(?:" + "|".join(re.escape(a) for a in _ABBREVIATIONS) + r")|\b[A-Z])\.$"
)
_ABBREV_TAIL = max(len(a) for a in _ABBREVIATIONS) + 8
_BOUNDARY_RE = re.compile(r"[.!?][\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9£])")
# A question or exclamation mark closing a quotation opened inside the sentence ends a
# title ("Who is holding the baby?" (2025)), not the sentence.
_QUOTED_END_RE = re.compile(r"[!?][\"'”’]$")
_OPENING_QUOTES = "\"“‘'"
# What can follow a full stop without starting a sentence: a year or a page in brackets.
_NOT_A_START_RE = re.compile(r"\(\d{4}[a-z]?\)|\(p+\. ?\d")
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD_RE = re.compile(r"\S+")


def normalise(text: str) -> str:
    """NFC, no control characters, single spaces."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL_RE.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def word_count(text: str) -> int:
    return len(_WORD_RE.findall(text))


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the sentences of ``text``.

    A boundary is sentence punctuation followed by space and a capital, digit or opening
    quote, unless the word before it is a known abbreviation or a single initial.
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY_RE.finditer(text):
        # the longest abbreviation and the character before it: enough for the pattern
        head = text[max(start, match.start() + 1 - _ABBREV_TAIL) : match.start() + 1]
        if _ABBREV_RE.search(head) or _inside_title(text[start : match.end()].rstrip()):
            continue
        if _NOT_A_START_RE.match(text, match.end()):
            continue
        end = match.end()
        spans.append((start, len(text[:end].rstrip())))
        start = end
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def _inside_title(sentence: str) -> bool:
    """True when ``sentence`` ends with ?/! closing a quotation that opened mid-sentence."""
    if not _QUOTED_END_RE.search(sentence):
        return False
    body = sentence[:-2]
    opened = max(body.rfind(q) for q in _OPENING_QUOTES)
    return opened > 0


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def pack_sentences(parts: list[str], max_words: int) -> list[str]:
    """Join sentences into chunks of at most ``max_words``, as even in size as possible.

    A single sentence longer than the limit becomes a chunk of its own: sentences are
    never split.
    """
    total = sum(word_count(p) for p in parts)
    if total <= max_words:
        return [" ".join(parts)] if parts else []
    chunks_needed = -(-total // max_words)
    target = total / chunks_needed
    chunks: list[list[str]] = [[]]
    size = 0
    for part in parts:
        words = word_count(part)
        over_limit = size + words > max_words
        past_target = size >= target * 0.85 and size + words / 2 > target
        if chunks[-1] and (over_limit or past_target):
            chunks.append([])
            size = 0
        chunks[-1].append(part)
        size += words
    return [" ".join(c) for c in chunks]


# "Watch, Wait and Wonder (WWW)", "Parent-Infant Relationship Global Assessment Scale
# (PIR-GAS)": an acronym spelled out by the words before it.
_SPELLED_OUT = re.compile(
    r"((?:[\w'’]+[\s,-]+){1,10})"  # up to ten words before the bracket
    r"\(([A-Z][A-Za-z0-9&-]*[A-Z][A-Za-z0-9&-]*)\)"  # two capitals or more inside it
)
_JOINING = frozenset({"and", "of", "the", "for", "to", "in", "on", "&"})


@lru_cache(maxsize=4096)
def spelled_out(text: str) -> Mapping[str, str]:
    """Acronym -> the capitalised words before it that its letters stand for.

    Remembered per text: each sentence of a passage asks about the whole passage."""
    found: dict[str, str] = {}
    for match in _SPELLED_OUT.finditer(text):
        acronym = match.group(2)
        letters = sum(1 for ch in acronym if ch.isupper())
        words = re.findall(r"[\w'’]+", match.group(1))
        kept: list[str] = []
        capitals = 0
        for word in reversed(words):
            if word.lower() in _JOINING and kept:
                continue
            if not word[:1].isupper() or capitals >= letters:
                break
            kept.append(word)
            capitals += 1
        if kept and acronym not in found:
            found[acronym] = " ".join(reversed(kept))
    return found
